"""Plan a parsed patch against a file system, then commit it to disk all-or-nothing.

Format: Codex apply_patch grammar (docs/reference-facts.md §2). Two phases:

* :func:`plan_patch` reads only and computes every file's new text; nothing is written, so the
  caller can show diffs, ask for approval, drop hunks, or give up.
* :func:`commit_changes` writes a planned change set atomically across files (temp file + rename
  per file; on any failure everything already done is undone).

Text rules of the planner:

* files must be UTF-8 text (no NUL byte); anything else is refused;
* line breaks (CRLF kept) and the trailing-newline rule for updates: see :mod:`tandem.patch.seek`
  (in short, an updated file keeps its final-newline state in every case, ``*** End of File``
  chunks included);
* added files end with a newline (an Add with no lines creates an empty file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tandem.errors import PatchApplyError
from tandem.patch.fs import DiskFileSystem, FileSystem
from tandem.patch.parser import AddFile, DeleteFile, Patch, UpdateFile, parse_patch
from tandem.patch.seek import apply_chunks


class ChangeBasis(StrEnum):
    """How a :class:`FileChange`'s new text relates to the text it replaces."""

    EDIT = "edit"  # hunks applied to the text read (or a file created, deleted or moved)
    REPLACE = "replace"  # the text read is discarded whole: ``*** Add File`` or ``*** Move to`` onto an existing file


class FileOp(StrEnum):
    """What a :class:`FileChange` does to its file (a move is UPDATE with ``move_path`` set).

    The wire has its own four-member :class:`tandem.protocol.enums.ChangeKind` (with ``move``).
    """

    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class FileChange:
    """The planned effect of a patch on one file.

    Attributes:
        path: absolute path of the file (for a move: where it was).
        kind: ADD (``old_text`` None), DELETE (``new_text`` None) or UPDATE (both set).
        old_text: the file's text before the patch, exactly as read.
        new_text: the file's text after the patch.
        move_path: absolute destination of a move (UPDATE only), else None.
        basis: ``REPLACE`` when the patch overwrote an existing file whole (an editor buffer with unsaved
            text must then refuse it: :class:`tandem.lsp.live_workspace.LiveWorkspace`).
    """

    path: Path
    kind: FileOp
    old_text: str | None
    new_text: str | None
    move_path: Path | None = None
    basis: ChangeBasis = ChangeBasis.EDIT


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when inside it (POSIX separators), else absolute."""
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else str(path)


@dataclass(frozen=True, slots=True)
class PatchResult:
    """The outcome of :func:`apply_patch`: the committed changes and the cwd they were resolved against."""

    changes: list[FileChange]
    cwd: Path

    def summary(self) -> str:
        """Codex's success text: ``Success. Updated the following files:`` then ``A path`` lines (added),
        ``M path`` (updated; a move shows its new path), ``D path`` (deleted), in that order, no final newline.
        """
        lines = ["Success. Updated the following files:"]
        for kind, letter in ((FileOp.ADD, "A"), (FileOp.UPDATE, "M"), (FileOp.DELETE, "D")):
            lines += [
                f"{letter} {display_path(c.move_path or c.path, self.cwd)}" for c in self.changes if c.kind is kind
            ]
        return "\n".join(lines)


# --- text ---------------------------------------------------------------------------------------


def decode_text(data: bytes, display: str) -> str:
    """``data`` as UTF-8 text.

    Raises:
        PatchApplyError: ``data`` holds a NUL byte or is not valid UTF-8 (binary or another encoding).
    """
    refused = PatchApplyError(f"{display} is not a UTF-8 text file; apply_patch edits text files only")
    if b"\x00" in data:
        raise refused
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise refused from None


# --- planning -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """One file identity followed through the patch (a move keeps the identity)."""

    origin: Path | None  # where the file was before the patch; None: created by the patch
    original: str | None
    text: str | None  # None once deleted
    path: Path
    basis: ChangeBasis = ChangeBasis.EDIT


class _Planner:
    def __init__(self, cwd: Path, fs: FileSystem) -> None:
        self.cwd = cwd
        self.fs = fs
        self.entries: list[_Entry] = []
        self.live: dict[Path, _Entry] = {}  # current path -> the file there (files touched so far)
        self.gone: set[Path] = set()  # paths emptied by this patch (deleted or moved away)

    def show(self, path: Path) -> str:
        return display_path(path, self.cwd)

    def resolve(self, raw: str) -> Path:
        return Path(os.path.normpath(self.cwd / raw))

    def exists(self, path: Path) -> bool:
        if path in self.live:
            return True
        return path not in self.gone and self.fs.exists(path)

    def existing(self, path: Path, verb: str) -> _Entry:
        entry = self.live.get(path)
        if entry is not None:
            return entry
        name = self.show(path)
        if path in self.gone:
            raise PatchApplyError(f"cannot {verb} {name}: it was deleted or moved earlier in this patch")
        if self.fs.is_dir(path):
            raise PatchApplyError(f"cannot {verb} {name}: it is a directory; apply_patch edits files only")
        try:
            data = self.fs.read_bytes(path)
        except FileNotFoundError:
            hint = f" (use '*** Add File: {name}' to create it)" if verb == "update" else ""
            raise PatchApplyError(f"cannot {verb} {name}: the file does not exist{hint}") from None
        except OSError as exc:
            raise PatchApplyError(f"cannot {verb} {name}: {exc.strerror or exc}") from exc
        text = decode_text(data, name)
        entry = _Entry(origin=path, original=text, text=text, path=path)
        self.entries.append(entry)
        self.live[path] = entry
        return entry

    def check_creatable(self, path: Path, what: str) -> None:
        name = self.show(path)
        if self.exists(path):
            kind = "a directory" if path not in self.live and self.fs.is_dir(path) else "a file"
            raise PatchApplyError(
                f"cannot {what} {name}: {kind} already exists there"
                + (f" (use '*** Update File: {name}' to change it)" if kind == "a file" else "")
            )
        parent = path.parent
        while parent != parent.parent and not self.exists(parent):
            parent = parent.parent
        if parent in self.live or (self.exists(parent) and not self.fs.is_dir(parent)):
            raise PatchApplyError(f"cannot {what} {name}: {self.show(parent)} is a file, not a directory")

    def overwritable(self, path: Path) -> bool:
        """Whether ``path`` holds a file (not a directory) an Add or a Move may overwrite, as Codex does."""
        return path in self.live or (path not in self.gone and self.fs.exists(path) and not self.fs.is_dir(path))

    def overwrite(self, path: Path, text: str, verb: str) -> None:
        """Replace the whole text of the file at ``path`` (an update of it, with its old text kept)."""
        entry = self.existing(path, verb)
        entry.text = text
        if entry.origin is not None:
            entry.basis = ChangeBasis.REPLACE

    def add(self, hunk: AddFile) -> None:
        path = self.resolve(hunk.path)
        if self.overwritable(path):
            self.overwrite(path, hunk.contents, "overwrite")
            return
        self.check_creatable(path, "add")
        entry = _Entry(origin=None, original=None, text=hunk.contents, path=path)
        self.entries.append(entry)
        self.live[path] = entry
        self.gone.discard(path)

    def delete(self, hunk: DeleteFile) -> None:
        path = self.resolve(hunk.path)
        entry = self.existing(path, "delete")
        entry.text = None
        del self.live[path]
        self.gone.add(path)

    def update(self, hunk: UpdateFile) -> None:
        path = self.resolve(hunk.path)
        entry = self.existing(path, "update")
        assert entry.text is not None
        new_text = apply_chunks(entry.text, hunk.chunks, self.show(path)) if hunk.chunks else entry.text
        if hunk.move_to is not None:
            target = self.resolve(hunk.move_to)
            if target != path and self.overwritable(target):  # Codex overwrites: the target is updated,
                self.overwrite(target, new_text, f"move {self.show(path)} onto")  # the source deleted
                entry.text = None
                del self.live[path]
                self.gone.add(path)
                return
            if target != path:
                self.check_creatable(target, f"move {self.show(path)} to")
                del self.live[path]
                self.gone.add(path)
                self.gone.discard(target)
                self.live[target] = entry
                entry.path = target
        entry.text = new_text

    def changes(self) -> list[FileChange]:
        changes: list[FileChange] = []
        for e in self.entries:
            if e.origin is None:
                if e.text is not None:
                    changes.append(FileChange(e.path, FileOp.ADD, None, e.text))
            elif e.text is None:
                changes.append(FileChange(e.origin, FileOp.DELETE, e.original, None))
            else:
                move = e.path if e.path != e.origin else None
                changes.append(FileChange(e.origin, FileOp.UPDATE, e.original, e.text, move, e.basis))
        # a file deleted and then added again is an update of that file
        deleted = {c.path: i for i, c in enumerate(changes) if c.kind is FileOp.DELETE}
        merged: list[FileChange | None] = list(changes)
        for i, c in enumerate(changes):
            if c.kind is FileOp.ADD and c.path in deleted:
                j = deleted[c.path]
                merged[j] = FileChange(c.path, FileOp.UPDATE, changes[j].old_text, c.new_text)
                merged[i] = None
        return [c for c in merged if c is not None]


def _absolute(cwd: Path) -> Path:
    return Path(os.path.normpath(Path(cwd).absolute()))


def plan_patch(patch: Patch, cwd: Path, fs: FileSystem) -> list[FileChange]:
    """Compute every file change of ``patch`` without writing anything (format: Codex apply_patch grammar).

    Paths are resolved against ``cwd`` (absolute paths are taken as they are). File operations apply
    in order, each seeing the result of the previous ones (two Updates of one file apply in
    sequence); the result has one change per file, in the order files were first touched (a file
    deleted and added again becomes one UPDATE).

    Args:
        patch: the parsed patch.
        cwd: the directory relative paths are resolved against.
        fs: what to read (the disk, or live editor buffers).

    Returns:
        The changes, with absolute paths.

    ``*** Add File`` onto an existing file, and ``*** Move to`` onto one, overwrite it as Codex does
    (docs/reference-facts.md §2): the result is an UPDATE of that file (its old text kept,
    so the diff, the checkpoint and undo have it) with ``basis`` ``REPLACE``; a move onto a file is that
    UPDATE plus a DELETE of the source.

    Raises:
        PatchApplyError: adding onto a directory, updating/deleting a missing file, a directory or a
            non-UTF-8/binary file, overwriting a non-UTF-8/binary file, context not found, or an
            unreadable file. The message names the file.
    """
    planner = _Planner(_absolute(cwd), fs)
    for hunk in patch.hunks:
        if isinstance(hunk, AddFile):
            planner.add(hunk)
        elif isinstance(hunk, DeleteFile):
            planner.delete(hunk)
        else:
            planner.update(hunk)
    changes = planner.changes()
    for change in changes:  # every new content must be writable as UTF-8 before any file is touched
        if change.new_text is not None:
            encode_text(change.new_text, planner.show(change.move_path or change.path))
    return changes


def encode_text(text: str, display: str) -> bytes:
    """``text`` as UTF-8 bytes.

    Raises:
        PatchApplyError: ``text`` holds a lone surrogate (a patch read from non-UTF-8 input, or a JSON
            ``\\udcXX`` escape) and so is no UTF-8 text.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PatchApplyError(
            f"the new content of {display} is not valid UTF-8 text (character {exc.start}); nothing was changed"
        ) from None


def apply_patch(text: str, cwd: Path, fs: DiskFileSystem | None = None) -> PatchResult:
    """Parse, plan and commit a patch to disk (format: Codex apply_patch grammar).

    Args:
        text: the patch text.
        cwd: the directory relative paths are resolved against.
        fs: the disk to use (a new :class:`DiskFileSystem` when None).

    Returns:
        The committed changes; ``result.summary()`` is Codex's success text.

    Raises:
        PatchParseError: the text is not a valid patch (nothing written).
        PatchApplyError: the patch does not apply or a write failed (nothing written / all rolled back).
    """
    disk = fs or DiskFileSystem()
    root = _absolute(cwd)
    changes = plan_patch(parse_patch(text), root, disk)
    commit_changes(changes, disk)
    return PatchResult(changes, root)


# --- commit ------------------------------------------------------------------------------------


def _verify_unchanged(changes: Sequence[FileChange], fs: DiskFileSystem) -> None:
    """Refuse to commit over files that changed on disk since the plan read them."""
    emptied = {c.path for c in changes if c.kind is FileOp.DELETE or c.move_path is not None}
    for c in changes:
        if c.old_text is not None:
            try:
                current = fs.read_bytes(c.path)
            except FileNotFoundError:
                raise PatchApplyError(f"{c.path} no longer exists; nothing was changed") from None
            except OSError as exc:
                raise PatchApplyError(f"cannot read {c.path}: {exc.strerror or exc}; nothing was changed") from exc
            if current != c.old_text.encode("utf-8"):
                raise PatchApplyError(
                    f"{c.path} changed on disk after the patch was planned; nothing was "
                    "changed (read the file again and redo the patch)"
                )
        target = c.move_path if c.move_path is not None else c.path if c.kind is FileOp.ADD else None
        if target is not None and target not in emptied and fs.exists(target):
            raise PatchApplyError(f"{target} already exists; nothing was changed")


def commit_changes(changes: Sequence[FileChange], fs: DiskFileSystem) -> None:
    """Write planned ``changes`` to disk, all or nothing.

    First checks that every file still holds the ``old_text`` the plan read (and that files to
    create do not exist); then removes deleted files and move sources, then writes every new
    content to a temporary file in the target's directory and renames it over the target
    (creating missing parent directories; an updated or moved file keeps its permission bits).
    On any failure everything already done is undone (originals restored, created files and
    directories removed) before the error is raised.

    Args:
        changes: what :func:`plan_patch` returned (or a subset, e.g. after hunk selection).
        fs: the disk.

    Raises:
        PatchApplyError: a file changed since planning, or a write failed; the disk is as before
            (the message says if restoring some file failed too).
    """
    _verify_unchanged(changes, fs)
    contents = {  # encoded before anything is written: a content that is no UTF-8 changes nothing
        id(c): encode_text(c.new_text, str(c.move_path or c.path)) for c in changes if c.new_text is not None
    }
    modes = {c.path: fs.file_mode(c.path) for c in changes if c.kind is FileOp.UPDATE}
    tx = fs.transaction()
    current: Path | None = None
    try:
        for c in changes:
            if c.kind is FileOp.DELETE or c.move_path is not None:
                current = c.path
                tx.remove(c.path)
        for c in changes:
            if c.new_text is not None:
                current = c.move_path or c.path
                tx.write(current, contents[id(c)], modes.get(c.path))
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL byte in a path
        failures = tx.rollback()
        message = f"could not write {current}: {getattr(exc, 'strerror', None) or exc}; "
        if failures:
            message += "rolling back failed for: " + "; ".join(failures)
        else:
            message += "no file was changed (everything done so far was rolled back)"
        raise PatchApplyError(message) from exc
