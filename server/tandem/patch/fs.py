"""The file system apply_patch reads through, and the disk implementation that also commits.

:class:`FileSystem` is all the planner needs, so the LSP server can plan a patch against live
editor buffers (unsaved text) instead of the disk. :class:`DiskFileSystem` adds the write
operations :func:`tandem.patch.applier.commit_changes` uses. Its methods raise plain ``OSError``;
the applier wraps them in :class:`tandem.errors.PatchApplyError` before they leave the package.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class FileSystem(Protocol):
    """Read-only view of files, addressed by absolute paths."""

    def read_bytes(self, path: Path) -> bytes:
        """The file's whole content.

        Raises:
            FileNotFoundError: there is no such file.
            OSError: any other read failure (permission, is a directory...).
        """
        ...

    def exists(self, path: Path) -> bool:
        """Whether anything (file, directory, symlink target) exists at ``path``."""
        ...

    def is_dir(self, path: Path) -> bool:
        """Whether ``path`` is a directory."""
        ...


class DiskFileSystem:
    """The local disk: :class:`FileSystem` plus the commit operations (all may raise ``OSError``)."""

    def read_bytes(self, path: Path) -> bytes:
        """The file's bytes (raises ``FileNotFoundError`` when missing)."""
        return path.read_bytes()

    def exists(self, path: Path) -> bool:
        """Whether ``path`` exists (a dangling symlink counts as existing: it must not be overwritten)."""
        return path.exists() or path.is_symlink()

    def is_dir(self, path: Path) -> bool:
        """Whether ``path`` is a directory."""
        return path.is_dir()

    def file_mode(self, path: Path) -> int | None:
        """Permission bits of the file at ``path`` (following symlinks), or None when it does not exist."""
        try:
            return stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            return None

    def write_atomic(self, path: Path, data: bytes, mode: int | None = None) -> None:
        """Replace ``path`` with ``data`` atomically: write a temporary file beside it, then rename.

        A symlink is followed (its target is rewritten, the link stays). ``mode`` sets the permission
        bits; None gives a new file's default (0o666 minus the umask).
        """
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tandem-tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if mode is not None:
                    os.fchmod(handle.fileno(), mode)
            temp.replace(target)
        except BaseException:
            try:
                temp.unlink()
            except OSError:
                pass
            raise

    def remove(self, path: Path) -> None:
        """Delete the file (or symlink) at ``path``."""
        path.unlink()

    def make_parents(self, path: Path) -> list[Path]:
        """Create the missing parent directories of ``path``; return those created, outermost first."""
        missing: list[Path] = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        created: list[Path] = []
        for directory in reversed(missing):
            try:
                directory.mkdir()
            except FileExistsError:
                continue
            except OSError:
                for made in reversed(created):
                    self.remove_empty_dir(made)
                raise
            created.append(directory)
        return created

    def transaction(self) -> DiskTransaction:
        """A journal of writes and removals that can be rolled back (see :class:`DiskTransaction`)."""
        return DiskTransaction(self)

    def remove_empty_dir(self, path: Path) -> None:
        """Remove the directory ``path`` if it is empty; otherwise leave it."""
        try:
            path.rmdir()
        except OSError:
            pass


class DiskTransaction:
    """Writes and removals on a :class:`DiskFileSystem` that :meth:`rollback` can undo.

    Before a path is changed for the first time its state is recorded (bytes and mode, a symlink's
    target, or absence); parent directories created on the way are remembered too.
    """

    def __init__(self, fs: DiskFileSystem) -> None:
        self._fs = fs
        self._saved: dict[Path, tuple[bytes, int | None] | str | None] = {}
        self._order: list[Path] = []
        self._created_dirs: list[Path] = []

    def _save(self, path: Path) -> None:
        if path in self._saved:
            return
        state: tuple[bytes, int | None] | str | None = None
        if path.is_symlink():
            state = str(path.readlink())
        elif path.exists():
            state = (path.read_bytes(), self._fs.file_mode(path))
        self._saved[path] = state
        self._order.append(path)

    def write(self, path: Path, data: bytes, mode: int | None) -> None:
        """Create or replace the file at ``path`` (parents created as needed), atomically; through a
        symlink, the link's target is what gets rewritten (and restored on rollback)."""
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        self._save(target)
        self._created_dirs += self._fs.make_parents(target)
        self._fs.write_atomic(target, data, mode)

    def remove(self, path: Path) -> None:
        """Delete the file at ``path``."""
        self._save(path)
        self._fs.remove(path)

    def rollback(self) -> list[str]:
        """Put every changed path back as it was and remove the directories created.

        Returns:
            One "path: reason" line per path that could not be restored (empty when all went well).
        """
        failures: list[str] = []
        for path in reversed(self._order):
            state = self._saved[path]
            try:
                if path.is_symlink() or (state is None and path.exists()):
                    self._fs.remove(path)
                if isinstance(state, str):
                    path.symlink_to(state)
                elif state is not None:
                    self._fs.write_atomic(path, state[0], state[1])
            except OSError as exc:
                failures.append(f"{path}: {exc.strerror or exc}")
        for directory in reversed(self._created_dirs):
            self._fs.remove_empty_dir(directory)
        return failures
