"""The editor's live buffers as a file system, and waiting for the client's view of our edits.

:class:`LiveFileSystem` answers reads from the documents the client has open (unsaved changes
included) and falls back to the disk for the rest, so apply_patch and read_file see what the
user sees. After Tandem applies an edit, the client reports the new text with ``didChange``
(VS Code answers ``applyEdit`` *before* its ``didChange`` arrives); until then an overlay holds
the text Tandem wrote, so a second patch in the same turn builds on the first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument, Workspace

from tandem.patch.fs import DiskFileSystem


def path_to_uri(path: Path) -> str:
    """The ``file://`` URI of an absolute path, in pygls' normal form."""
    uri: str | None = from_fs_path(str(path))
    if uri is None:
        raise ValueError(f"cannot turn {path} into a URI")
    return uri


def uri_to_path(uri: str) -> Path | None:
    """The path of a ``file://`` URI, or None for other schemes."""
    path = to_fs_path(uri)
    return Path(path) if path and uri.startswith("file:") else None


class LiveFileSystem:
    """Reads through open documents, then the disk (the FileSystem protocol of ``tandem.patch.fs``).

    Args:
        workspace: returns pygls' workspace (it exists only once the client initialized).
    """

    def __init__(self, workspace: Callable[[], Workspace]) -> None:
        self._workspace = workspace
        self._disk = DiskFileSystem()
        self._overlay: dict[str, str] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._saved: dict[Path, float] = {}

    def document(self, path: Path) -> TextDocument | None:
        """The open document for ``path``, if the client has it open."""
        docs: dict[str, TextDocument] = self._workspace().text_documents
        doc = docs.get(path_to_uri(path))
        if doc is not None:
            return doc
        for candidate in docs.values():
            candidate_path = uri_to_path(candidate.uri)
            if candidate_path is not None and candidate_path == path:
                return candidate
        return None

    def text(self, path: Path) -> str | None:
        """The text Tandem should edit: the overlay, else the open buffer, else None (use the disk)."""
        uri = path_to_uri(path)
        if uri in self._overlay:
            return self._overlay[uri]
        doc = self.document(path)
        return doc.source if doc is not None else None

    def read_bytes(self, path: Path) -> bytes:
        """Buffer text (UTF-8) when open, else the file's bytes.

        Raises:
            FileNotFoundError: neither a buffer nor a file.
        """
        text = self.text(path)
        if text is not None:
            return text.encode("utf-8")
        return self._disk.read_bytes(path)

    def exists(self, path: Path) -> bool:
        """Whether a buffer or a file exists at ``path``."""
        return self.text(path) is not None or self._disk.exists(path)

    def is_dir(self, path: Path) -> bool:
        """Whether ``path`` is a directory on disk."""
        return self._disk.is_dir(path)

    def is_dirty(self, path: Path) -> bool:
        """Whether the open buffer differs from the file on disk (unsaved changes)."""
        text = self.text(path)
        if text is None:
            return False
        try:
            return self._disk.read_bytes(path) != text.encode("utf-8")
        except OSError:
            return True

    def expect(self, path: Path, text: str | None) -> None:
        """Record what Tandem just wrote to ``path`` (None: deleted) until the client reports it."""
        uri = path_to_uri(path)
        if text is None:
            self._overlay.pop(uri, None)
        else:
            self._overlay[uri] = text
        self._changed.setdefault(uri, asyncio.Event()).clear()

    def client_changed(self, uri: str) -> None:
        """The client sent didOpen/didChange/didClose for ``uri``: its buffer is the truth again."""
        self._overlay.pop(uri, None)
        event = self._changed.get(uri)
        if event is not None:
            event.set()

    def client_saved(self, uri: str) -> None:
        """The client sent didSave for ``uri``: the user wrote that file (now, ``time.monotonic()``)."""
        path = uri_to_path(uri)
        if path is not None:
            self._saved[path] = time.monotonic()

    def saved_since(self, mark: float) -> set[Path]:
        """Files the client saved after ``mark`` (a ``time.monotonic()`` value)."""
        return {path for path, at in self._saved.items() if at >= mark}

    async def wait_for_client(self, path: Path, timeout_s: float) -> bool:
        """Wait until the client reported a change to ``path`` (True) or ``timeout_s`` passed (False)."""
        event = self._changed.get(path_to_uri(path))
        if event is None:
            return True
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
