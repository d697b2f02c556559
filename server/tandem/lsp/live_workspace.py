"""The workspace tools see in `tandem lsp`: open buffers are edited in the editor, other files on disk.

A file the user has open is changed with ``workspace/applyEdit`` (so the edit lands in the buffer,
respects unsaved changes and the document version, and joins the editor's undo history). A file
that is not open is written to disk atomically: editors leave edits to unopened files as unsaved
background buffers, which the commands the agent runs next would not see. If the editor refuses
its part, the disk part is rolled back, so a commit stays all or nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tandem.errors import ConflictError, PatchApplyError
from tandem.lsp.editor import EditorBridge
from tandem.patch.applier import ChangeBasis, FileChange, FileOp, commit_changes
from tandem.patch.fs import DiskFileSystem, FileSystem


def _inverse(change: FileChange) -> FileChange:
    if change.kind is FileOp.ADD:
        return FileChange(change.path, FileOp.DELETE, change.new_text, None)
    if change.kind is FileOp.DELETE:
        return FileChange(change.path, FileOp.ADD, None, change.old_text)
    if change.move_path is not None:
        return FileChange(change.move_path, FileOp.UPDATE, change.new_text, change.old_text, change.path)
    return FileChange(change.path, FileOp.UPDATE, change.new_text, change.old_text)


class LiveWorkspace:
    """A :class:`~tandem.patch.workspace.Workspace` over the client's buffers and the disk."""

    def __init__(self, editor: EditorBridge) -> None:
        self._editor = editor
        self._disk = DiskFileSystem()

    @property
    def fs(self) -> FileSystem:
        """Open buffers first, then the disk."""
        return self._editor.documents

    def saved_by_user_since(self, mark: float) -> set[Path]:
        """Files the client reported saved (didSave) after ``mark``."""
        return self._editor.documents.saved_since(mark)

    def in_editor(self, path: Path) -> bool:
        """Whether the client has ``path`` open."""
        return self._editor.documents.text(path) is not None

    def _in_editor(self, change: FileChange) -> bool:
        return self._editor.documents.text(change.path) is not None

    def _refuse_replacing_unsaved(self, in_editor: Sequence[FileChange]) -> None:
        """An overwrite (``*** Add File`` / ``*** Move to`` onto an existing file) discards the text it read
        whole: on a buffer with unsaved text that would throw the user's typing away, so it is a conflict.

        Raises:
            ConflictError: such a buffer is among ``in_editor`` (nothing was changed).
        """
        unsaved = [
            c.path for c in in_editor if c.basis is ChangeBasis.REPLACE and self._editor.documents.is_dirty(c.path)
        ]
        if unsaved:
            names = ", ".join(p.name for p in unsaved)
            raise ConflictError(
                f"conflict: {names} {'is' if len(unsaved) == 1 else 'are'} open in the editor with unsaved changes, "
                "and the patch would replace the whole file (*** Add File or *** Move to onto it); nothing was "
                "changed. Use *** Update File to edit it, or ask the user to save or revert it first"
            )

    async def commit(self, changes: Sequence[FileChange]) -> str:
        """Apply ``changes``; returns a note for the model about edits left unsaved in the editor.

        Raises:
            ConflictError: the editor refused the edit, or an overwrite would discard a buffer's unsaved
                text (nothing was changed).
            PatchApplyError: a disk write failed (nothing was changed).
        """
        in_editor = [c for c in changes if self._in_editor(c)]
        on_disk = [c for c in changes if not self._in_editor(c)]
        self._refuse_replacing_unsaved(in_editor)
        dirty = [c.path for c in in_editor if self._editor.documents.is_dirty(c.path) or c.kind is FileOp.UPDATE]
        if on_disk:
            await asyncio.to_thread(commit_changes, on_disk, self._disk)
        if in_editor:
            try:
                await self._editor.apply(in_editor, label="Tandem: apply_patch")
            except ConflictError:
                if on_disk:
                    try:
                        await asyncio.to_thread(commit_changes, [_inverse(c) for c in reversed(on_disk)], self._disk)
                    except PatchApplyError as exc:
                        raise ConflictError(
                            f"the editor refused the edit and rolling back the disk failed: {exc}"
                        ) from exc
                raise
        unsaved = [p for p in dirty if self._editor.documents.is_dirty(p)]
        if not unsaved:
            return ""
        names = ", ".join(p.name for p in unsaved)
        return (
            f"Note: {names} {'is' if len(unsaved) == 1 else 'are'} open in the editor and the change is in the "
            "buffer but not saved yet; commands read files from disk and see the last saved version."
        )
