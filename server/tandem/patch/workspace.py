"""Where file changes land: the disk in `tandem exec`, the editor's buffers in `tandem lsp`.

A :class:`Workspace` reads through a :class:`~tandem.patch.fs.FileSystem` (so apply_patch can
match its context against live editor buffers) and commits a planned change set atomically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from tandem.patch.applier import FileChange, commit_changes
from tandem.patch.fs import DiskFileSystem, FileSystem


class Workspace(Protocol):
    """Reads files and commits change sets."""

    @property
    def fs(self) -> FileSystem:
        """What apply_patch reads when it plans a change."""
        ...

    async def commit(self, changes: Sequence[FileChange]) -> str:
        """Write every change or none; returns a note for the model ("" when there is nothing to say).

        Raises:
            tandem.errors.PatchApplyError: nothing was written (or everything was rolled back).
            tandem.errors.ConflictError: the target changed since it was read.
        """
        ...

    def saved_by_user_since(self, mark: float) -> set[Path]:
        """Files the user saved in an editor after ``mark`` (``time.monotonic()``); a turn's checkpoint
        leaves them out, so undo never reverts the user's own writes."""
        ...

    def in_editor(self, path: Path) -> bool:
        """Whether ``path`` is open in an editor buffer (whose text may differ from the disk)."""
        ...


class DiskWorkspace:
    """The local disk; commits run in a worker thread so the event loop never blocks."""

    def __init__(self) -> None:
        self._fs = DiskFileSystem()

    @property
    def fs(self) -> FileSystem:
        """The disk, read directly."""
        return self._fs

    async def commit(self, changes: Sequence[FileChange]) -> str:
        """Write ``changes`` atomically (all or nothing) to disk."""
        await asyncio.to_thread(commit_changes, changes, self._fs)
        return ""

    def saved_by_user_since(self, mark: float) -> set[Path]:
        """Nothing: without an editor Tandem cannot tell the user's writes from others."""
        return set()

    def in_editor(self, path: Path) -> bool:
        """Never: there is no editor."""
        return False
