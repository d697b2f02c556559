"""Parse apply_patch text into file hunks.

Format: Codex apply_patch grammar (docs/reference-facts.md §2; the Lark form is ``apply_patch.lark``)::

    *** Begin Patch
    *** Add File: path          every following line is "+text"
    *** Delete File: path
    *** Update File: path
    *** Move to: new/path       optional
    @@ optional anchor line     then " context", "-removed", "+added" lines
    *** End of File             optional: the chunk must match at the end of the file
    *** End Patch

Leniencies (models produce these): a heredoc wrapper (``<<'EOF'`` ... ``EOF``, also with
``apply_patch``/``applypatch`` in front), ``***`` marker lines padded with whitespace, CRLF line
breaks, blank lines around the patch and between file operations, the first chunk of an Update
without its ``@@`` line, an empty line inside a chunk (an empty context line) and unified-diff
range headers (``@@ -3,4 +3,5 @@ def f():`` counts as ``@@ def f():``). An ``@@`` line must start
at column 0: `` @@ x`` is a context line whose text is ``@@ x``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tandem.errors import PatchParseError

BEGIN_PATCH = "*** Begin Patch"
END_PATCH = "*** End Patch"
ADD_FILE = "*** Add File:"
DELETE_FILE = "*** Delete File:"
UPDATE_FILE = "*** Update File:"
MOVE_TO = "*** Move to:"
END_OF_FILE = "*** End of File"

_HEREDOC_START = re.compile(r"^(?:(?:apply_patch|applypatch)\s+)?<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1$")
_RANGE_HEADER = re.compile(r"^-\d+(?:,\d+)?\s+\+\d+(?:,\d+)?\s+@@(?:\s+(.*))?$")
_HEADERS = (ADD_FILE, DELETE_FILE, UPDATE_FILE)


@dataclass(frozen=True, slots=True)
class AddFile:
    """``*** Add File: path``: create ``path`` with ``contents`` (each line ends with "\\n")."""

    path: str
    contents: str


@dataclass(frozen=True, slots=True)
class DeleteFile:
    """``*** Delete File: path``: remove the file."""

    path: str


@dataclass(frozen=True, slots=True)
class UpdateChunk:
    """One ``@@`` chunk of an Update.

    Attributes:
        change_context: the ``@@ <line>`` anchors in order (each narrows the search); ``()`` for a bare ``@@``.
        old_lines: context and removed lines, in file order (what must be found).
        new_lines: context and added lines, in file order (what replaces it).
        is_end_of_file: the chunk ended with ``*** End of File``: it must match at the end of the file.
    """

    change_context: tuple[str, ...]
    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]
    is_end_of_file: bool


@dataclass(frozen=True, slots=True)
class UpdateFile:
    """``*** Update File: path`` [``*** Move to: move_to``] followed by its chunks (possibly none for a pure move)."""

    path: str
    move_to: str | None
    chunks: tuple[UpdateChunk, ...]


FileHunk = AddFile | DeleteFile | UpdateFile


@dataclass(frozen=True, slots=True)
class Patch:
    """A parsed patch: the file operations in the order they appear."""

    hunks: tuple[FileHunk, ...]


@dataclass(slots=True)
class _ChunkBuilder:
    context: list[str]
    old: list[str]
    new: list[str]

    def has_lines(self) -> bool:
        return bool(self.old or self.new)

    def is_blank(self) -> bool:
        """Only empty context lines and no anchor (e.g. blank lines before the next '@@'): nothing to do."""
        return not self.context and self.old == self.new and all(not line.strip() for line in self.old)

    def build(self, eof: bool) -> UpdateChunk:
        return UpdateChunk(tuple(self.context), tuple(self.old), tuple(self.new), eof)


def _split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _quote(line: str, limit: int = 80) -> str:
    return repr(line if len(line) <= limit else line[:limit] + "...")


def _header_of(line: str) -> str | None:
    stripped = line.strip()
    for header in _HEADERS:
        if stripped.startswith(header):
            return header
    return None


class _Parser:
    """Line cursor over the patch body; ``numbers[i]`` is the 1-based line number in the original text."""

    def __init__(self, lines: list[str], numbers: list[int]) -> None:
        self.lines = lines
        self.numbers = numbers
        self.i = 0

    def error(self, message: str, index: int | None = None) -> PatchParseError:
        at = self.i if index is None else index
        return PatchParseError(message, self.numbers[at] if at < len(self.numbers) else None)

    def at_boundary(self) -> bool:
        """The cursor is on a file header or on ``*** End Patch``."""
        line = self.lines[self.i]
        return _header_of(line) is not None or line.strip() == END_PATCH

    def path_after(self, header: str) -> str:
        path = self.lines[self.i].strip()[len(header) :].strip()
        if not path:
            raise self.error(f"'{header}' needs a path after it, e.g. '{header} src/app.py'")
        if "\0" in path:
            raise self.error(f"the path after '{header}' contains a NUL byte (\\0); no file path can contain one")
        return path

    def parse_hunks(self) -> tuple[FileHunk, ...]:
        hunks: list[FileHunk] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            header = _header_of(line)
            if header == ADD_FILE:
                hunks.append(self.parse_add())
            elif header == DELETE_FILE:
                hunks.append(DeleteFile(self.path_after(DELETE_FILE)))
                self.i += 1
            elif header == UPDATE_FILE:
                hunks.append(self.parse_update())
            elif not line.strip():
                self.i += 1  # blank lines between file operations are harmless
            elif line.strip() == END_PATCH:
                raise self.error(
                    f"'{END_PATCH}' must be the last line; found {_quote(self.lines[self.i + 1])} after it"
                    if self.i + 1 < len(self.lines)
                    else f"'{END_PATCH}' appears twice"
                )
            else:
                raise self.error(
                    f"unexpected line {_quote(line)}: expected '*** Add File: <path>', "
                    "'*** Delete File: <path>', '*** Update File: <path>' or '*** End Patch'"
                )
        if not hunks:
            raise PatchParseError(
                "the patch contains no file operations: add '*** Add File: <path>', "
                "'*** Delete File: <path>' or '*** Update File: <path>' sections"
            )
        return tuple(hunks)

    def parse_add(self) -> AddFile:
        path = self.path_after(ADD_FILE)
        self.i += 1
        contents: list[str] = []
        while self.i < len(self.lines) and not self.at_boundary():
            line = self.lines[self.i]
            if not line.startswith("+"):
                raise self.error(
                    f"unexpected line {_quote(line)} in '*** Add File: {path}': every line of an "
                    "added file must start with '+' (write '+' alone for an empty line)"
                )
            contents.append(line[1:] + "\n")
            self.i += 1
        return AddFile(path, "".join(contents))

    def parse_update(self) -> UpdateFile:
        header_index = self.i
        path = self.path_after(UPDATE_FILE)
        self.i += 1
        move_to: str | None = None
        if self.i < len(self.lines) and self.lines[self.i].strip().startswith(MOVE_TO):
            move_to = self.path_after(MOVE_TO)
            self.i += 1
        chunks = self.parse_chunks(path)
        if move_to is None and not any(c.old_lines != c.new_lines for c in chunks):
            raise self.error(
                f"'*** Update File: {path}' has no changes: give at least one chunk with "
                "'-' or '+' lines (or a '*** Move to: <path>' line)",
                header_index,
            )
        return UpdateFile(path, move_to, chunks)

    def parse_chunks(self, path: str) -> tuple[UpdateChunk, ...]:
        chunks: list[UpdateChunk] = []
        current: _ChunkBuilder | None = None
        current_start = self.i
        while self.i < len(self.lines) and not self.at_boundary():
            line = self.lines[self.i]
            stripped = line.strip()
            anchor = self._anchor(line)
            if anchor is not None:
                if current is not None and current.has_lines():
                    if not current.is_blank():
                        chunks.append(current.build(False))
                    current = None
                if current is None:
                    current, current_start = _ChunkBuilder([], [], []), self.i
                if anchor:
                    current.context.append(anchor)
            elif stripped == END_OF_FILE:
                if current is None or not current.has_lines():
                    raise self.error(f"'*** End of File' in '*** Update File: {path}' must follow a chunk's lines")
                chunks.append(current.build(True))
                current = None
            elif current is None and chunks and not stripped:
                pass  # blank lines after '*** End of File'
            else:
                if current is None:
                    if chunks:
                        raise self.error(
                            f"unexpected line {_quote(line)} after '*** End of File' in "
                            f"'*** Update File: {path}': start a new chunk with '@@'"
                        )
                    current, current_start = _ChunkBuilder([], [], []), self.i
                self._add_line(current, line, path)
            self.i += 1
        if current is not None and current.has_lines() and current.is_blank():
            current = None  # only blank lines (e.g. before the next file operation)
        if current is not None:
            if not current.has_lines():
                raise self.error(
                    f"the '@@' chunk in '*** Update File: {path}' has no lines: add context "
                    "(' '), removed ('-') or added ('+') lines after it",
                    current_start,
                )
            chunks.append(current.build(False))
        return tuple(chunks)

    @staticmethod
    def _anchor(line: str) -> str | None:
        """The anchor text of an ``@@`` line ("" for a bare ``@@``), or None when it is not one."""
        if line.rstrip() == "@@":
            return ""
        if not line.startswith("@@ "):
            return None  # " @@ x" is a context line whose text is "@@ x"
        text = line[3:].strip()
        ranged = _RANGE_HEADER.match(text)
        return (ranged.group(1) or "").strip() if ranged else text

    def _add_line(self, chunk: _ChunkBuilder, line: str, path: str) -> None:
        if line == "":
            chunk.old.append("")
            chunk.new.append("")
            return
        marker, text = line[0], line[1:]
        if marker == " ":
            chunk.old.append(text)
            chunk.new.append(text)
        elif marker == "-":
            chunk.old.append(text)
        elif marker == "+":
            chunk.new.append(text)
        elif not line.strip():
            chunk.old.append("")  # a whitespace-only line: an empty context line
            chunk.new.append("")
        elif line.startswith("***"):
            raise self.error(
                f"unexpected marker {_quote(line)} in '*** Update File: {path}': expected '@@', "
                "a change line, '*** End of File' or the next file operation"
            )
        else:
            raise self.error(
                f"unexpected line {_quote(line)} in update hunk for '{path}': lines must start "
                "with ' ' (context), '+' (added) or '-' (removed)"
            )


def _unwrap(lines: list[str], numbers: list[int]) -> tuple[list[str], list[int]]:
    """Drop surrounding blank lines and a heredoc wrapper (``<<'EOF'`` ... ``EOF``)."""
    while lines and not lines[0].strip():
        lines, numbers = lines[1:], numbers[1:]
    while lines and not lines[-1].strip():
        lines, numbers = lines[:-1], numbers[:-1]
    if len(lines) >= 2:
        start = _HEREDOC_START.match(lines[0].strip())
        if start and lines[-1].strip() == start.group(2):
            return _unwrap(lines[1:-1], numbers[1:-1])
    return lines, numbers


def parse_patch(text: str) -> Patch:
    """Parse apply_patch text (format: Codex apply_patch grammar) into a :class:`Patch`.

    Args:
        text: the whole patch, from ``*** Begin Patch`` to ``*** End Patch`` (LF or CRLF line breaks;
            a heredoc wrapper and whitespace around marker lines are tolerated).

    Returns:
        The file operations in order. Paths are returned as written (resolved later by the applier).

    Raises:
        PatchParseError: the text does not follow the grammar; the message says what to change and
            ``line_number`` is the 1-based line of ``text`` at fault (when known).
    """
    raw = _split_lines(text)
    lines, numbers = _unwrap(raw, list(range(1, len(raw) + 1)))
    if not lines:
        raise PatchParseError("the patch is empty: it must start with '*** Begin Patch' and end with '*** End Patch'")
    if lines[0].strip() != BEGIN_PATCH:
        raise PatchParseError(f"'{BEGIN_PATCH}' must be the first line (found {_quote(lines[0])})", numbers[0])
    if lines[-1].strip() != END_PATCH:
        early = next((k for k, line in enumerate(lines) if line.strip() == END_PATCH), None)
        if early is not None:
            raise PatchParseError(
                f"'{END_PATCH}' must be the last line; found {_quote(lines[early + 1])} after it", numbers[early + 1]
            )
        raise PatchParseError(
            f"the patch must end with '{END_PATCH}' (the last line is {_quote(lines[-1])})", numbers[-1]
        )
    body = _Parser(lines[1:-1], numbers[1:-1])
    if not body.lines:
        raise PatchParseError(
            "the patch contains no file operations: add '*** Add File: <path>', "
            "'*** Delete File: <path>' or '*** Update File: <path>' sections",
            numbers[0],
        )
    return Patch(body.parse_hunks())
