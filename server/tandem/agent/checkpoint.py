"""Turn checkpoints: what a turn changed (apply_patch edits and shell-made changes), and undo/redo.

Before a turn's first mutating tool call, :class:`TurnCheckpoint` scans the workspace (storing
the content of every file it has not seen in that state before, see
:mod:`tandem.sessions.checkpoints`). apply_patch reports its edits directly (their before-text is
what the editor buffer held, which may differ from the disk). After each round of tool calls
and at the turn's end the workspace is scanned again; every path whose content changed is in
the turn diff and, when the turn ends, in a ``turn`` entry of the thread's checkpoint log.

:func:`undo` reverts one logged entry where the files are still as the agent left them, and
merges hunk by hunk where the user edited them since (their edits stay; a hunk the user
touched is kept and reported). The undo is logged as an entry of its own, so :func:`redo`
reverts it the same way. Both work from the log alone, after a restart too, in folders that
are not git repositories.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import stat
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tandem.config import Config
from tandem.config_enums import CheckpointMode
from tandem.errors import NotFoundError
from tandem.patch.applier import ChangeKind, FileChange, display_path
from tandem.patch.diff import split_hunks
from tandem.patch.fs import DiskFileSystem, FileSystem
from tandem.patch.hunk_revert import revert_hunk
from tandem.patch.workspace import Workspace
from tandem.sessions.checkpoints import (
    CheckpointEntry,
    CheckpointHome,
    CheckpointLog,
    EntryKind,
    EntryType,
    FileState,
    Scan,
    new_entry,
)

log = logging.getLogger(__name__)


def _read(fs: FileSystem, path: Path) -> bytes | None:
    """The file's bytes, or ``None`` when it is missing or unreadable."""
    try:
        return fs.read_bytes(path)
    except OSError:
        return None


def _text(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _too_broad(root: Path) -> bool:
    """A home folder or a filesystem root is no project: only apply_patch edits are checkpointed there."""
    return root == Path(root.anchor) or root == Path.home()


@dataclass(frozen=True, slots=True)
class FileDelta:
    """One file a turn changed: its content at the checkpoint and now (``None`` = absent), and its
    permission bits at the checkpoint when known."""

    path: Path
    before: bytes | None
    after: bytes | None
    mode: int | None = None


class TurnCheckpoint:
    """Records what one turn changes.

    Args:
        config: the thread's settings (``checkpoints`` mode, cwd = the scanned root, ``tandem_home``).
        thread_id, turn_id: whose changes these are (names the log).
        workspace: reads current contents (the editor's buffers in ``tandem lsp``) and knows which files
            the user saved during the turn (those are never taken for the agent's changes).
    """

    def __init__(self, config: Config, thread_id: str, turn_id: str, workspace: Workspace) -> None:
        self._mode = config.checkpoints
        self._cwd = config.cwd
        self._turn_id = turn_id
        self._workspace = workspace
        self._fs = workspace.fs
        self._mark = 0.0
        self._home = CheckpointHome.under(config.tandem_home)
        self._log = self._home.log(thread_id)
        self._scanner = self._home.scanner(config.cwd, config.tandem_home)
        self._lock = asyncio.Lock()
        self._start: Scan | None = None
        self._edited: dict[Path, bytes | None] = {}
        self._blobs: dict[str, bytes] = {}  # checkpoint contents already read (every tool round asks again)
        self._active = False
        self._marker: Path | None = None

    @property
    def active(self) -> bool:
        """Whether a mutating tool ran this turn (so there may be something to record)."""
        return self._active

    async def before_mutation(self) -> None:
        """Take the turn's snapshot if this is its first mutating tool call (no-op after that)."""
        if self._mode is CheckpointMode.OFF:
            return
        async with self._lock:
            if self._active:
                return
            self._active = True
            self._mark = time.monotonic()
            if self._mode is CheckpointMode.WORKSPACE and not _too_broad(self._cwd):
                try:
                    self._marker = self._home.mark_active(self._turn_id)  # `checkpoints prune` waits for us
                    self._start = await asyncio.to_thread(self._scanner.scan)
                except OSError as exc:
                    log.warning("checkpoint scan of %s failed: %s", self._cwd, exc)

    def record_edit(self, changes: list[FileChange]) -> None:
        """Remember the before-text of files apply_patch changed (the first time each is seen)."""
        if self._mode is CheckpointMode.OFF:
            return
        self._active = True
        for change in changes:
            before = change.old_text.encode("utf-8") if change.old_text is not None else None
            self._edited.setdefault(change.path, before)
            if change.move_path is not None:
                self._edited.setdefault(change.move_path, None)

    def _blob(self, sha: str) -> bytes:
        data = self._blobs.get(sha)
        if data is None:
            data = self._blobs[sha] = self._home.store.get(sha)
        return data

    def _deltas(self, now: Scan | None) -> list[FileDelta]:
        paths: dict[Path, bytes | None] = {}
        linked: dict[Path, bytes] = {}
        start = self._start
        for path, before in self._edited.items():
            rel = display_path(path, self._cwd)
            if start is not None and not self._workspace.in_editor(path):
                # The disk at the checkpoint decides, so a shell edit made before the patch is undone too.
                entry = start.files.get(rel)
                if entry is not None and entry.restorable and entry.sha:
                    before = self._blob(entry.sha)
                elif entry is None and not start.truncated and not start.was_ignored(rel):
                    before = None  # created during the turn (by a command), then patched
            paths[path] = before
        if start is not None and now is not None:
            saved_by_user = self._workspace.saved_by_user_since(self._mark)
            for rel in start.changed_paths(now):
                path = self._cwd / rel
                if path in paths or path in saved_by_user:
                    continue
                entry, later = start.files.get(rel), now.files.get(rel)
                if (
                    entry is not None
                    and entry.restorable
                    and entry.sha
                    and later is not None
                    and later.type is EntryType.LINK
                ):
                    linked[path] = self._blob(entry.sha)  # a file the turn replaced by a symbolic link
                    continue
                if (entry is not None and not entry.restorable) or (later is not None and not later.restorable):
                    continue  # a link, unreadable, or too large to keep: never shown, never restored
                paths[path] = self._blob(entry.sha) if entry is not None and entry.sha else None
        out = [FileDelta(path, before, None, self._start_mode(path)) for path, before in linked.items()]
        for path, before in paths.items():
            after = _read(self._fs, path)
            if after != before:
                out.append(FileDelta(path, before, after, self._start_mode(path)))
        return out

    def _start_mode(self, path: Path) -> int | None:
        entry = self._start.files.get(display_path(path, self._cwd)) if self._start is not None else None
        return entry.mode if entry is not None else None

    async def current(self) -> list[FileDelta]:
        """Every file whose content differs from the checkpoint now, in first-seen order."""
        if not self._active:
            return []
        now = None
        if self._start is not None:
            try:
                now = await asyncio.to_thread(self._scanner.scan)
            except OSError as exc:
                log.warning("checkpoint scan of %s failed: %s", self._cwd, exc)
        # On the event loop: the editor's buffers (and the record of its saves) live there.
        return self._deltas(now)

    async def finish(self) -> list[FileDelta]:
        """Log the turn's changes (when there are any) and return them."""
        try:
            deltas = await self.current()
            if deltas:
                store = self._home.store
                files = [
                    FileState(
                        display_path(d.path, self._cwd),
                        store.put(d.before) if d.before is not None else None,
                        store.put(d.after) if d.after is not None else None,
                        d.mode,
                    )
                    for d in deltas
                ]
                self._log.append(new_entry(EntryKind.TURN, self._turn_id, self._cwd, files))
            return deltas
        finally:
            if self._marker is not None:
                self._marker.unlink(missing_ok=True)


# --- undo and redo ----------------------------------------------------------------------------


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
    change = FileChange(path, ChangeKind.UPDATE, old, new)
    text, complete = now, True
    for hunk in reversed(split_hunks(change, cwd)):
        reverted = revert_hunk(text, hunk)
        if reverted is None:
            complete = False
        else:
            text = reverted
    return text.encode("utf-8"), complete


async def _revert(
    entry: CheckpointEntry, home: CheckpointHome, workspace: Workspace, kind: EntryKind
) -> tuple[UndoOutcome, list[FileState]]:
    cwd = Path(entry.cwd)
    store = home.store
    outcome = UndoOutcome(entry.id, entry.turn_id, kind)
    deletes: list[FileChange] = []
    writes: list[FileChange] = []
    raw: list[tuple[Path, bytes | None]] = []
    modes: dict[Path, int] = {}
    links: list[Path] = []
    states: list[FileState] = []
    for state in entry.files:
        path = cwd / state.path
        unlink_first = False
        if path.is_symlink():  # never write through a link
            if state.after is not None or state.before is None:
                outcome.kept.append(KeptFile(state.path, KeepReason.LINK))
                continue
            unlink_first = True  # the turn replaced the file by this link: the link goes, the file comes back
        before = store.get(state.before) if state.before else None
        after = store.get(state.after) if state.after else None
        current = None if unlink_first else _read(workspace.fs, path)
        if unlink_first:
            links.append(path)
        target, complete = _plan_file(path, before, after, current, cwd)
        if complete:
            outcome.restored.append(state.path)
        else:
            outcome.kept.append(KeptFile(state.path, KeepReason.EDITED_SINCE))
        if target is not None and target == before and state.mode is not None:
            modes[path] = state.mode
        if target == current:
            continue
        states.append(
            FileState(
                state.path,
                store.put(current) if current is not None else None,
                store.put(target) if target is not None else None,
                _mode(path),
            )
        )
        old, new = _text(current), _text(target)
        if (current is not None and old is None) or (target is not None and new is None):
            raw.append((path, target))  # binary: straight to disk (no editor holds it)
        elif new is None:
            deletes.append(FileChange(path, ChangeKind.DELETE, old, None))
        else:
            writes.append(FileChange(path, ChangeKind.ADD if old is None else ChangeKind.UPDATE, old, new))
    # Links and deletions first, then the folders they emptied: a file may come back where the turn made a folder.
    for link in links:
        link.unlink(missing_ok=True)
    if deletes:
        await workspace.commit(deletes)
    await asyncio.to_thread(_write_raw, [(p, d) for p, d in raw if d is None])
    await asyncio.to_thread(_remove_emptied_dirs, [c.path for c in deletes] + [p for p, d in raw if d is None], cwd)
    if writes:
        await workspace.commit(writes)
    await asyncio.to_thread(_write_raw, [(p, d) for p, d in raw if d is not None])
    await asyncio.to_thread(_restore_modes, modes)
    return outcome, states


def _mode(path: Path) -> int | None:
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
    disk = DiskFileSystem()
    for path, data in writes:
        if data is None:
            disk.remove(path)
        else:
            disk.make_parents(path)
            disk.write_atomic(path, data, disk.file_mode(path))


async def undo(home: CheckpointHome, thread_id: str, workspace: Workspace, turn_id: str | None = None) -> UndoOutcome:
    """Revert a turn's changes (default: the newest turn not undone yet) and log the undo.

    Raises:
        NotFoundError: the thread has nothing to undo (or no such turn).
        ConflictError / PatchApplyError: the workspace refused the edit (nothing changed).
        SessionError: the checkpoint store lost the content.
    """
    log_ = home.log(thread_id)
    target = undo_target(log_.entries(), turn_id)
    return await _apply(home, log_, target, workspace, EntryKind.UNDO)


async def redo(home: CheckpointHome, thread_id: str, workspace: Workspace) -> UndoOutcome:
    """Revert the newest undo (the turn's changes come back where the files allow) and log it.

    Raises:
        NotFoundError: there is no undo to redo.
        ConflictError / PatchApplyError / SessionError: as for :func:`undo`.
    """
    log_ = home.log(thread_id)
    target = redo_target(log_.entries())
    return await _apply(home, log_, target, workspace, EntryKind.REDO)


async def _apply(
    home: CheckpointHome, log_: CheckpointLog, target: CheckpointEntry, workspace: Workspace, kind: EntryKind
) -> UndoOutcome:
    outcome, states = await _revert(target, home, workspace, kind)
    log_.append(new_entry(kind, target.turn_id, Path(target.cwd), states, target=target.id))
    return outcome
