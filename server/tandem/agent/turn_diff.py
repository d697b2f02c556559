"""The diff of everything a turn changed, from each file's state before the turn's first change.

Only changes reported through :meth:`TurnDiffTracker.record` are tracked (apply_patch); changes
made by shell commands are added by the checkpoint machinery of a later issue.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tandem.patch.applier import ChangeKind, FileChange
from tandem.patch.diff import unified_diff


class TurnDiffTracker:
    """Accumulates file states over a turn and renders their unified diff (git style)."""

    def __init__(self, cwd: Path) -> None:
        self._cwd = cwd
        self._before: dict[Path, str | None] = {}
        self._after: dict[Path, str | None] = {}

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

    @property
    def paths(self) -> list[Path]:
        """Every path the turn touched, in first-touch order."""
        return list(self._before)

    def diff(self) -> str:
        """The unified diff from the turn's start to now ("" when nothing differs)."""
        parts: list[str] = []
        for path, before in self._before.items():
            after = self._after[path]
            if before == after:
                continue
            kind = ChangeKind.ADD if before is None else ChangeKind.DELETE if after is None else ChangeKind.UPDATE
            parts.append(unified_diff(FileChange(path=path, kind=kind, old_text=before, new_text=after,
                                                 move_path=None), self._cwd))
        return "".join(parts)
