"""Workspace scans: which files a root holds, in what state, with their contents stored by hash.

The last scan of a root is kept in a JSON cache file (``$TANDEM_HOME/checkpoints/scans/
<sha256(root)[:16]>.json``): ``{path: [size, mtime_ns, ctime_ns, inode, sha256 | null, type,
mode]}``; a file whose stat is unchanged is not read again (git's index trick), so a scan of an
unchanged tree costs one ``stat`` per file.

A scan skips version-control and cache directories (:data:`SKIPPED_DIRS`), anything a
``.gitignore`` on the way ignores (format: gitignore, via ``pathspec``), and lists symlinks and
files over ``max_file_bytes`` with a ``null`` hash (they cannot be shown or restored; the same
for files past a scan's ``max_new_bytes`` budget of new content).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pathspec import GitIgnoreSpec

from tandem.checkpoints.store import BlobStore, _io

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
        """Paths whose content (or a file's permission bits) ``later`` shows changed, created or removed
        since this scan, sorted.

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
            elif _differ(a, b):
                out.append(rel)
        return sorted(out)


def _differ(a: ScanEntry, b: ScanEntry) -> bool:
    """Whether two entries of one path differ in content, type, or (a chmod) a file's permission bits."""
    if a.sha != b.sha or a.type is not b.type or (a.sha is None and a.signature != b.signature):
        return True
    return a.type is EntryType.FILE and a.mode != b.mode


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
        """The previous scan (in memory, else from the cache file); ``{}`` when there is none or it is
        unreadable or malformed: that only costs a full re-scan."""
        if self._previous is not None:
            return self._previous
        try:
            raw = json.loads(self._cache_file.read_text("utf-8"))
            return {
                rel: ScanEntry(int(v[0]), int(v[1]), int(v[2]), int(v[3]), v[4], EntryType(v[5]), int(v[6]))
                for rel, v in raw.items()
                if isinstance(v, list) and len(v) == 7
            }
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def _save_cache(self, files: dict[str, ScanEntry]) -> None:
        """Keep ``files`` as the previous scan, in memory and in the cache file.

        Raises:
            CheckpointError: the cache file cannot be written.
        """
        self._previous = files
        data = {rel: [e.size, e.mtime_ns, e.ctime_ns, e.inode, e.sha, e.type.value, e.mode] for rel, e in files.items()}
        with _io(f"cannot save the scan cache {self._cache_file}"):
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
        """Scan the root now; stores the content of every new or changed file (up to the limits).

        Raises:
            CheckpointError: the store or the scan cache cannot be written (a workspace file that
                cannot be read is listed as :attr:`EntryType.UNREADABLE` instead).
        """
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
                        data = handle.read()
                except OSError:
                    kind = EntryType.UNREADABLE
                else:
                    sha = self._store.put(data)
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
