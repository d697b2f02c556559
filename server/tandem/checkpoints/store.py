"""The content-addressed object store, and the one place ``OSError`` becomes :class:`CheckpointError`.

Layout: ``<root>/ab/cdef…`` holds the bytes whose SHA-256 (64 lowercase hex digits) is
``abcdef…``; an object is written to a temporary name beside it and renamed into place, so a
reader never sees half an object. Objects are shared by every thread and removed only by
:meth:`tandem.checkpoints.home.CheckpointHome.prune`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tandem.errors import CheckpointError
from tandem.patch.fs import FileSystem


@contextmanager
def _io(what: str) -> Iterator[None]:
    """Re-raise an ``OSError`` from the block as :class:`CheckpointError` ``"<what>: <reason>"``.

    The package's boundary for foreign errors (httpx maps its transport's exceptions the same way):
    every disk operation of :mod:`tandem.checkpoints` that may fail runs inside one.
    """
    try:
        yield
    except OSError as exc:
        raise CheckpointError(f"{what}: {exc}") from exc


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
        """Store ``data`` (once) and return its hash.

        Raises:
            CheckpointError: the store cannot be written.
        """
        digest = content_hash(data)
        path = self._path(digest)
        if not path.exists():
            with _io(f"cannot write checkpoint object {digest[:12]} under {self.root}"):
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
                tmp.write_bytes(data)
                tmp.replace(path)
        return digest

    def get(self, digest: str) -> bytes:
        """The content named ``digest``.

        Raises:
            CheckpointError: the object is missing or does not match its name (store damaged).
        """
        with _io(f"checkpoint object {digest[:12]} is missing"):
            data = self._path(digest).read_bytes()
        if content_hash(data) != digest:
            raise CheckpointError(f"checkpoint object {digest[:12]} is damaged")
        return data


def _read(fs: FileSystem, path: Path) -> bytes | None:
    """The file's bytes, or ``None`` when it is missing or unreadable."""
    try:
        return fs.read_bytes(path)
    except OSError:
        return None


def _text(data: bytes | None) -> str | None:
    """``data`` decoded as UTF-8, or ``None`` when it is absent or not UTF-8 (binary)."""
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
