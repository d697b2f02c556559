"""Known-safe (read-only) commands that may run without asking under the ``untrusted`` policy.

List and per-command rules: reference-facts §3 (after Codex's ``is_known_safe_command``). This
classifier is deliberately conservative: it accepts one simple command, or a ``bash -lc``
wrapper around one, written with plain words only. Anything containing shell syntax (chains,
pipes, redirections, substitutions) or unquoted glob/brace/escape characters is "not known safe",
which means "ask" — never "skip the sandbox". Words are judged before bash would expand them, so
characters that change a word after expansion (``* ? [ { \\ $ ~``) are refused outright.
"""

from __future__ import annotations

import shlex

_ALWAYS_SAFE = frozenset({
    "cat", "cd", "cut", "echo", "expr", "false", "grep", "head", "id", "ls", "nl", "paste", "pwd",
    "rev", "seq", "stat", "tail", "tr", "true", "uname", "uniq", "wc", "which", "whoami",
})
_SHELL_SYNTAX = frozenset(";&|<>`$(){}*?[]\\~!\n#")
_UNSAFE_FIND_OPTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint",
                                  "-fprint0", "-fprintf"})
_UNSAFE_RG_OPTIONS = ("--pre", "--hostname-bin", "--search-zip", "-z")
_SAFE_GIT = frozenset({"status", "log", "diff", "show", "branch"})
_UNSAFE_GIT_OPTIONS = ("--output", "--ext-diff", "-c", "--exec-path")


def _words(command: str) -> list[str] | None:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = list(lexer)
    except ValueError:
        return None
    return words or None


def _plain(command: str) -> bool:
    """No shell syntax outside single/double quotes (quoted text cannot expand except ``$``/backtick)."""
    quote = ""
    for char in command:
        if quote:
            if char == quote:
                quote = ""
            elif quote == '"' and char in "$`\\":
                return False
            continue
        if char in "'\"":
            quote = char
        elif char in _SHELL_SYNTAX:
            return False
    return not quote


def _safe_words(words: list[str]) -> bool:
    program, args = words[0].rsplit("/", 1)[-1], words[1:]
    if program in _ALWAYS_SAFE:
        return True
    if program == "find":
        return not any(arg in _UNSAFE_FIND_OPTIONS for arg in args)
    if program == "rg":
        return not any(arg.startswith(_UNSAFE_RG_OPTIONS) for arg in args)
    if program == "git":
        if not args or args[0] not in _SAFE_GIT:
            return False
        return not any(arg == opt or arg.startswith(opt + "=") for arg in args for opt in _UNSAFE_GIT_OPTIONS)
    if program == "sed":
        return len(args) in (2, 3) and args[0] == "-n" and _is_print_range(args[1])
    return False


def _is_print_range(expr: str) -> bool:
    if not expr.endswith("p"):
        return False
    parts = expr[:-1].split(",")
    return 1 <= len(parts) <= 2 and all(part.isdigit() for part in parts)


def is_known_safe(command: str) -> bool:
    """Whether ``command`` (a shell command line) is a known read-only command.

    ``bash -lc '<cmd>'`` / ``bash -c`` / ``sh -c`` wrappers are unwrapped once.
    """
    words = _words(command)
    if not words:
        return False
    if len(words) == 3 and words[0] in ("bash", "sh", "zsh") and words[1] in ("-c", "-lc"):
        inner = _words(words[2])
        return _plain(words[2]) and inner is not None and _safe_words(inner)
    return _plain(command) and _safe_words(words)
