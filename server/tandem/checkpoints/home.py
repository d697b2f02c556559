"""The checkpoint folders under ``$TANDEM_HOME/checkpoints``: path layout, prune, liveness markers.

See :mod:`tandem.checkpoints` for the layout. A :class:`CheckpointHome` also keeps one
:class:`~tandem.checkpoints.scan.WorkspaceScanner` per workspace root, so the turns of whoever
holds the home start from the last scan in memory.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tandem.checkpoints import activity
from tandem.checkpoints.log import CheckpointLog
from tandem.checkpoints.scan import WorkspaceScanner, scan_cache_name
from tandem.checkpoints.store import BlobStore, _io
from tandem.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What :meth:`CheckpointHome.prune` removed: thread logs, objects, and bytes freed."""

    threads: list[str]
    objects: int
    bytes_freed: int
    busy: int = 0
    """Turns checkpointing right now; while there are any, no object is deleted."""


class CheckpointHome:
    """The checkpoint folders under ``root`` (``$TANDEM_HOME/checkpoints``), and the scanners of the
    workspaces checkpointed through this home (one per root, kept for the home's life).

    Args:
        root: the checkpoints folder (created on first write).
        exclude: folders no workspace scan enters (default: ``root``; :meth:`under` passes all of
            ``$TANDEM_HOME``, which may lie inside a workspace).
    """

    def __init__(self, root: Path, *, exclude: tuple[Path, ...] | None = None) -> None:
        self.root = root
        self.store = BlobStore(root / "objects")
        self._exclude = exclude if exclude is not None else (root,)
        self._scanners: dict[Path, WorkspaceScanner] = {}

    def __repr__(self) -> str:
        return f"CheckpointHome({self.root!r})"

    @classmethod
    def under(cls, tandem_home: Path) -> CheckpointHome:
        """``tandem_home / "checkpoints"``, whose scans leave ``tandem_home`` out."""
        return cls(tandem_home / "checkpoints", exclude=(tandem_home,))

    def log(self, thread_id: str) -> CheckpointLog:
        """Thread ``thread_id``'s log."""
        return CheckpointLog(self.root / thread_id)

    def scanner(self, workspace_root: Path) -> WorkspaceScanner:
        """The scanner of ``workspace_root`` with its persistent scan cache; one per root and home, so a
        later turn starts from the last scan in memory."""
        cache = self.root / "scans" / scan_cache_name(workspace_root)
        found = self._scanners.get(cache)
        if found is None:
            found = self._scanners[cache] = WorkspaceScanner(workspace_root, self.store, cache, exclude=self._exclude)
        return found

    def threads(self) -> list[tuple[str, float]]:
        """``(thread_id, mtime of its log)`` of every thread with a log, newest first.

        Raises:
            CheckpointError: the checkpoints folder cannot be listed.
        """
        found = []
        with _io(f"cannot list the checkpoints in {self.root}"):
            if self.root.is_dir():
                for log in self.root.glob("*/log.jsonl"):
                    try:
                        found.append((log.parent.name, log.stat().st_mtime))
                    except FileNotFoundError:
                        continue  # pruned meanwhile
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def prune(self, older_than_s: float, now: float | None = None) -> PruneResult:
        """Forget the checkpoints of threads whose log was last written more than ``older_than_s`` seconds
        ago and the scan caches of workspaces not scanned for as long, then delete every object no
        remaining log or scan cache names (mark and sweep).

        Returns what was removed. Never raises for files that vanish meanwhile.

        Raises:
            CheckpointError: a folder or file of the home cannot be read or removed.
        """
        with _io(f"cannot prune the checkpoints in {self.root}"):
            return self._prune(older_than_s, time.time() if now is None else now)

    def _prune(self, older_than_s: float, now: float) -> PruneResult:
        busy = self.active_turns()
        removed = self._forget_idle_threads(older_than_s, now)
        live = self._live_objects(older_than_s, now)
        objects, freed = (
            (0, 0) if busy else self._sweep(live)
        )  # a running turn's snapshot names objects no file names yet
        return PruneResult(removed, objects, freed, busy)

    def _forget_idle_threads(self, older_than_s: float, now: float) -> list[str]:
        """Delete the logs last written more than ``older_than_s`` ago; returns their thread ids."""
        removed = []
        for thread_id, mtime in self.threads():
            if now - mtime > older_than_s:
                directory = self.root / thread_id
                for child in directory.iterdir():
                    child.unlink(missing_ok=True)
                directory.rmdir()
                removed.append(thread_id)
        return removed

    def _live_objects(self, older_than_s: float, now: float) -> set[str]:
        """Hashes the remaining logs and scan caches name; idle or unreadable scan caches are deleted."""
        live: set[str] = set()
        for thread_id, _ in self.threads():
            for entry in self.log(thread_id).entries():
                live.update(sha for f in entry.files for sha in (f.before, f.after) if sha)
        for cache in (self.root / "scans").glob("*.json"):
            try:
                if now - cache.stat().st_mtime > older_than_s:
                    cache.unlink()
                    continue
                live.update(values[4] for values in json.loads(cache.read_text("utf-8")).values() if values[4])
            except (OSError, ValueError, TypeError, IndexError):
                cache.unlink(missing_ok=True)  # an unreadable cache only costs a re-scan
        return live

    def _sweep(self, live: set[str]) -> tuple[int, int]:
        """Delete every object not in ``live``; returns ``(objects, bytes)`` removed."""
        objects, freed = 0, 0
        if self.store.root.is_dir():
            for path in self.store.root.glob("*/*"):
                if path.parent.name + path.name not in live:
                    try:
                        freed += path.stat().st_size
                        path.unlink()
                        objects += 1
                    except OSError:
                        continue
        return objects, freed

    @property
    def active_dir(self) -> Path:
        """The folder of running turns' markers (:mod:`tandem.checkpoints.activity`)."""
        return self.root / "active"

    def mark_active(self, turn_id: str, cwd: Path | None = None, thread_id: str = "") -> Path:
        """Announce that a turn of this process runs in ``cwd`` (until the returned marker is removed):
        `checkpoints prune` waits for it and no undo runs across it.

        Raises:
            CheckpointError: the marker cannot be written.
        """
        if cwd is None:
            marker = self.active_dir / f"{os.getpid()}-{turn_id}"
            with _io(f"cannot write the checkpoint marker {marker}"):
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            return marker
        return activity.enter(self.active_dir, cwd, thread_id, turn_id)

    def unmark_active(self, marker: Path) -> None:
        """Remove a marker :meth:`mark_active` returned (no error if it is gone already).

        Raises:
            CheckpointError: the marker cannot be removed.
        """
        activity.leave(marker)

    def running_turns(self) -> list[activity.RunningTurn]:
        """The turns live processes are running (markers of dead processes are removed).

        Raises:
            CheckpointError: the markers cannot be listed or removed.
        """
        return activity.running_turns(self.active_dir)

    def active_turns(self) -> int:
        """How many turns of live processes are running; markers of dead processes are removed.

        Raises:
            CheckpointError: the markers cannot be listed or removed.
        """
        return len(self.running_turns())

    def find_thread(self, prefix: str) -> str:
        """The thread id with a checkpoint log that starts with ``prefix``.

        Raises:
            NotFoundError: none or several match.
        """
        matches = [t for t, _ in self.threads() if t.startswith(prefix)]
        if len(matches) != 1:
            what = "no thread" if not matches else f"{len(matches)} threads"
            raise NotFoundError(f"{what} with checkpoints match {prefix!r}")
        return matches[0]
