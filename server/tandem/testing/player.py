"""Play a rendered event stream onto a connection: delays and positional faults.

Format-neutral: it sees only :class:`~tandem.testing.wire.SSEFrame` objects. Timing rules:

- the first event is sent at once (a provider acknowledges the request with ``response.created``
  immediately); ``delay_ms`` then elapses before the second event (time to first output);
- ``chunk_delay_ms`` elapses between every later pair of events; when it is 0 the remaining events
  go out in one write, so unscripted latency is zero;
- every wait ends early when the server stops, and the connection is then reset.

Positional faults: ``malformed_json`` (a broken event) and ``unknown_event`` (an event of an unknown
type) are inserted after ``after_events`` events and the stream goes on; ``disconnect`` resets the
connection after ``after_events`` events; ``stall`` sends
``after_events`` events, waits ``seconds`` and then resets the connection.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from tandem.testing.script import DisconnectFault, MalformedJsonFault, ScriptedResponse, StallFault, UnknownEventFault
from tandem.testing.wire import SSEFrame, WireFormat

UNKNOWN_FRAME = SSEFrame.json({"type": "tandem.scripted.unknown", "note": "an event type no client knows"})
"""The event ``unknown_event`` inserts (the same in every wire format)."""


class StreamSink(Protocol):
    """Where a stream's bytes go (the HTTP handler's chunked body)."""

    def write_chunk(self, data: bytes) -> None:
        """Send ``data`` now (one HTTP chunk)."""
        ...

    def finish(self) -> None:
        """End the body cleanly."""
        ...

    def abort(self) -> None:
        """Reset the connection without ending the body."""
        ...


def _batches(frames: Sequence[SSEFrame], chunk_delay_ms: float) -> list[bytes]:
    if not frames:
        return []
    first, rest = frames[0].encode(), frames[1:]
    if chunk_delay_ms > 0:
        return [first, *(frame.encode() for frame in rest)]
    return [first, b"".join(frame.encode() for frame in rest)] if rest else [first]


def play(
    frames: Sequence[SSEFrame], response: ScriptedResponse, wire: WireFormat, sink: StreamSink, stop: threading.Event
) -> None:
    """Send ``frames`` to ``sink`` following ``response``'s delays and positional fault.

    Raises:
        OSError: the client went away (the caller treats it as a finished stream).
    """
    fault = response.fault
    to_send = list(frames)
    if isinstance(fault, MalformedJsonFault):
        to_send.insert(min(fault.after_events, len(to_send)), wire.malformed_frame())
    if isinstance(fault, UnknownEventFault):
        to_send.insert(min(fault.after_events, len(to_send)), UNKNOWN_FRAME)
    if isinstance(fault, DisconnectFault | StallFault):
        to_send = to_send[: fault.after_events]

    def pause(ms: float) -> bool:
        """Wait ``ms``; true when the server is stopping."""
        return stop.wait(ms / 1000) if ms > 0 else stop.is_set()

    batches = _batches(to_send, response.chunk_delay_ms)
    for index, data in enumerate(batches):
        wait_ms = response.delay_ms if index == 1 else response.chunk_delay_ms if index > 1 else 0
        if pause(wait_ms):
            sink.abort()
            return
        sink.write_chunk(data)
    if len(batches) < 2 and pause(response.delay_ms):
        sink.abort()
        return
    if isinstance(fault, StallFault):
        pause(fault.seconds * 1000)
        sink.abort()
    elif isinstance(fault, DisconnectFault):
        sink.abort()
    else:
        sink.finish()
