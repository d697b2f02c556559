"""Checkpoint storage: file contents by hash, workspace scans, and each thread's checkpoint log.

Undo must work in folders that are not git repositories and must see what shell commands
changed, so Tandem keeps its own small content-addressed store instead of ghost commits:

- ``$TANDEM_HOME/checkpoints/objects/ab/cdef…`` — file contents, named by SHA-256, shared by all
  threads (a file that did not change is stored once, however many turns touch the workspace).
- ``$TANDEM_HOME/checkpoints/scans/<sha256(root)[:16]>.json`` — the last scan of a workspace root:
  ``{path: [size, mtime_ns, ctime_ns, inode, sha256 | null]}``; a file whose stat is unchanged is
  not read again (git's index trick), so a scan of an unchanged tree costs one ``stat`` per file.
- ``$TANDEM_HOME/checkpoints/<thread_id>/log.jsonl`` — one JSON object per line, appended and
  flushed: ``{"type": "turn" | "undo" | "redo", "id", "turn_id", "target"?, "created_at",
  "cwd", "files": [{"path", "before", "after"}]}`` where ``before``/``after`` are SHA-256 hex of
  the content (``null`` = the file did not exist). A torn last line (crash) is ignored.

A scan skips version-control and cache directories (:data:`SKIPPED_DIRS`), anything a
``.gitignore`` on the way ignores (format: gitignore, via ``pathspec``), symlinks, and files over
``max_file_bytes`` (recorded with a ``null`` hash: they cannot be shown or restored; the same for
files past a scan's ``max_new_bytes`` budget of new content).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pathspec import GitIgnoreSpec

from tandem.errors import NotFoundError, SessionError

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".jj",
        ".tandem",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".gradle",
        ".idea",
    }
)
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_FILES = 50_000
DEFAULT_MAX_NEW_BYTES = 512 * 1024 * 1024


def content_hash(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Content-addressed file contents under ``root`` (``objects/ab/cdef…``); never deleted by Tandem."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its hash."""
        digest = content_hash(data)
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return digest

    def get(self, digest: str) -> bytes:
        """The content named ``digest``.

        Raises:
            SessionError: the object is missing or does not match its name (store damaged).
        """
        try:
            data = self._path(digest).read_bytes()
        except OSError as exc:
            raise SessionError(f"checkpoint object {digest[:12]} is missing: {exc}") from exc
        if content_hash(data) != digest:
            raise SessionError(f"checkpoint object {digest[:12]} is damaged")
        return data


class EntryType(StrEnum):
    """What a scan found at a path."""

    FILE = "file"
    LINK = "link"  # a symbolic link: never followed, never restored through
    UNREADABLE = "unreadable"  # a regular file that could not be read


@dataclass(frozen=True, slots=True)
class ScanEntry:
    """One path seen by a scan: its stat signature, content hash (``None``: not stored — too big, past
    the budget, unreadable, or a link), type and permission bits."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    sha: str | None
    type: EntryType = EntryType.FILE
    mode: int = 0o644

    @property
    def restorable(self) -> bool:
        """Whether the content is stored (so the file can be shown and restored)."""
        return self.sha is not None and self.type is EntryType.FILE

    @property
    def signature(self) -> tuple[int, int, int, int]:
        """``(size, mtime_ns, ctime_ns, inode)``."""
        return self.size, self.mtime_ns, self.ctime_ns, self.inode

    def same_stat(self, st: os.stat_result) -> bool:
        """Whether ``st`` shows the file unchanged since this entry was made."""
        return self.signature == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(slots=True)
class Scan:
    """A workspace scan: ``files`` maps paths relative to ``root`` (POSIX form) to entries.

    ``truncated``: the scan stopped at ``max_files`` (files beyond were not seen). ``ignored``: paths
    it passed over because a ``.gitignore`` or :data:`SKIPPED_DIRS` says so (folders end in ``/``).
    """

    root: Path
    files: dict[str, ScanEntry] = field(default_factory=dict)
    truncated: bool = False
    ignored: set[str] = field(default_factory=set)

    def was_ignored(self, rel: str) -> bool:
        """Whether ``rel`` (or a folder above it) was passed over by this scan."""
        if rel in self.ignored:
            return True
        parts = rel.split("/")
        return any("/".join(parts[:n]) + "/" in self.ignored for n in range(1, len(parts)))

    def changed_paths(self, later: Scan) -> list[str]:
        """Paths whose content ``later`` shows changed, created or removed since this scan, sorted.

        Only what both scans could see counts: nothing when either was truncated and the path is
        missing from one of them, nor a path this scan passed over (ignored then, so its earlier
        content is unknown) — such a path is never mistaken for one the turn created.
        """
        out = []
        for rel in set(self.files) | set(later.files):
            a, b = self.files.get(rel), later.files.get(rel)
            if a is None or b is None:
                if self.truncated or later.truncated or (a is None and self.was_ignored(rel)):
                    continue
                out.append(rel)
            elif a.sha != b.sha or a.type is not b.type or (a.sha is None and a.signature != b.signature):
                out.append(rel)
        return sorted(out)


class WorkspaceScanner:
    """Scans a workspace root, hashing (and storing) only files whose stat changed since the last scan.

    Args:
        root: the workspace root (absolute).
        store: where file contents go.
        cache_file: where the previous scan of ``root`` is kept between runs (JSON; see module doc).
        max_file_bytes: larger files are listed but not stored.
        max_files: the scan stops after this many files (``Scan.truncated``).
        max_new_bytes: at most this much new content is stored per scan; files past it are listed unstored.
        exclude: absolute paths never scanned (e.g. ``$TANDEM_HOME`` when it lies inside ``root``).
    """

    def __init__(
        self,
        root: Path,
        store: BlobStore,
        cache_file: Path,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_files: int = DEFAULT_MAX_FILES,
        max_new_bytes: int = DEFAULT_MAX_NEW_BYTES,
        exclude: tuple[Path, ...] = (),
    ) -> None:
        self.root = root
        self._store = store
        self._cache_file = cache_file
        self._max_file_bytes = max_file_bytes
        self._max_files = max_files
        self._max_new_bytes = max_new_bytes
        self._exclude = {str(p) for p in exclude}
        self._previous: dict[str, ScanEntry] | None = None

    def _load_cache(self) -> dict[str, ScanEntry]:
        if self._previous is not None:
            return self._previous
        try:
            raw = json.loads(self._cache_file.read_text("utf-8"))
            return {
                rel: ScanEntry(int(v[0]), int(v[1]), int(v[2]), int(v[3]), v[4], EntryType(v[5]), int(v[6]))
                for rel, v in raw.items()
                if isinstance(v, list) and len(v) == 7
            }
        except (OSError, ValueError, TypeError):
            return {}

    def _save_cache(self, files: dict[str, ScanEntry]) -> None:
        self._previous = files
        data = {rel: [e.size, e.mtime_ns, e.ctime_ns, e.inode, e.sha, e.type.value, e.mode] for rel, e in files.items()}
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_file.with_name(f".{self._cache_file.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        tmp.replace(self._cache_file)

    def _walk(self, ignored: set[str]) -> Iterator[tuple[str, str, os.stat_result]]:
        """``(relative path, absolute path, lstat)`` of regular files and symlinks under the root; what is
        passed over (ignore rules, :data:`SKIPPED_DIRS`) goes into ``ignored`` (folders with a final ``/``)."""
        stack: list[tuple[str, str, list[tuple[str, GitIgnoreSpec]]]] = [(str(self.root), "", [])]
        while stack:
            directory, prefix, specs = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except OSError:
                continue
            if any(e.name == ".gitignore" for e in entries):
                try:
                    lines = Path(directory, ".gitignore").read_text("utf-8", "replace").splitlines()
                    specs = [*specs, (prefix, GitIgnoreSpec.from_lines(lines))]
                except (OSError, ValueError):
                    pass
            subdirs: list[tuple[str, str]] = []
            for entry in entries:
                if entry.path in self._exclude:
                    continue
                rel = prefix + entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS or (specs and _ignored(specs, rel, True)):
                            ignored.add(rel + "/")
                        else:
                            subdirs.append((entry.path, rel + "/"))
                    elif entry.is_file(follow_symlinks=False) or entry.is_symlink():
                        if specs and _ignored(specs, rel, False):
                            ignored.add(rel)
                        else:
                            yield rel, entry.path, entry.stat(follow_symlinks=False)
                except OSError:
                    continue
            stack.extend((path, sub, specs) for path, sub in subdirs)

    def scan(self) -> Scan:
        """Scan the root now; stores the content of every new or changed file (up to the limits)."""
        previous = self._load_cache()
        result = Scan(self.root)
        dirty = False
        budget = self._max_new_bytes
        for rel, path, st in self._walk(result.ignored):
            if len(result.files) >= self._max_files:
                result.truncated = True
                break
            old = previous.get(rel)
            if (
                old is not None
                and old.same_stat(st)
                and (old.restorable or st.st_size > self._max_file_bytes or old.type is EntryType.LINK)
            ):
                result.files[rel] = old
                continue
            kind, sha = EntryType.FILE, None
            if stat.S_ISLNK(st.st_mode):
                kind = EntryType.LINK
            elif st.st_size <= min(self._max_file_bytes, budget):
                budget -= st.st_size
                try:
                    with open(path, "rb") as handle:
                        sha = self._store.put(handle.read())
                except OSError:
                    kind = EntryType.UNREADABLE
            result.files[rel] = ScanEntry(
                st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, sha, kind, stat.S_IMODE(st.st_mode)
            )
            dirty = True
        if dirty or len(result.files) != len(previous):
            self._save_cache(result.files)
        else:
            self._previous = result.files
        return result


def _ignored(specs: list[tuple[str, GitIgnoreSpec]], rel: str, is_dir: bool) -> bool:
    """gitignore semantics: the deepest ``.gitignore`` with a matching pattern decides (so a nested
    ``!keep.log`` re-includes what an outer ``*.log`` ignored), and within one file the last match."""
    for prefix, spec in reversed(specs):
        sub = rel[len(prefix) :]  # every spec on the stack belongs to an ancestor folder of rel
        verdict = spec.check_file(sub + "/" if is_dir else sub).include
        if verdict is not None:
            return verdict
    return False


def scan_cache_name(root: Path) -> str:
    """The file name of ``root``'s scan cache: ``<first 16 hex of sha256(root)>.json``."""
    return hashlib.sha256(str(root).encode()).hexdigest()[:16] + ".json"


_SCANNERS: dict[Path, WorkspaceScanner] = {}


class EntryKind(StrEnum):
    """What a checkpoint log entry records."""

    TURN = "turn"
    UNDO = "undo"
    REDO = "redo"


@dataclass(frozen=True, slots=True)
class FileState:
    """One file of a checkpoint: its content hash before and after (``None`` = did not exist), and the
    permission bits it had before (``None``: unknown), which an undo that re-creates it restores."""

    path: str
    before: str | None
    after: str | None
    mode: int | None = None


@dataclass(frozen=True, slots=True)
class CheckpointEntry:
    """One line of a thread's checkpoint log.

    Attributes:
        id: ``ckpt-<12 hex>``.
        kind: a turn's changes, or an undo / redo of an earlier entry (``target`` = its id).
        turn_id: the turn whose changes this entry is about.
        cwd: the workspace root ``files`` paths are relative to.
        files: every file the entry changed.
    """

    id: str
    kind: EntryKind
    turn_id: str
    cwd: str
    files: tuple[FileState, ...]
    target: str | None = None
    created_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The entry's JSON object (see the module doc)."""
        out: dict[str, Any] = {"type": self.kind.value, "id": self.id, "turn_id": self.turn_id}
        if self.target is not None:
            out["target"] = self.target
        out["created_at"] = self.created_at
        out["cwd"] = self.cwd
        out["files"] = [
            {"path": f.path, "before": f.before, "after": f.after, **({"mode": f.mode} if f.mode is not None else {})}
            for f in self.files
        ]
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CheckpointEntry:
        """Read an entry; raises ``KeyError``/``ValueError``/``TypeError`` when malformed."""
        files = tuple(
            FileState(
                str(f["path"]), f.get("before"), f.get("after"), int(f["mode"]) if f.get("mode") is not None else None
            )
            for f in obj["files"]
        )
        return cls(
            str(obj["id"]),
            EntryKind(obj["type"]),
            str(obj["turn_id"]),
            str(obj["cwd"]),
            files,
            obj.get("target"),
            float(obj.get("created_at") or 0.0),
        )


def new_entry(
    kind: EntryKind, turn_id: str, cwd: Path, files: list[FileState], target: str | None = None
) -> CheckpointEntry:
    """A new log entry with a fresh id, stamped now."""
    return CheckpointEntry(f"ckpt-{uuid.uuid4().hex[:12]}", kind, turn_id, str(cwd), tuple(files), target, time.time())


class CheckpointLog:
    """A thread's checkpoint log (``<dir>/log.jsonl``), append-only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "log.jsonl"

    def append(self, entry: CheckpointEntry) -> None:
        """Append one entry and flush it to disk."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            torn = False
            if size:
                handle.seek(size - 1)
                torn = handle.read(1) != b"\n"
            line = json.dumps(entry.to_json(), separators=(",", ":")) + "\n"
            handle.write((("\n" if torn else "") + line).encode("utf-8"))  # a crash's torn line stays alone
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[CheckpointEntry]:
        """Every readable entry, oldest first (malformed or torn lines are skipped)."""
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                out.append(CheckpointEntry.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return out


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What :meth:`CheckpointHome.prune` removed: thread logs, objects, and bytes freed."""

    threads: list[str]
    objects: int
    bytes_freed: int
    busy: int = 0
    """Turns checkpointing right now; while there are any, no object is deleted."""


@dataclass(frozen=True, slots=True)
class CheckpointHome:
    """The checkpoint folders under ``$TANDEM_HOME/checkpoints``."""

    root: Path

    @classmethod
    def under(cls, tandem_home: Path) -> CheckpointHome:
        """``tandem_home / "checkpoints"``."""
        return cls(tandem_home / "checkpoints")

    @property
    def store(self) -> BlobStore:
        """The shared object store."""
        return BlobStore(self.root / "objects")

    def log(self, thread_id: str) -> CheckpointLog:
        """Thread ``thread_id``'s log."""
        return CheckpointLog(self.root / thread_id)

    def scanner(self, workspace_root: Path, tandem_home: Path) -> WorkspaceScanner:
        """The scanner of ``workspace_root`` with its persistent scan cache (``$TANDEM_HOME`` excluded); one per
        root and process, so later turns start from the last scan in memory."""
        cache = self.root / "scans" / scan_cache_name(workspace_root)
        found = _SCANNERS.get(cache)
        if found is None:
            found = _SCANNERS[cache] = WorkspaceScanner(workspace_root, self.store, cache, exclude=(tandem_home,))
        return found

    def threads(self) -> list[tuple[str, float]]:
        """``(thread_id, mtime of its log)`` of every thread with a log, newest first."""
        found = []
        if self.root.is_dir():
            for log in self.root.glob("*/log.jsonl"):
                found.append((log.parent.name, log.stat().st_mtime))
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def prune(self, older_than_s: float, now: float | None = None) -> PruneResult:
        """Forget the checkpoints of threads whose log was last written more than ``older_than_s`` seconds
        ago and the scan caches of workspaces not scanned for as long, then delete every object no
        remaining log or scan cache names (mark and sweep).

        Returns what was removed. Never raises for files that vanish meanwhile.
        """
        now = time.time() if now is None else now
        busy = self.active_turns()
        removed_threads = []
        for thread_id, mtime in self.threads():
            if now - mtime > older_than_s:
                directory = self.root / thread_id
                for child in directory.iterdir():
                    child.unlink(missing_ok=True)
                directory.rmdir()
                removed_threads.append(thread_id)
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
        freed, objects = 0, 0
        store = self.store.root
        if store.is_dir() and not busy:  # a running turn's snapshot names objects no file names yet
            for path in store.glob("*/*"):
                if path.parent.name + path.name not in live:
                    try:
                        freed += path.stat().st_size
                        path.unlink()
                        objects += 1
                    except OSError:
                        continue
        return PruneResult(removed_threads, objects, freed, busy)

    def mark_active(self, turn_id: str) -> Path:
        """Announce that a turn of this process is checkpointing (until the returned marker is removed)."""
        marker = self.root / "active" / f"{os.getpid()}-{turn_id}"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        return marker

    def active_turns(self) -> int:
        """How many turns of live processes are checkpointing; markers of dead processes are removed."""
        count = 0
        for marker in (self.root / "active").glob("*-*") if (self.root / "active").is_dir() else []:
            pid = marker.name.split("-", 1)[0]
            try:
                os.kill(int(pid), 0)
                count += 1
            except (ValueError, ProcessLookupError):
                marker.unlink(missing_ok=True)
            except PermissionError:
                count += 1  # alive, someone else's
        return count

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
