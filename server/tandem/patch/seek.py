"""Finding an Update chunk's lines in a file and applying the chunks to the file's text.

Format: Codex apply_patch matching rules (docs/reference-facts.md §2). :func:`seek_sequence` makes four
passes, each over every candidate position before the next pass starts, so an exact match always
wins over a fuzzy one:

1. exact;
2. ignoring trailing whitespace;
3. ignoring leading and trailing whitespace;
4. as 3, with Unicode punctuation normalised to ASCII (dashes, quotes, non-breaking and other
   special spaces), because models often retype ``'`` for ``’`` or ``-`` for ``–``.

:func:`apply_chunks` applies a file's chunks with these text rules:

* line breaks: a file whose line breaks are mostly CRLF gets CRLF on the lines the patch adds;
  lines the patch does not change (its context included) keep their own line breaks and text —
  a fuzzy match never rewrites a context line; a UTF-8 byte-order mark is kept;
* trailing newline: the file keeps its final-newline state in every case. A file that ended
  without a newline still does after the patch, even when an ``*** End of File`` chunk rewrote
  its last line or added lines after it; a file that ended with one keeps it; an empty file
  counts as ending with one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tandem.errors import PatchApplyError
from tandem.patch.parser import UpdateChunk

_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\uff07", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\uff02", '"'),
        **dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    }
)


def normalise_punctuation(line: str) -> str:
    """``line`` stripped, with typographic dashes, quotes and special spaces mapped to ASCII."""
    return line.strip().translate(_PUNCTUATION).strip()


_PASSES: tuple[Callable[[str], str], ...] = (
    lambda line: line,
    str.rstrip,
    str.strip,
    normalise_punctuation,
)


def seek_sequence(lines: Sequence[str], pattern: Sequence[str], start: int, eof: bool) -> int | None:
    """Find ``pattern`` in ``lines`` at or after index ``start``.

    Args:
        lines: the file's lines, without line terminators.
        pattern: the lines to find, without line terminators.
        start: first index a match may begin at (0-based).
        eof: the pattern must end at the last line (``*** End of File``): only that position is tried.

    Returns:
        The 0-based index where ``pattern`` begins, or None. An empty pattern matches at ``start``
        (at ``len(lines)`` when ``eof``). Earlier passes win over later ones; within a pass the first
        position wins.
    """
    if not pattern:
        return len(lines) if eof else start
    last = len(lines) - len(pattern)
    if last < start:
        return None
    positions = range(last, last + 1) if eof else range(start, last + 1)
    for normalise in _PASSES:
        wanted = [normalise(line) for line in pattern]
        cache: dict[int, str] = {}

        def at(index: int, normalise: Callable[[str], str] = normalise, cache: dict[int, str] = cache) -> str:
            value = cache.get(index)
            if value is None:
                value = cache[index] = normalise(lines[index])
            return value

        for pos in positions:
            if all(at(pos + k) == wanted[k] for k in range(len(wanted))):
                return pos
    return None


# --- applying chunks -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Lines:
    bom: str
    lines: list[str]
    endings: list[str]  # "\n", "\r\n", or "" for a last line without a newline
    eol: str
    final_newline: bool


def _split(text: str) -> _Lines:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    parts = text[len(bom) :].split("\n")
    tail = parts.pop()
    lines = [p[:-1] if p.endswith("\r") else p for p in parts]
    endings = ["\r\n" if p.endswith("\r") else "\n" for p in parts]
    if tail:
        lines.append(tail)
        endings.append("")
    crlf = endings.count("\r\n")
    return _Lines(bom, lines, endings, "\r\n" if crlf > len(parts) - crlf else "\n", not tail)


def _locate(
    lines: list[str], chunk: UpdateChunk, start: int, anchor: int | None
) -> tuple[int, tuple[str, ...], tuple[str, ...]] | None:
    """(index, old lines, new lines) for ``chunk`` (minus a trailing blank context line when only that
    makes it match), or None when its lines are not found."""
    old, new = chunk.old_lines, chunk.new_lines
    while True:
        found = seek_sequence(lines, old, start, chunk.is_end_of_file)
        if found is None and anchor is not None:  # the anchor line may also be the chunk's first line
            found = seek_sequence(lines, old, anchor, chunk.is_end_of_file)
        if found is not None:
            return found, old, new
        if not old or old[-1] != "":
            return None
        # a trailing empty context line is often just a blank line before the next '@@': retry without it
        old = old[:-1]
        new = new[:-1] if new and new[-1] == "" else new


def apply_chunks(text: str, chunks: Sequence[UpdateChunk], display: str) -> str:
    """Apply Update chunks (format: Codex apply_patch grammar) to ``text`` in order.

    Each chunk is searched after the previous chunk's match: first its ``@@`` anchors, one after
    the other, then its old lines (lenient matching, see :mod:`tandem.patch.seek`). A chunk with no
    old lines inserts right after its last anchor, or at the end of the file without one.

    Args:
        text: the file's current text.
        chunks: the chunks of one ``*** Update File`` section.
        display: the file's name as shown in error messages.

    Returns:
        The new text (line-break and trailing-newline rules: see the module docstring).

    Raises:
        PatchApplyError: an anchor or a chunk's lines are not in the file (the message names the file
            and shows the missing lines, like Codex: ``Failed to find expected lines in a.py:``).
    """
    src = _split(text)
    lines = src.lines
    replacements: list[tuple[int, int, list[tuple[str, str]]]] = []  # (start, old count, new lines+endings)
    index = 0
    for chunk in chunks:
        anchor: int | None = None
        for context in chunk.change_context:
            found = seek_sequence(lines, [context], index, False)
            if found is None:
                raise PatchApplyError(f"Failed to find context '{context}' in {display}")
            anchor, index = found, found + 1
        if not chunk.old_lines:
            at = index if anchor is not None and not chunk.is_end_of_file else len(lines)
            replacements.append((at, 0, [(line, src.eol) for line in chunk.new_lines]))
            index = at
            continue
        located = _locate(lines, chunk, index, anchor)
        if located is None:
            where = " at the end of the file" if chunk.is_end_of_file else ""
            raise PatchApplyError(f"Failed to find expected lines in {display}{where}:\n" + "\n".join(chunk.old_lines))
        start, old, new = located
        replacements.append((start, len(old), _replacement(src, start, old, new)))
        index = start + len(old)
    out: list[tuple[str, str]] = []
    pos = 0
    for start, count, new_lines in replacements:
        out += zip(lines[pos:start], src.endings[pos:start], strict=True)
        out += new_lines
        pos = start + count
    out += zip(lines[pos:], src.endings[pos:], strict=True)
    ends = [end or src.eol for _, end in out]
    if ends and not src.final_newline:
        ends[-1] = ""
    return src.bom + "".join(line + end for (line, _), end in zip(out, ends, strict=True))


def _replacement(src: _Lines, start: int, old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[str, str]]:
    """The lines (with endings) replacing ``old`` found at ``start``: lines the chunk keeps (its
    context) stay exactly as they are in the file, so a fuzzy match never rewrites them; added lines
    get the file's line break."""
    result: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result += zip(src.lines[start + i1 : start + i2], src.endings[start + i1 : start + i2], strict=True)
        else:
            result += [(line, src.eol) for line in new[j1:j2]]
    return result
