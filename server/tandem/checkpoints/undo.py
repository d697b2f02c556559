"""Undo and redo: revert one logged checkpoint entry, keeping what was edited since.

:func:`undo` reverts a ``turn`` entry of the thread's log where the files are still as the agent
left them, and merges hunk by hunk where the user edited them since (their edits stay; a hunk
the user touched is kept and reported). The undo is logged as an entry of its own, so
:func:`redo` reverts it the same way. Both work from the log alone, after a restart too, in
folders that are not git repositories.

Each revert is planned first (:func:`plan_revert`: reads the log's contents and the files,
decides every file's new content, writes nothing) and then applied (:func:`apply_revert`:
stores the contents the new log entry names, removes links and files, then writes).
"""

from __future__ import annotations

import asyncio
import contextlib
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import CheckpointEntry, CheckpointLog, EntryKind, FileState, new_entry
from tandem.checkpoints.store import BlobStore, _io, _read, _text, content_hash
from tandem.errors import NotFoundError, WorkspaceGoneError
from tandem.patch.applier import FileChange, FileOp
from tandem.patch.diff import split_hunks
from tandem.patch.fs import DiskFileSystem, FileSystem
from tandem.patch.hunk_revert import revert_hunk
from tandem.patch.workspace import Workspace


class KeepReason(StrEnum):
    """Why undo left a file as it is."""

    EDITED_SINCE = "edited since"  # the user (or a later turn) changed the same lines
    UNREADABLE = "unreadable"
    LINK = "now a symbolic link"  # never written through


@dataclass(frozen=True, slots=True)
class KeptFile:
    """A file undo did not (fully) revert: ``path`` as shown to the user, and why."""

    path: str
    reason: KeepReason


@dataclass(slots=True)
class UndoOutcome:
    """What :func:`undo` / :func:`redo` did.

    Attributes:
        entry_id: the checkpoint entry it reverted.
        turn_id: the turn that entry belongs to.
        kind: ``undo`` or ``redo``.
        restored: files now as they were (paths as shown to the user).
        kept: files (or parts of files) left alone.
    """

    entry_id: str
    turn_id: str
    kind: EntryKind
    restored: list[str] = field(default_factory=list)
    kept: list[KeptFile] = field(default_factory=list)


@dataclass(slots=True)
class RevertPlan:
    """Everything reverting one entry will do, decided before anything is written.

    Attributes:
        cwd: the workspace root the entry's paths are relative to.
        outcome: what will be reported.
        states: the files of the new log entry (content hashes now and after the revert).
        blobs: contents the new entry names, to store before any file is touched.
        links: symbolic links to remove (the turn replaced a file by one; the file comes back).
        deletes: text files to delete, through the workspace.
        writes: text files to create or update, through the workspace.
        raw: binary files to write (``bytes``) or remove (``None``) directly on disk.
        modes: permission bits to restore afterwards.
    """

    cwd: Path
    outcome: UndoOutcome
    states: list[FileState] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)
    deletes: list[FileChange] = field(default_factory=list)
    writes: list[FileChange] = field(default_factory=list)
    raw: list[tuple[Path, bytes | None]] = field(default_factory=list)
    modes: dict[Path, int] = field(default_factory=dict)


def _reversed_ids(entries: list[CheckpointEntry]) -> set[str]:
    """Ids of entries currently reverted (an undo reverts a turn, a redo reverts an undo)."""
    reverted: set[str] = set()
    for entry in entries:
        if entry.target is None:
            continue
        if entry.kind is EntryKind.UNDO:
            reverted.add(entry.target)
        elif entry.kind is EntryKind.REDO:
            reverted.add(entry.target)  # the undo is reverted ...
            undone = next((e.target for e in entries if e.id == entry.target), None)
            if undone is not None:
                reverted.discard(undone)  # ... so its turn is back
    return reverted


def undo_target(entries: list[CheckpointEntry], turn_id: str | None) -> CheckpointEntry:
    """The turn entry an undo reverts: the newest one not undone (or ``turn_id``'s).

    Raises:
        NotFoundError: nothing to undo.
    """
    reverted = _reversed_ids(entries)
    turns = [e for e in entries if e.kind is EntryKind.TURN and e.id not in reverted]
    if turn_id is not None:
        turns = [e for e in turns if e.turn_id == turn_id]
        if not turns:
            raise NotFoundError(f"turn {turn_id} has no changes to undo (none recorded, or already undone)")
    if not turns:
        raise NotFoundError("nothing to undo: no turn of this thread has changes that are not undone")
    return turns[-1]


def redo_target(entries: list[CheckpointEntry]) -> CheckpointEntry:
    """The newest undo that is not redone yet.

    Raises:
        NotFoundError: nothing to redo.
    """
    reverted = _reversed_ids(entries)
    undos = [e for e in entries if e.kind is EntryKind.UNDO and e.id not in reverted]
    if not undos:
        raise NotFoundError("nothing to redo: no undo of this thread is left to redo")
    return undos[-1]


def _plan_file(
    path: Path, before: bytes | None, after: bytes | None, current: bytes | None, cwd: Path
) -> tuple[bytes | None, bool]:
    """The content to write to go from ``after`` back to ``before`` given ``current``; and whether all of it."""
    if current == before:
        return current, True
    if current == after:
        return before, True
    old, new, now = _text(before), _text(after), _text(current)
    if old is None or new is None or now is None:
        return current, False
    change = FileChange(path, FileOp.UPDATE, old, new)
    text, complete = now, True
    for hunk in reversed(split_hunks(change, cwd)):
        reverted = revert_hunk(text, hunk)
        if reverted is None:
            complete = False
        else:
            text = reverted
    return text.encode("utf-8"), complete


def plan_revert(entry: CheckpointEntry, store: BlobStore, fs: FileSystem, kind: EntryKind) -> RevertPlan:
    """Decide how to revert ``entry`` (an undo reverts a turn, a redo reverts an undo); writes nothing.

    Args:
        entry: the log entry to revert.
        store: where the entry's contents are.
        fs: what the files hold now (the editor's buffers in ``tandem lsp``).
        kind: ``UNDO`` or ``REDO``, for the outcome.

    Raises:
        CheckpointError: the store lost a content the entry names.
    """
    plan = RevertPlan(Path(entry.cwd), UndoOutcome(entry.id, entry.turn_id, kind))
    for state in entry.files:
        _plan_state(plan, state, store, fs)
    return plan


def _plan_state(plan: RevertPlan, state: FileState, store: BlobStore, fs: FileSystem) -> None:
    """Add one file of the entry to ``plan``."""
    path = plan.cwd / state.path
    replaced_by_link = False
    if path.is_symlink():  # never write through a link
        if state.after is not None or state.before is None:
            plan.outcome.kept.append(KeptFile(state.path, KeepReason.LINK))
            return
        replaced_by_link = True  # the turn replaced the file by this link: the link goes, the file comes back
        plan.links.append(path)
    before = store.get(state.before) if state.before else None
    after = store.get(state.after) if state.after else None
    current = None if replaced_by_link else _read(fs, path)
    target, complete = _plan_file(path, before, after, current, plan.cwd)
    if complete:
        plan.outcome.restored.append(state.path)
    else:
        plan.outcome.kept.append(KeptFile(state.path, KeepReason.EDITED_SINCE))
    if target is not None and target == before and state.mode is not None:
        plan.modes[path] = state.mode
    if target == current:
        now_mode = _mode(path)
        if path in plan.modes and now_mode is not None and plan.modes[path] != now_mode:  # a chmod: redo needs it
            digest = content_hash(current) if current is not None else None
            plan.states.append(FileState(state.path, digest, digest, now_mode))
        return
    plan.blobs.extend(data for data in (current, target) if data is not None)
    plan.states.append(
        FileState(
            state.path,
            content_hash(current) if current is not None else None,
            content_hash(target) if target is not None else None,
            _mode(path),
        )
    )
    old, new = _text(current), _text(target)
    if (current is not None and old is None) or (target is not None and new is None):
        plan.raw.append((path, target))  # binary: straight to disk (no editor holds it)
    elif new is None:
        plan.deletes.append(FileChange(path, FileOp.DELETE, old, None))
    else:
        plan.writes.append(FileChange(path, FileOp.ADD if old is None else FileOp.UPDATE, old, new))


async def apply_revert(plan: RevertPlan, store: BlobStore, workspace: Workspace) -> None:
    """Carry out ``plan``: store its contents, then remove links and deletions (and the folders they
    emptied: a file may come back where the turn made a folder), then write.

    Raises:
        CheckpointError: the store, or a file written or removed directly on disk, refused.
        ConflictError / PatchApplyError: the workspace refused the edit (nothing of that edit changed).
    """
    for data in plan.blobs:
        store.put(data)
    for link in plan.links:
        with _io(f"cannot remove the symbolic link {link}"):
            link.unlink(missing_ok=True)
    if plan.deletes:
        await workspace.commit(plan.deletes)
    removals: list[tuple[Path, bytes | None]] = [(path, data) for path, data in plan.raw if data is None]
    await asyncio.to_thread(_write_raw, removals)
    await asyncio.to_thread(_remove_emptied_dirs, [c.path for c in plan.deletes] + [p for p, _ in removals], plan.cwd)
    if plan.writes:
        await workspace.commit(plan.writes)
    await asyncio.to_thread(_write_raw, [(path, data) for path, data in plan.raw if data is not None])
    await asyncio.to_thread(_restore_modes, plan.modes)


def _mode(path: Path) -> int | None:
    """The permission bits of the regular file at ``path``; ``None`` for anything else or nothing."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


def _remove_emptied_dirs(deleted: list[Path], cwd: Path) -> None:
    for path in deleted:
        parent = path.parent
        while parent != cwd and parent.is_relative_to(cwd):
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent


def _restore_modes(modes: dict[Path, int]) -> None:
    for path, mode in modes.items():
        current = _mode(path)
        if current is not None and current != mode:
            with contextlib.suppress(OSError):
                path.chmod(mode)


def _write_raw(writes: list[tuple[Path, bytes | None]]) -> None:
    """Write (``bytes``) or remove (``None``) each file directly on disk.

    Raises:
        CheckpointError: a file cannot be written or removed.
    """
    disk = DiskFileSystem()
    for path, data in writes:
        if data is None:
            with _io(f"cannot remove {path}"):
                disk.remove(path)
        else:
            with _io(f"cannot write {path}"):
                disk.make_parents(path)
                disk.write_atomic(path, data, disk.file_mode(path))


async def undo(home: CheckpointHome, thread_id: str, workspace: Workspace, turn_id: str | None = None) -> UndoOutcome:
    """Revert a turn's changes (default: the newest turn not undone yet) and log the undo.

    Raises:
        NotFoundError: the thread has nothing to undo (or no such turn).
        WorkspaceGoneError: the folder of the turn's changes no longer exists (nothing changed, the undo
            stays available).
        ConflictError / PatchApplyError: the workspace refused the edit (nothing changed).
        CheckpointError: the checkpoint store lost the content, or it, the log or a file to write
            cannot be read or written.
    """
    log_ = home.log(thread_id)
    target = undo_target(log_.entries(), turn_id)
    return await _apply(home, log_, target, workspace, EntryKind.UNDO)


async def redo(home: CheckpointHome, thread_id: str, workspace: Workspace) -> UndoOutcome:
    """Revert the newest undo (the turn's changes come back where the files allow) and log it.

    Raises:
        NotFoundError: there is no undo to redo.
        WorkspaceGoneError / ConflictError / PatchApplyError / CheckpointError: as for :func:`undo`.
    """
    log_ = home.log(thread_id)
    target = redo_target(log_.entries())
    return await _apply(home, log_, target, workspace, EntryKind.REDO)


def _check_folder(target: CheckpointEntry, kind: EntryKind) -> None:
    """Refuse to revert into a folder that no longer exists (deleted or moved): writing there would
    recreate a stray tree, and the revert would be used up for nothing.

    Raises:
        WorkspaceGoneError: the folder is gone.
    """
    if not Path(target.cwd).is_dir():
        verb = "undone" if kind is EntryKind.UNDO else "redone"
        raise WorkspaceGoneError(
            f"the folder of turn {target.turn_id}, {target.cwd}, no longer exists (deleted or moved); nothing was "
            f"{verb}, and the {kind.value} is still there if the folder comes back"
        )


async def _apply(
    home: CheckpointHome, log_: CheckpointLog, target: CheckpointEntry, workspace: Workspace, kind: EntryKind
) -> UndoOutcome:
    _check_folder(target, kind)
    plan = plan_revert(target, home.store, workspace.fs, kind)
    await apply_revert(plan, home.store, workspace)
    log_.append(new_entry(kind, target.turn_id, Path(target.cwd), plan.states, target=target.id))
    return plan.outcome
