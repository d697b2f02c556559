"""Recognise an apply_patch call made through the shell tool.

Models trained on Codex often run the patch as a shell command instead of calling the
``apply_patch`` tool; there is no such program, so the shell tool intercepts these forms and
applies the patch itself (docs/reference-facts.md §2):

* ``apply_patch <<'EOF'`` / ``<<"EOF"`` / ``<<EOF`` ... ``EOF`` (also ``applypatch``, any delimiter word);
* the same after ``cd <dir> &&`` (the patch's paths are relative to ``<dir>``);
* either of those inside ``bash -lc "<script>"`` / ``bash -c '<script>'`` (also ``sh``, ``zsh``);
* ``apply_patch "<patch text>"`` (the patch as a single quoted argument), optionally after ``cd <dir> &&``.

Anything else — including ``apply_patch`` followed by more commands — is not intercepted. The
heredoc body is taken literally (no ``$`` expansion even for ``<<EOF``), as the model meant it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMANDS = ("apply_patch", "applypatch")
_SHELLS = ("bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh")
_HEREDOC = re.compile(r"(?:apply_patch|applypatch)[ \t]+<<(-?)[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_SHELL_FLAG = re.compile(r"-[a-zA-Z]+|--login|--noprofile|--norc")


@dataclass(frozen=True, slots=True)
class ShellPatch:
    """A patch found in a shell command.

    Attributes:
        patch: the patch text (format: Codex apply_patch grammar; not validated here).
        workdir: the directory given with ``cd <dir> &&`` (as written, possibly relative), or None.
    """

    patch: str
    workdir: str | None


def _words(text: str) -> list[str] | None:
    """Split a simple command into words like a POSIX shell does (quotes, backslashes; ``&&`` is a
    word of its own). None for anything more: unterminated quotes, other operators (``; | & < > ( )``),
    unquoted ``$`` or backquote expansions."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in " \t\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        if char == "&" and text.startswith("&&", i):
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            words.append("&&")
            i += 2
            continue
        if char in ";&|<>()$`":
            return None
        in_word = True
        if char == "'":
            end = text.find("'", i + 1)
            if end < 0:
                return None
            current.append(text[i + 1 : end])
            i = end + 1
        elif char == '"':
            i += 1
            while True:
                if i >= n:
                    return None
                char = text[i]
                if char == '"':
                    i += 1
                    break
                if char == "\\" and i + 1 < n and text[i + 1] in '"\\$`\n':
                    current.append("" if text[i + 1] == "\n" else text[i + 1])
                    i += 2
                    continue
                current.append(char)
                i += 1
        elif char == "\\":
            if i + 1 < n and text[i + 1] != "\n":
                current.append(text[i + 1])
            i += 2
        else:
            current.append(char)
            i += 1
    if in_word:
        words.append("".join(current))
    return words


def _cd_prefix(prefix: str) -> tuple[bool, str | None]:
    """(valid, workdir) for the text before the apply_patch command: "" or ``cd <dir> &&``."""
    if not prefix.strip():
        return True, None
    words = _words(prefix)
    if words is None or len(words) != 3 or words[0] != "cd" or words[2] != "&&":
        return False, None
    return True, words[1]


def _heredoc(command: str) -> ShellPatch | None:
    first_line, newline, rest = command.partition("\n")
    match = _HEREDOC.search(first_line)
    if match is None or not newline or first_line[match.end() :].strip():
        return None  # no heredoc, or more commands on its first line
    valid, workdir = _cd_prefix(first_line[: match.start()])
    if not valid:
        return None
    strip_tabs, delimiter = match.group(1) == "-", match.group(3)
    body: list[str] = []
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        line = line.removesuffix("\r")
        if (line.lstrip("\t") if strip_tabs else line) == delimiter:
            if any(after.strip() for after in lines[index + 1 :]):
                return None  # more commands after the heredoc
            return ShellPatch("\n".join(body) + "\n", workdir)
        body.append(line)
    return None


def _argument(command: str) -> ShellPatch | None:
    words = _words(command)
    if words is None:
        return None
    workdir: str | None = None
    if len(words) == 5 and words[0] == "cd" and words[2] == "&&":
        workdir, words = words[1], words[3:]
    if len(words) == 2 and words[0] in _COMMANDS and ("\n" in words[1] or words[1].strip().startswith("*** Begin")):
        return ShellPatch(words[1], workdir)
    return None


def _shell_script(command: str) -> str | None:
    """The script of ``bash -lc '<script>'`` (and similar), or None."""
    if not command.lstrip().startswith(tuple(_SHELLS)):
        return None
    words = _words(command)
    if not words or words[0] not in _SHELLS or len(words) < 3:
        return None
    flags = words[1:-1]
    if not all(_SHELL_FLAG.fullmatch(flag) for flag in flags) or not any(
        "c" in flag for flag in flags if not flag.startswith("--")
    ):
        return None
    return words[-1]


def extract_shell_patch(command: str) -> ShellPatch | None:
    """The patch a shell command applies with ``apply_patch``, or None when it is not such a command.

    Args:
        command: the shell command string as the model sent it (see the module docstring for the
            recognised forms).

    Returns:
        The patch text and the ``cd`` directory (None when the command has no ``cd <dir> &&``).
        The patch is not validated: an invalid one gets the parser's error, which helps the model.
    """
    text = command.strip()
    for _ in range(3):  # a shell wrapper, possibly around another wrapper
        found = _heredoc(text) or _argument(text)
        if found is not None:
            return found
        script = _shell_script(text)
        if script is None:
            return None
        text = script.strip()
    return None
