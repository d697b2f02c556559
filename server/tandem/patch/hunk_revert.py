"""Finding an applied hunk in today's text, and reverting it only where it is still what was written.

A hunk (from :func:`tandem.patch.diff.split_hunks`) has an old side and a new side (context lines
belong to both). After the change is applied, the new side is somewhere in the file — the user
may have edited above it since. :func:`locate_hunk` finds it (the match nearest the hunk's
recorded position wins); :func:`revert_hunk` swaps it back to the old side, and refuses (returns
``None``) when the agent's lines were edited since: undo never overwrites the user's work.
"""

from __future__ import annotations

from tandem.patch.diff import DiffHunk

_NO_NEWLINE = "\\ No newline at end of file"


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` keeping their ``\\n`` (a last line without one stays without)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def hunk_sides(hunk: DiffHunk) -> tuple[list[str], list[str]]:
    """The hunk's old-side and new-side lines (context on both), with line endings as in the file."""
    old: list[str] = []
    new: list[str] = []
    last: list[list[str]] = []
    for line in hunk.diff.split("\n")[1:]:
        if line.startswith(_NO_NEWLINE):
            for side in last:
                side[-1] = side[-1].removesuffix("\n")
            continue
        if not line:
            continue
        body = line[1:] + "\n"
        if line[0] == " ":
            old.append(body)
            new.append(body)
            last = [old, new]
        elif line[0] == "-":
            old.append(body)
            last = [old]
        elif line[0] == "+":
            new.append(body)
            last = [new]
    return old, new


def _find(lines: list[str], block: list[str], hint: int) -> int | None:
    if not block:
        return min(max(hint, 0), len(lines))
    size = len(block)
    starts = [i for i in range(len(lines) - size + 1) if lines[i : i + size] == block]
    return min(starts, key=lambda i: abs(i - hint)) if starts else None


def locate_hunk(text: str, hunk: DiffHunk) -> tuple[int, int] | None:
    """Where the hunk's new side is in ``text``: (0-based first line, line count), or None if edited away."""
    _, new = hunk_sides(hunk)
    start = _find(split_lines(text), new, hunk.new_start - 1)
    return None if start is None else (start, len(new))


def revert_hunk(text: str, hunk: DiffHunk) -> str | None:
    """``text`` with the hunk's new side replaced by its old side; None when the new side is not there."""
    old, new = hunk_sides(hunk)
    lines = split_lines(text)
    start = _find(lines, new, hunk.new_start - 1)
    if start is None:
        return None
    return "".join(lines[:start] + old + lines[start + len(new) :])
