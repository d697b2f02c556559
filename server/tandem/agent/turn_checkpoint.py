"""Turn checkpoints: what one turn changed (apply_patch edits and shell-made changes).

Before a turn's first mutating tool call, :class:`TurnCheckpoint` scans the workspace (storing
the content of every file it has not seen in that state before, see
:mod:`tandem.checkpoints.scan`). apply_patch reports its edits directly (their before-text is
what the editor buffer held, which may differ from the disk). After each round of tool calls
and at the turn's end the workspace is scanned again; every path whose content (or permission
bits: a command's ``chmod +x``) changed is in
the turn diff and, when the turn ends, in a ``turn`` entry of the thread's checkpoint log
(:mod:`tandem.checkpoints.log`), which :mod:`tandem.checkpoints.undo` reverts.

A running turn is announced to every Tandem process (:mod:`tandem.checkpoints.activity`): no undo
runs across it, and when another turn changes files in an overlapping folder at the same time, a
scan cannot tell whose a change is — the turn then records only what its own apply_patch calls
changed (files its commands changed are neither in its diff nor undone), and logs a warning.
"""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from tandem.checkpoints import activity
from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import EntryKind, FileState, new_entry
from tandem.checkpoints.scan import EntryType, Scan
from tandem.checkpoints.store import _read
from tandem.config_enums import CheckpointMode
from tandem.errors import CheckpointError
from tandem.patch.applier import FileChange, display_path
from tandem.patch.workspace import Workspace

log = logging.getLogger(__name__)


def _too_broad(root: Path) -> bool:
    """A home folder or a filesystem root is no project: only apply_patch edits are checkpointed there."""
    return root == Path(root.anchor) or root == Path.home()


@dataclass(frozen=True, slots=True)
class FileDelta:
    """One file a turn changed: its content at the checkpoint and now (``None`` = absent), and its
    permission bits at the checkpoint (``mode``) and now (``after_mode``) when known. A ``chmod``
    alone is a delta whose contents are equal and whose modes differ."""

    path: Path
    before: bytes | None
    after: bytes | None
    mode: int | None = None
    after_mode: int | None = None

    @property
    def mode_changed(self) -> bool:
        """Whether the permission bits differ (both known)."""
        return self.mode is not None and self.after_mode is not None and self.mode != self.after_mode


def _disk_mode(path: Path) -> int | None:
    """The permission bits of the regular file at ``path``; ``None`` for anything else or nothing."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


class TurnCheckpoint:
    """Records what one turn changes.

    Args:
        mode: what the checkpoint covers (``OFF`` for an ephemeral thread: nothing is kept on disk).
        cwd: the workspace root (scanned, and what logged paths are relative to).
        home: the checkpoint folders; hold one for the thread's life, so its scanner keeps the last
            scan in memory between turns.
        thread_id, turn_id: whose changes these are (names the log).
        workspace: reads current contents (the editor's buffers in ``tandem lsp``) and knows which files
            the user saved during the turn (those are never taken for the agent's changes).
    """

    def __init__(
        self, mode: CheckpointMode, cwd: Path, home: CheckpointHome, thread_id: str, turn_id: str, workspace: Workspace
    ) -> None:
        self._mode = mode
        self._cwd = cwd
        self._turn_id = turn_id
        self._workspace = workspace
        self._fs = workspace.fs
        self._mark = 0.0
        self._home = home
        self._log = home.log(thread_id)
        self._scanner = home.scanner(cwd)
        self._lock = asyncio.Lock()
        self._start: Scan | None = None
        self._edited: dict[Path, bytes | None] = {}
        self._blobs: dict[str, bytes] = {}  # checkpoint contents already read (every tool round asks again)
        self._active = False
        self._marker: Path | None = None
        self._thread_id = thread_id
        self._warned_shared = False

    @property
    def active(self) -> bool:
        """Whether a mutating tool ran this turn (so there may be something to record)."""
        return self._active

    def _scan(self) -> Scan:
        """Scan the workspace (in a worker thread), logging files and milliseconds at debug level."""
        started = time.monotonic()
        scan = self._scanner.scan()
        log.debug(
            "checkpoint scan of %s: %d files%s in %.0f ms",
            self._cwd,
            len(scan.files),
            " (truncated)" if scan.truncated else "",
            (time.monotonic() - started) * 1000,
        )
        return scan

    def enter(self) -> None:
        """Announce the turn (at its start) to every Tandem process: no undo runs across it, `checkpoints
        prune` waits for it. A marker that cannot be written is logged, never fatal."""
        if self._marker is not None:
            return
        try:
            self._marker = self._home.mark_active(self._turn_id, self._cwd, self._thread_id)
        except CheckpointError as exc:
            log.warning("cannot announce turn %s: %s", self._turn_id, exc)

    def leave(self) -> None:
        """Withdraw the announcement of :meth:`enter` (idempotent; failures are logged)."""
        marker, self._marker = self._marker, None
        if marker is not None:
            try:
                self._home.unmark_active(marker)
            except CheckpointError as exc:
                log.warning("cannot remove the marker of turn %s: %s", self._turn_id, exc)

    @property
    def shared(self) -> bool:
        """Whether another turn changed files in an overlapping folder while this one did."""
        if self._marker is None or not activity.is_shared(self._marker):
            return False
        if not self._warned_shared:
            self._warned_shared = True
            log.warning(
                "another turn changes files in %s at the same time: turn %s records only its own apply_patch "
                "edits (what its commands change is not in its diff and is not undone)",
                self._cwd,
                self._turn_id,
            )
        return True

    async def before_mutation(self) -> None:
        """Take the turn's snapshot if this is its first mutating tool call (no-op after that)."""
        async with self._lock:
            if self._active:
                return
            if self._marker is not None:
                try:  # other turns in this folder must learn that files may change under them
                    activity.start_mutating(self._marker, self._cwd)
                except CheckpointError as exc:
                    log.warning("cannot mark turn %s as changing files: %s", self._turn_id, exc)
            if self._mode is CheckpointMode.OFF:
                return
            self._active = True
            self._mark = time.monotonic()
            if self._mode is CheckpointMode.WORKSPACE and not _too_broad(self._cwd):
                try:
                    self._start = await asyncio.to_thread(self._scan)
                except CheckpointError as exc:
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
        shared = self.shared  # the scans cannot tell this turn's changes from another turn's
        for path, before in self._edited.items():
            rel = display_path(path, self._cwd)
            if start is not None and not shared and not self._workspace.in_editor(path):
                # The disk at the checkpoint decides, so a shell edit made before the patch is undone too.
                entry = start.files.get(rel)
                if entry is not None and entry.restorable and entry.sha:
                    before = self._blob(entry.sha)
                elif entry is None and not start.truncated and not start.was_ignored(rel):
                    before = None  # created during the turn (by a command), then patched
            paths[path] = before
        if start is not None and now is not None and not shared:
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
            delta = FileDelta(path, before, after, self._start_mode(path), _disk_mode(path) if after else None)
            if after != before or delta.mode_changed:
                out.append(delta)
        return out

    def _start_mode(self, path: Path) -> int | None:
        entry = self._start.files.get(display_path(path, self._cwd)) if self._start is not None else None
        return entry.mode if entry is not None else None

    async def current(self) -> list[FileDelta]:
        """Every file whose content differs from the checkpoint now, in first-seen order.

        Raises:
            CheckpointError: the store lost a content of the checkpoint (a failed scan is logged).
        """
        if not self._active:
            return []
        now = None
        if self._start is not None:
            try:
                now = await asyncio.to_thread(self._scan)
            except CheckpointError as exc:
                log.warning("checkpoint scan of %s failed: %s", self._cwd, exc)
        # On the event loop: the editor's buffers (and the record of its saves) live there.
        return self._deltas(now)

    async def finish(self) -> list[FileDelta]:
        """Log the turn's changes (when there are any) and return them.

        Raises:
            CheckpointError: the store or the log cannot be written, or lost a content.
        """
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
            self.leave()
