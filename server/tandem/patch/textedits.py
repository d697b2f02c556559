"""Minimal line-granular text edits that turn one text into another, in LSP coordinates.

The result replaces only the lines that differ (per :class:`difflib.SequenceMatcher` over lines),
so an editor keeps cursors, folds and undo history elsewhere in the buffer. Positions are
zero-based lines and characters counted in the negotiated position encoding (LSP 3.17
``PositionEncodingKind``: ``utf-16`` by default, ``utf-8`` or ``utf-32``). Applying the edits of
:func:`line_edits` to ``old`` (all ranges refer to ``old``; they never overlap) yields ``new``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum


class PositionEncoding(StrEnum):
    """How LSP ``character`` offsets are counted."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"


@dataclass(frozen=True, slots=True)
class LineEdit:
    """Replace ``[start_line:start_char, end_line:end_char)`` of the old text with ``new_text``."""

    start_line: int
    start_char: int
    end_line: int
    end_char: int
    new_text: str


def char_length(text: str, encoding: PositionEncoding = PositionEncoding.UTF16) -> int:
    """Length of ``text`` in the units of ``encoding``."""
    if encoding is PositionEncoding.UTF32:
        return len(text)
    if encoding is PositionEncoding.UTF8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def _position(lines: list[str], index: int, encoding: PositionEncoding) -> tuple[int, int]:
    """Start of line ``index``; past the last line, the end of the text."""
    if index < len(lines) or not lines:
        return index, 0
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return len(lines), 0
    return len(lines) - 1, char_length(last, encoding)


def line_edits(old: str, new: str, encoding: PositionEncoding = PositionEncoding.UTF16) -> list[LineEdit]:
    """The edits that turn ``old`` into ``new``, in document order; ``[]`` when they are equal."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[LineEdit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = _position(old_lines, i1, encoding)
        end = _position(old_lines, i2, encoding)
        edits.append(LineEdit(start[0], start[1], end[0], end[1], "".join(new_lines[j1:j2])))
    return edits


def apply_line_edits(text: str, edits: list[LineEdit], encoding: PositionEncoding = PositionEncoding.UTF16) -> str:
    """Apply non-overlapping ``edits`` (ranges in ``text``'s coordinates) the way an editor does.

    Used to check edits and by the LSP server's fake editor in tests. Positions past the end of a
    line or of the text are clamped, as VS Code does.
    """
    lines = text.splitlines(keepends=True)

    def offset(line: int, char: int) -> int:
        if line >= len(lines):
            return len(text)
        base = sum(len(item) for item in lines[:line])
        content = lines[line].rstrip("\r\n")
        consumed, units = 0, 0
        for ch in content:
            if units >= char:
                break
            units += char_length(ch, encoding)
            consumed += 1
        return base + consumed

    result = text
    for edit in sorted(edits, key=lambda e: (e.start_line, e.start_char), reverse=True):
        start = offset(edit.start_line, edit.start_char)
        end = offset(edit.end_line, edit.end_char)
        result = result[:start] + edit.new_text + result[end:]
    return result
