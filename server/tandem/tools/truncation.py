"""Head+tail truncation of tool output before it goes to the model.

Format: Codex's tool-output truncation (docs/reference-facts.md §1). Tokens are estimated as
``ceil(utf8_bytes / 4)``; an output over its token budget keeps its beginning and its end (half
the budget each) and loses the middle, which is replaced by a marker line
``…N tokens truncated…`` (``N`` = estimated tokens removed). :func:`truncate_output` also puts
``Total output lines: <count>\\n\\n`` in front, as Codex's ``formatted_truncate_text`` does.

Unlike Codex, which cuts at any character, the cuts fall on line boundaries when a boundary is
close enough (the cut keeps at least half of its side's budget); otherwise at a character
boundary — never inside a UTF-8 sequence.

:class:`HeadTailBuffer` applies the same head+tail idea to raw bytes while they arrive: it bounds
what :func:`tandem.tools.process.run_process` keeps of a command's output (Codex caps the raw
capture at 1 MiB) while counting the whole stream's bytes and lines, so the model is told the real
``Total output lines`` and the real number of tokens left out (:func:`truncate_gapped`), not the
capture's.

Everything here is pure (no I/O) and works on bytes in one pass: 1 MiB of output takes about a
millisecond.
"""

from __future__ import annotations

from collections import deque

#: Bytes per token of the estimate (Codex's ``APPROX_BYTES_PER_TOKEN``).
APPROX_BYTES_PER_TOKEN = 4

#: Default budget of one tool output, in estimated tokens (Codex's default).
DEFAULT_MAX_TOKENS = 10_000

_ENCODING = "utf-8"
_ERRORS = "surrogatepass"  # lone surrogates survive the bytes round trip instead of raising


def approx_tokens(text: str) -> int:
    """Estimated token count of ``text``: ``ceil(len(text.encode('utf-8')) / 4)``."""
    size = len(text) if text.isascii() else len(text.encode(_ENCODING, _ERRORS))
    return _tokens_for_bytes(size)


def count_lines(text: str) -> int:
    """Number of lines in ``text`` as Rust's ``str::lines`` counts them.

    A final line without a newline counts; a trailing newline does not start another line;
    ``""`` has 0 lines.
    """
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def truncate_middle(text: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> tuple[str, int]:
    """Cut the middle out of ``text`` so that about ``max_tokens`` tokens remain.

    Args:
        text: any string (tool output).
        max_tokens: the budget in estimated tokens (4 UTF-8 bytes each); ``<= 0`` keeps nothing
            but the marker.

    Returns:
        ``(text, 0)`` unchanged when it fits; otherwise ``(head + marker line + tail,
        removed_tokens)`` where the marker line is ``…N tokens truncated…`` (N = removed_tokens
        > 0). The marker and the newline before it (added when the head ends mid-line) are not
        counted against the budget.
    """
    budget = max(0, max_tokens) * APPROX_BYTES_PER_TOKEN
    if text.isascii():
        if len(text) <= budget:
            return text, 0
        data = text.encode("ascii")
    else:
        data = text.encode(_ENCODING, _ERRORS)
        if len(data) <= budget:
            return text, 0
    head_budget = budget // 2
    head_end = _head_cut(data, head_budget)
    tail_start = _tail_cut(data, len(data) - (budget - head_budget), head_end)
    removed = _tokens_for_bytes(tail_start - head_end)
    head = data[:head_end].decode(_ENCODING, _ERRORS)
    tail = data[tail_start:].decode(_ENCODING, _ERRORS)
    separator = "" if not head or head.endswith("\n") else "\n"
    return f"{head}{separator}…{removed} tokens truncated…\n{tail}", removed


def truncate_output(text: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    """Truncate a tool output for the model, Codex style.

    Args:
        text: the full output.
        max_tokens: budget in estimated tokens (see :func:`approx_tokens`).

    Returns:
        ``text`` itself when it fits; otherwise
        ``"Total output lines: <count of text>\\n\\n" + head + "…N tokens truncated…\\n" + tail``.
    """
    body, removed = truncate_middle(text, max_tokens)
    if not removed:
        return text
    return f"Total output lines: {count_lines(text)}\n\n{body}"


def truncate_gapped(head: str, tail: str, gap_bytes: int, max_tokens: int = DEFAULT_MAX_TOKENS) -> tuple[str, int]:
    """:func:`truncate_middle` for a text of which the middle ``gap_bytes`` bytes were never kept (a bounded
    capture, :class:`HeadTailBuffer`): the head keeps at most half the budget of ``head``, the tail at
    most half of ``tail``, and the marker counts *everything* not shown, the gap included.

    Args:
        head, tail: the kept beginning and end of the text.
        gap_bytes: UTF-8 bytes of the text between them that are gone (> 0).
        max_tokens: the budget in estimated tokens.

    Returns:
        ``(head' + marker line + tail', removed_tokens)``; the marker line is ``…N tokens truncated…``
        with N = ``ceil(bytes not shown / 4)`` of the whole text.
    """
    budget = max(0, max_tokens) * APPROX_BYTES_PER_TOKEN
    head_data, tail_data = head.encode(_ENCODING, _ERRORS), tail.encode(_ENCODING, _ERRORS)
    head_budget = budget // 2
    tail_budget = budget - head_budget
    head_end = len(head_data) if len(head_data) <= head_budget else _head_cut(head_data, head_budget)
    tail_start = 0 if len(tail_data) <= tail_budget else _tail_cut(tail_data, len(tail_data) - tail_budget, 0)
    removed = _tokens_for_bytes(len(head_data) - head_end + gap_bytes + tail_start)
    kept_head = head_data[:head_end].decode(_ENCODING, _ERRORS)
    kept_tail = tail_data[tail_start:].decode(_ENCODING, _ERRORS)
    separator = "" if not kept_head or kept_head.endswith("\n") else "\n"
    return f"{kept_head}{separator}…{removed} tokens truncated…\n{kept_tail}", removed


def _tokens_for_bytes(size: int) -> int:
    return (size + APPROX_BYTES_PER_TOKEN - 1) // APPROX_BYTES_PER_TOKEN


def _is_continuation(byte: int) -> bool:
    return byte & 0xC0 == 0x80


def _head_cut(data: bytes, limit: int) -> int:
    """End offset of the head: just after a newline if one is in the second half of the
    head's budget, else the last character boundary at or before ``limit``."""
    if limit <= 0:
        return 0
    newline = data.rfind(b"\n", 0, limit)
    if newline >= 0 and newline + 1 >= limit // 2:
        return newline + 1
    end = limit
    while end > 0 and _is_continuation(data[end]):
        end -= 1
    return end


def _tail_cut(data: bytes, start: int, floor: int) -> int:
    """Start offset of the tail: a line start if one is in the first half of the tail's
    budget, else the first character boundary at or after ``start``; never before ``floor``."""
    size = len(data)
    start = max(start, floor)
    if start >= size or start == 0 or data[start - 1] == 0x0A:
        return start
    newline = data.find(b"\n", start, start + (size - start) // 2)
    if newline >= 0:
        return newline + 1
    while start < size and _is_continuation(data[start]):
        start += 1
    return start


class HeadTailBuffer:
    """Byte sink keeping the first ``max_bytes // 2`` bytes and a rolling tail of the rest.

    Memory stays within ``max_bytes`` (plus one read's worth while evicting) however much is
    written.

    Args:
        max_bytes: total bytes kept; negative counts as 0.
    """

    __slots__ = ("_ends_line", "_head", "_head_cap", "_newlines", "_tail", "_tail_cap", "_tail_len", "_total")

    def __init__(self, max_bytes: int) -> None:
        max_bytes = max(0, max_bytes)
        self._head_cap = max_bytes // 2
        self._tail_cap = max_bytes - self._head_cap
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self._total = 0
        self._newlines = 0
        self._ends_line = True

    def write(self, data: bytes) -> None:
        """Append ``data``; evicts the oldest tail bytes beyond the bound (lines are counted first)."""
        if not data:
            return
        self._total += len(data)
        self._newlines += data.count(b"\n")
        self._ends_line = data.endswith(b"\n")
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail.append(bytes(data))
        self._tail_len += len(data)
        while self._tail_len > self._tail_cap:
            excess = self._tail_len - self._tail_cap
            first = self._tail[0]
            if len(first) <= excess:
                self._tail.popleft()
                self._tail_len -= len(first)
            else:
                self._tail[0] = first[excess:]
                self._tail_len -= excess

    @property
    def total_bytes(self) -> int:
        """Bytes written so far."""
        return self._total

    @property
    def total_lines(self) -> int:
        """Lines written so far, counted as :func:`count_lines` counts them (dropped ones included)."""
        return self._newlines + (0 if self._ends_line else 1)

    @property
    def dropped_bytes(self) -> int:
        """Bytes written but no longer kept (the middle)."""
        return self._total - len(self._head) - self._tail_len

    def head(self) -> bytes:
        """The kept beginning."""
        return bytes(self._head)

    def tail(self) -> bytes:
        """The kept end (follows :meth:`head` directly when nothing was dropped)."""
        return b"".join(self._tail)

    def parts(self) -> tuple[str, str, int]:
        """The kept bytes decoded (UTF-8, ``errors="replace"``), cut to whole characters.

        Returns:
            ``(head, tail, dropped_bytes)``: without drops, ``(whole stream, "", 0)``; with drops, the
            kept beginning and end and the bytes between them that are gone.
        """
        head, tail = self.head(), self.tail()
        if not self.dropped_bytes:
            return (head + tail).decode("utf-8", "replace"), "", 0
        head = head[: _char_boundary_end(head)]
        start = 0
        while start < min(len(tail), 3) and _is_continuation(tail[start]):
            start += 1
        tail = tail[start:]
        dropped = self._total - len(head) - len(tail)
        return head.decode("utf-8", "replace"), tail.decode("utf-8", "replace"), dropped

    def text(self) -> tuple[str, int]:
        """Decode the kept bytes (UTF-8, ``errors="replace"``).

        Returns:
            ``(text, truncated_bytes)``. Without drops, the whole stream. With drops,
            ``head + "…N bytes truncated…" line + tail``, both sides cut to whole UTF-8
            characters; ``N`` = truncated_bytes = bytes written minus bytes shown.
        """
        head_text, tail_text, dropped = self.parts()
        if not dropped:
            return head_text, 0
        separator = "" if not head_text or head_text.endswith("\n") else "\n"
        return f"{head_text}{separator}…{dropped} bytes truncated…\n{tail_text}", dropped


def _char_boundary_end(data: bytes) -> int:
    """Length of ``data`` without an incomplete UTF-8 sequence at its end."""
    index = len(data) - 1
    while index >= 0 and len(data) - index < 4 and _is_continuation(data[index]):
        index -= 1
    if index < 0:
        return len(data)
    lead = data[index]
    need = 2 if lead >> 5 == 0b110 else 3 if lead >> 4 == 0b1110 else 4 if lead >> 3 == 0b11110 else 1
    return index if index + need > len(data) else len(data)
