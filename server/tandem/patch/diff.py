"""Unified diffs of planned file changes, split into hunks the user can accept or reject one by one.

Format: unified diff as git prints it (``--- a/path`` / ``+++ b/path``, ``/dev/null`` for a
created or deleted file, ``@@ -l,s +l,s @@`` hunk headers, 3 lines of context,
``\\ No newline at end of file`` after a last line without a newline). Paths are relative to the
cwd when inside it, absolute otherwise (then without the ``a/``/``b/`` prefix). A path that is not
valid UTF-8 (a name Python decoded with ``surrogateescape``) or holds a control character, ``"`` or
``\\`` is written as git writes it: in double quotes, with C escapes (``\\t``, ``\\n``, ``\\"``,
``\\\\``) and octal ``\\ooo`` for the other control characters and each undecodable byte
(``"b/caf\\351.txt"``).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tandem.errors import PatchApplyError
from tandem.patch.applier import FileChange, FileOp

CONTEXT_LINES = 3
_NO_NEWLINE = "\\ No newline at end of file\n"

_Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True, slots=True)
class DiffHunk:
    """One hunk of a file's unified diff.

    Attributes:
        id: stable identifier, the same for the same change every time: ``"<8 hex of sha1(path, hunk)>-<index>"``.
        header: the hunk's ``@@ -old_start,old_count +new_start,new_count @@`` line (no newline).
        diff: the header line and the hunk's lines, each ending with "\\n".
        old_start, old_count: the old file's range in unified-diff convention (1-based; for an
            empty range, the line after which the change applies).
        new_start, new_count: the same for the new file.
    """

    id: str
    header: str
    diff: str
    old_start: int
    old_count: int
    new_start: int
    new_count: int


def _lines(text: str | None) -> list[str]:
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _groups(old: list[str], new: list[str]) -> list[list[_Opcode]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [list(group) for group in matcher.get_grouped_opcodes(CONTEXT_LINES)]


def _range(start: int, count: int) -> tuple[int, str]:
    first = start + 1 if count else start
    return first, (str(first) if count == 1 else f"{first},{count}")


def _body_line(prefix: str, line: str) -> str:
    return f"{prefix}{line}" if line.endswith("\n") else f"{prefix}{line}\n{_NO_NEWLINE}"


_C_ESCAPES = {
    **{"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"},
    **{'"': '\\"', "\\": "\\\\"},
}


def _quoted(label: str) -> str:
    """``label`` as git shows a path (see the module docstring): unchanged unless it needs quoting."""
    if not any(ch in _C_ESCAPES or ch < " " or ch == "\x7f" or "\udc80" <= ch <= "\udcff" for ch in label):
        return label
    out = []
    for ch in label:
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif "\udc80" <= ch <= "\udcff":  # an undecodable byte (surrogateescape)
            out.append(f"\\{ord(ch) - 0xDC00:03o}")
        elif ch < " " or ch == "\x7f":
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def diff_label(path: Path, cwd: Path, prefix: str) -> str:
    """``path`` as a diff header shows it: ``{prefix}/relative`` inside ``cwd``, else absolute; quoted
    as git quotes it when it must be (see the module docstring), so the text is always valid UTF-8."""
    return _quoted(f"{prefix}/{path.relative_to(cwd).as_posix()}" if path.is_relative_to(cwd) else str(path))


def _headers(change: FileChange, cwd: Path) -> str:
    old = "/dev/null" if change.kind is FileOp.ADD else diff_label(change.path, cwd, "a")
    new = "/dev/null" if change.kind is FileOp.DELETE else diff_label(change.move_path or change.path, cwd, "b")
    return f"--- {old}\n+++ {new}\n"


def split_hunks(change: FileChange, cwd: Path) -> list[DiffHunk]:
    """The hunks of ``change``'s unified diff, in file order.

    Args:
        change: a planned change (format of the diff: see the module docstring).
        cwd: paths inside it are shown relative (they also feed the hunk ids).

    Returns:
        One :class:`DiffHunk` per hunk; empty when the text does not change (e.g. a pure move).
    """
    old, new = _lines(change.old_text), _lines(change.new_text)
    name = diff_label(change.move_path or change.path, cwd, "b")
    hunks: list[DiffHunk] = []
    for index, group in enumerate(_groups(old, new)):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        old_start, old_range = _range(i1, i2 - i1)
        new_start, new_range = _range(j1, j2 - j1)
        header = f"@@ -{old_range} +{new_range} @@"
        body: list[str] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                body += [_body_line(" ", line) for line in old[a1:a2]]
                continue
            body += [_body_line("-", line) for line in old[a1:a2]]
            body += [_body_line("+", line) for line in new[b1:b2]]
        text = header + "\n" + "".join(body)
        digest = hashlib.sha1(f"{name}\0{text}".encode(), usedforsecurity=False).hexdigest()[:8]
        hunks.append(DiffHunk(f"{digest}-{index}", header, text, old_start, i2 - i1, new_start, j2 - j1))
    return hunks


def unified_diff(change: FileChange, cwd: Path) -> str:
    """The git-style unified diff of one change ("" for an update that changes nothing).

    Created and deleted files use ``/dev/null`` on their missing side; a move shows the old path
    after ``---`` and the new one after ``+++`` (headers only when the text is unchanged).
    """
    hunks = split_hunks(change, cwd)
    if not hunks and change.kind is FileOp.UPDATE and change.move_path is None:
        return ""
    return _headers(change, cwd) + "".join(h.diff for h in hunks)


def turn_diff(changes: Sequence[FileChange], cwd: Path) -> str:
    """The unified diffs of ``changes`` concatenated, in order (one ``---``/``+++`` section per file)."""
    return "".join(unified_diff(change, cwd) for change in changes)


def select_hunks(change: FileChange, hunks: Sequence[DiffHunk], accepted: Collection[str]) -> FileChange | None:
    """``change`` reduced to the hunks whose ids are in ``accepted``.

    Args:
        change: a planned change.
        hunks: ``split_hunks(change, cwd)`` for that change.
        accepted: ids of the hunks to keep.

    Returns:
        ``change`` itself when every hunk is accepted; None when nothing of it remains (no hunk
        accepted; a move keeps its rename and becomes a move with the accepted hunks only);
        otherwise a copy whose ``new_text`` applies only the accepted hunks to ``old_text``.

    Raises:
        PatchApplyError: ``hunks`` do not belong to ``change``.
    """
    keep = [hunk.id in accepted for hunk in hunks]
    if all(keep):
        return change
    if change.kind is not FileOp.UPDATE:
        return None if not any(keep) else change
    old, new = _lines(change.old_text), _lines(change.new_text)
    groups = _groups(old, new)
    if len(groups) != len(hunks):
        raise PatchApplyError("the hunks given do not belong to this change")
    if not any(keep) and change.move_path is None:
        return None
    out: list[str] = []
    pos = 0
    for group, kept in zip(groups, keep, strict=True):
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                continue
            out += old[pos:a1] + (new[b1:b2] if kept else old[a1:a2])
            pos = a2
    out += old[pos:]
    return replace(change, new_text="".join(out))
