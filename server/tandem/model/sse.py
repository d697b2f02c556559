"""A pure, incremental Server-Sent Events decoder.

Format: WHATWG HTML Living Standard, "Server-sent events" §9.2.6 (interpreting an event stream):
lines end in CRLF, LF or CR; a blank line dispatches the event; ``field: value`` with one optional
space after the colon; ``data`` lines are joined with "\\n"; lines starting with ``:`` are
comments; an unknown field is ignored. No I/O here: feed it text chunks, get events back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event.

    Attributes:
        event: the ``event:`` field, or ``"message"`` when the server sent none.
        data: the ``data:`` lines joined with newlines.
        id: the last ``id:`` seen (the stream's last-event-id), or ``None``.
        retry_ms: the ``retry:`` field in milliseconds when this event carried one.
    """

    event: str
    data: str
    id: str | None = None
    retry_ms: int | None = None


class SSEDecoder:
    """Turn arbitrary text chunks into :class:`SSEEvent` objects.

    Chunks may split lines (and CRLF pairs) anywhere. Call :meth:`feed` for each chunk and
    :meth:`flush` at end of stream (an unterminated last event is discarded, as the spec says).
    """

    __slots__ = ("_buffer", "_data", "_event", "_last_id", "_pending_cr", "_retry")

    def __init__(self) -> None:
        self._buffer = ""
        self._pending_cr = False
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: str) -> list[SSEEvent]:
        """Decode one chunk of the stream; returns the events it completed (possibly none)."""
        if self._pending_cr and chunk.startswith("\n"):
            chunk = chunk[1:]
        self._pending_cr = False
        text = self._buffer + chunk
        events: list[SSEEvent] = []
        start = 0
        length = len(text)
        while start < length:
            cr = text.find("\r", start)
            lf = text.find("\n", start)
            if cr == -1 and lf == -1:
                break
            if cr == -1 or (lf != -1 and lf < cr):
                end, next_start = lf, lf + 1
            else:
                end = cr
                if cr + 1 < length:
                    next_start = cr + 2 if text[cr + 1] == "\n" else cr + 1
                else:
                    next_start = cr + 1
                    self._pending_cr = True
            event = self._line(text[start:end])
            if event is not None:
                events.append(event)
            start = next_start
        self._buffer = text[start:]
        return events

    def flush(self) -> list[SSEEvent]:
        """End of stream: a final line without its terminator is processed; a half event is dropped."""
        events: list[SSEEvent] = []
        if self._buffer:
            event = self._line(self._buffer)
            self._buffer = ""
            if event is not None:
                events.append(event)
        self._data = []
        self._event = ""
        self._retry = None
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id":
            if "\0" not in value:
                self._last_id = value
        elif field == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data:
            self._event = ""
            self._retry = None
            return None
        event = SSEEvent(
            event=self._event or "message", data="\n".join(self._data), id=self._last_id, retry_ms=self._retry
        )
        self._data = []
        self._event = ""
        self._retry = None
        return event
