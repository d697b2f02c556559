"""The diff of everything a turn changed, from each file's state before the turn's first change.

apply_patch reports its changes through :meth:`TurnDiffTracker.record`; what the turn's
checkpoint scan finds (shell commands' changes too) comes in through :meth:`TurnDiffTracker.observe`.
Files that are not UTF-8 text show as ``Binary files a/x and b/x differ`` (git's wording); a file
whose permission bits changed gets git's ``old mode 100644`` / ``new mode 100755`` header lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tandem.patch.applier import FileChange, FileOp
from tandem.patch.diff import diff_label, unified_diff


class TurnDiffTracker:
    """Accumulates file states over a turn and renders their unified diff (git style)."""

    def __init__(self, cwd: Path) -> None:
        self._cwd = cwd
        self._before: dict[Path, str | None] = {}
        self._after: dict[Path, str | None] = {}
        self._binary: set[Path] = set()
        self._modes: dict[Path, tuple[int, int]] = {}  # permission bits at the checkpoint and now

    def _touch(self, path: Path, before: str | None, after: str | None) -> None:
        self._before.setdefault(path, before)
        self._after[path] = after

    def record(self, changes: Sequence[FileChange]) -> None:
        """Fold committed ``changes`` into the turn's state (moves count as delete + add)."""
        for change in changes:
            if change.move_path is not None:
                self._touch(change.path, change.old_text, None)
                self._touch(change.move_path, None, change.new_text)
            else:
                self._touch(change.path, change.old_text, change.new_text)

    def observe(
        self, path: Path, before: bytes | None, after: bytes | None, modes: tuple[int | None, int | None] = (None, None)
    ) -> None:
        """Fold in one file's content at the turn's checkpoint and now (``None`` = absent), and its
        permission bits then and now (``None`` = unknown)."""
        old_mode, new_mode = self._modes.get(path, (modes[0], None))[0], modes[1]
        if old_mode is not None and new_mode is not None:
            self._modes[path] = (old_mode, new_mode)
        else:
            self._modes.pop(path, None)
        try:
            old = before.decode("utf-8") if before is not None else None
            new = after.decode("utf-8") if after is not None else None
        except UnicodeDecodeError:
            self._binary.add(path)
            self._before.setdefault(path, None)
            self._after[path] = None
            return
        self._binary.discard(path)
        if path not in self._before:
            self._before[path] = old
        self._after[path] = new

    @property
    def paths(self) -> list[Path]:
        """Every path the turn touched, in first-touch order."""
        return list(self._before)

    def diff(self) -> str:
        """The unified diff from the turn's start to now ("" when nothing differs)."""
        parts: list[str] = []
        for path, before in self._before.items():
            old_mode, new_mode = self._modes.get(path, (0, 0))
            if old_mode != new_mode:
                old, new = diff_label(path, self._cwd, "a"), diff_label(path, self._cwd, "b")
                modes = f"old mode {0o100000 | old_mode:o}\nnew mode {0o100000 | new_mode:o}\n"
                parts.append(f"diff --git {old} {new}\n{modes}")
            if path in self._binary:
                old, new = diff_label(path, self._cwd, "a"), diff_label(path, self._cwd, "b")
                parts.append(f"diff --git {old} {new}\nBinary files {old} and {new} differ\n")
                continue
            after = self._after[path]
            if before == after:
                continue
            kind = FileOp.ADD if before is None else FileOp.DELETE if after is None else FileOp.UPDATE
            parts.append(
                unified_diff(
                    FileChange(path=path, kind=kind, old_text=before, new_text=after, move_path=None), self._cwd
                )
            )
        return "".join(parts)
