"""Parse a shell command line into plain simple commands, or say why it is not plain.

Approach: Codex's ``try_parse_word_only_commands_sequence`` (core/src/bash.rs): parse with
tree-sitter-bash and accept only a whitelist of node kinds — simple commands made of words, joined by
``&&``, ``||``, ``;``, ``|`` (or newlines). Everything else makes the line "not plain" (``None``):
substitutions, expansions (also inside double quotes), redirections, heredocs, subshells, groups,
``!``, ``&``, functions, loops, ``[[ ]]``, comments, process substitution, ``$'..\\n'``, syntax errors.

Extra rules measured here (docs/reference-facts.md §3): words are judged *before* bash expands them, so an
UNQUOTED word containing any of ``* ? [ ] { } \\ ~`` (glob, brace, escape, tilde) — or other shell
metacharacters tree-sitter might have folded into a word — is refused: ``find . {-delete,}`` and
``find . *`` (with a file named ``-delete``) look harmless and delete files. Adjacent nodes must be
separated by blanks (or joined without a gap inside one word), so a tree-sitter/bash disagreement about
word boundaries cannot smuggle an option past the classifier.

One level of ``bash -c '…'`` / ``bash -lc`` / ``sh -c`` / ``zsh -c`` (also ``/bin/…``, ``/usr/bin/…``) is
unwrapped by :func:`analyze`; the inner script is parsed with the same rules.

tree-sitter is imported lazily on first use so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

__all__ = ["ParseResult", "SimpleCommand", "analyze", "parse_command", "parse_plain"]

# Unquoted characters that bash would expand or interpret (glob, brace, escape, tilde, expansions, and
# metacharacters that should never survive inside a tree-sitter ``word``).
_UNQUOTED_FORBIDDEN = frozenset("*?[]{}\\~$`!#()<>;&|'\"\n\r\t ")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WORD_KINDS = frozenset({"word", "number", "string", "raw_string", "ansi_c_string", "concatenation"})
_SEQUENCE_OPERATORS = {"program": frozenset({";"}), "list": frozenset({"&&", "||"}), "pipeline": frozenset({"|"})}
_SHELLS = frozenset({"bash", "sh", "zsh"})
_SHELL_DIRS = ("", "/bin/", "/usr/bin/", "/usr/local/bin/")
_WRAPPER_FLAGS = frozenset({"-c", "-lc"})
_DQ_ESCAPABLE = frozenset('$`"\\')
# bash reserved words: tree-sitter parses some (`time`, `coproc`) as ordinary command names.
_RESERVED = frozenset(
    {
        "!",
        "case",
        "coproc",
        "do",
        "done",
        "elif",
        "else",
        "esac",
        "fi",
        "for",
        "function",
        "if",
        "in",
        "select",
        "then",
        "time",
        "until",
        "while",
        "{",
        "}",
        "[[",
        "]]",
    }
)


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One simple command: its words after quote removal and its leading ``NAME=value`` assignments.

    ``operator`` is what joins it to the previous command (``""`` for the first, else ``&&``, ``||``,
    ``;`` or ``|``; a newline counts as ``;``).
    """

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    operator: str = ""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Outcome of :func:`analyze`: the commands, or ``None`` with the reason it is not plain."""

    commands: tuple[SimpleCommand, ...] | None
    reason: str = ""
    wrapper: tuple[str, ...] | None = None  # e.g. ("bash", "-lc") when a wrapper was unwrapped

    @property
    def plain(self) -> bool:
        """Whether the line consists of plain simple commands only."""
        return self.commands is not None


class _NotPlain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_lock = threading.Lock()
_parser: Parser | None = None


def _get_parser() -> Parser:
    """The shared parser; the bash grammar is loaded on first use (not at import)."""
    global _parser
    if _parser is None:
        from tree_sitter import Language, Parser
        from tree_sitter_bash import language

        _parser = Parser(Language(language()))
    return _parser


def _parse_tree(source: bytes) -> Tree:
    with _lock:  # a tree_sitter.Parser is not safe to share between threads
        return _get_parser().parse(source)


def parse_plain(script: str) -> list[SimpleCommand] | None:
    """The simple commands of ``script`` (no wrapper unwrapping), or ``None`` when not plain."""
    commands, _ = _parse_script(script)
    return None if commands is None else list(commands)


def parse_command(command: str) -> list[SimpleCommand] | None:
    """Like :func:`parse_plain`, after unwrapping one ``bash -lc '…'``-style wrapper."""
    result = analyze(command)
    return None if result.commands is None else list(result.commands)


def analyze(command: str) -> ParseResult:
    """Parse ``command``, unwrapping one shell wrapper; the result carries a reason when not plain."""
    commands, reason = _parse_script(command)
    if commands is None:
        return ParseResult(None, reason)
    wrapper = _wrapper(commands)
    if wrapper is None:
        return ParseResult(commands)
    outer = commands[0]
    inner, reason = _parse_script(outer.argv[2])
    if inner is None:
        return ParseResult(None, f"inside {outer.argv[0]} {outer.argv[1]}: {reason}", wrapper)
    if outer.env:  # the wrapper's assignments are inherited by every inner command
        inner = tuple(SimpleCommand(c.argv, outer.env + c.env, c.operator) for c in inner)
    return ParseResult(inner, "", wrapper)


def _wrapper(commands: tuple[SimpleCommand, ...]) -> tuple[str, ...] | None:
    if len(commands) != 1 or len(commands[0].argv) != 3:
        return None
    shell, flag, _ = commands[0].argv
    directory, _, name = shell.rpartition("/")
    if name in _SHELLS and (directory + "/" if directory else "") in _SHELL_DIRS and flag in _WRAPPER_FLAGS:
        return (shell, flag)
    return None


def _parse_script(script: str) -> tuple[tuple[SimpleCommand, ...] | None, str]:
    if any(ord(ch) < 0x20 and ch not in "\t\n" for ch in script) or "\x7f" in script:
        return None, "control character"
    if not script.strip():
        return None, "empty command"
    try:
        source = script.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON
        return None, "not valid UTF-8"
    tree = _parse_tree(source)
    try:
        if tree.root_node.has_error:
            raise _NotPlain("syntax error")
        walker = _Walker(source)
        walker.sequence(tree.root_node, "")
    except _NotPlain as exc:
        return None, exc.reason
    if not walker.commands:
        return None, "empty command"
    return tuple(walker.commands), ""


class _Walker:
    """Collects :class:`SimpleCommand` objects; raises :class:`_NotPlain` on any other construct."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.commands: list[SimpleCommand] = []

    def text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8")

    def gap(self, start: int, end: int, allowed: str) -> str:
        """Text between two nodes; only blanks (and ``\\``-newline continuations) may be there."""
        gap = self.text(start, end).replace("\\\n", "")
        if any(ch not in allowed for ch in gap):
            raise _NotPlain(f"unexpected text {gap.strip()!r}")
        return gap

    def sequence(self, node: Node, operator: str) -> None:
        """``program`` / ``list`` / ``pipeline``: statements joined by allowed operators."""
        _check_node(node)
        allowed_ops = _SEQUENCE_OPERATORS.get(node.type)
        if allowed_ops is None:
            raise _NotPlain(f"{node.type} is not a plain command")
        pending: str | None = operator
        prev_end = node.start_byte if node.type != "program" else 0
        for child in node.children:
            _check_node(child)
            gap = self.gap(prev_end, child.start_byte, " \t\n")
            prev_end = child.end_byte
            if child.is_named and child.type in ("command", "list", "pipeline"):
                if pending is None:
                    if node.type != "program" or "\n" not in gap:
                        raise _NotPlain("commands without an operator between them")
                    pending = ";"
                if child.type == "command":
                    self.command(child, pending)
                else:
                    self.sequence(child, pending)
                pending = None
            elif not child.is_named and child.type in allowed_ops and pending is None:
                pending = child.type
            else:
                raise _NotPlain(_describe(child))
        end = len(self.source) if node.type == "program" else node.end_byte
        self.gap(prev_end, end, " \t\n")

    def command(self, node: Node, operator: str) -> None:
        """One simple command: assignments, then the name, then argument words."""
        env: list[tuple[str, str]] = []
        argv: list[str] = []
        prev_end = node.start_byte
        for child in node.children:
            _check_node(child)
            blanks = self.gap(prev_end, child.start_byte, " \t")
            if child.start_byte != node.start_byte and not blanks:  # `a\\<newline>b` is ONE word to bash
                raise _NotPlain("words not separated by blanks")
            prev_end = child.end_byte
            if child.type == "variable_assignment" and not argv:
                env.append(self.assignment(child))
            elif child.type == "command_name" and not argv:
                if child.named_child_count != 1 or len(child.children) != 1:
                    raise _NotPlain("unusual command name")
                argv.append(self.word(child.children[0]))
            elif child.is_named and child.type in _WORD_KINDS and argv:
                argv.append(self.word(child))
            else:
                raise _NotPlain(_describe(child))
        if not argv or not argv[0]:
            raise _NotPlain("assignment without a command" if env else "empty command name")
        # Reserved words, job specs (`%1` = `fg %1`) and `A=b` (an assignment to bash) are no command
        # names; refused even when quoted (conservative).
        if argv[0] in _RESERVED or argv[0].startswith("%") or "=" in argv[0]:
            raise _NotPlain(f"not plain: {argv[0]!r} is no ordinary command name")
        self.commands.append(SimpleCommand(tuple(argv), tuple(env), operator))

    def assignment(self, node: Node) -> tuple[str, str]:
        """``NAME=value`` before a command (``+=`` and arrays are refused)."""
        children = node.children
        if len(children) not in (2, 3) or children[0].type != "variable_name" or children[1].type != "=":
            raise _NotPlain(f"unusual assignment {self.text(node.start_byte, node.end_byte)!r}")
        name = self.text(children[0].start_byte, children[0].end_byte)
        if not _NAME_RE.match(name) or children[1].start_byte != children[0].end_byte:
            raise _NotPlain(f"unusual assignment name {name!r}")
        if len(children) == 2:
            return name, ""
        value = children[2]
        if value.start_byte != children[1].end_byte or value.type not in _WORD_KINDS:
            raise _NotPlain(_describe(value))
        return name, self.word(value)

    def word(self, node: Node) -> str:
        """The value of one word after quote removal; refuses anything bash would expand."""
        _check_node(node)
        raw = self.text(node.start_byte, node.end_byte)
        kind = node.type
        if kind in ("word", "number"):
            if node.child_count or not raw or any(ch in _UNQUOTED_FORBIDDEN for ch in raw):
                raise _NotPlain(f"unquoted special characters in {raw!r}")
            return raw
        if kind == "raw_string":
            if len(raw) < 2 or raw[0] != "'" or raw[-1] != "'":
                raise _NotPlain(f"unusual quoting {raw!r}")
            return raw[1:-1]
        if kind == "ansi_c_string":
            if len(raw) < 3 or not raw.startswith("$'") or raw[-1] != "'" or "\\" in raw:
                raise _NotPlain(f"ANSI-C quoting with escapes {raw!r}")
            return raw[2:-1]
        if kind == "string":
            for child in node.children:
                if child.type not in ('"', "string_content"):
                    raise _NotPlain(_describe(child))
            return _double_quoted(raw)
        if kind == "concatenation":
            parts: list[str] = []
            prev_end = node.start_byte
            for child in node.children:
                if child.start_byte != prev_end or not child.is_named or child.type == "concatenation":
                    raise _NotPlain(_describe(child))
                if child.type not in _WORD_KINDS:
                    raise _NotPlain(_describe(child))
                parts.append(self.word(child))
                prev_end = child.end_byte
            if prev_end != node.end_byte:
                raise _NotPlain(f"unusual word {raw!r}")
            return "".join(parts)
        raise _NotPlain(_describe(node))


def _double_quoted(raw: str) -> str:
    """Value of ``"…"`` without expansions: bash's backslash rules; a bare ``$`` or backtick refuses."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise _NotPlain(f"unusual quoting {raw!r}")
    body, out, i = raw[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and (body[i + 1] in _DQ_ESCAPABLE or body[i + 1] == "\n"):
            if body[i + 1] != "\n":
                out.append(body[i + 1])
            i += 2
            continue
        if ch in "$`":
            raise _NotPlain(f"expansion inside double quotes {raw!r}")
        if ch == '"':
            raise _NotPlain(f"unusual quoting {raw!r}")
        out.append(ch)
        i += 1
    return "".join(out)


def _check_node(node: Node) -> None:
    if node.is_error or node.is_missing or node.has_error:
        raise _NotPlain("syntax error")


_KIND_NAMES = {
    "command_substitution": "command substitution",
    "process_substitution": "process substitution",
    "simple_expansion": "parameter expansion",
    "expansion": "parameter expansion",
    "arithmetic_expansion": "arithmetic expansion",
    "redirected_statement": "redirection",
    "file_redirect": "redirection",
    "heredoc_redirect": "heredoc",
    "herestring_redirect": "herestring",
    "subshell": "subshell",
    "compound_statement": "group",
    "negated_command": "negation (!)",
    "function_definition": "function definition",
    "comment": "comment",
    "&": "background (&)",
    "|&": "pipe with stderr (|&)",
    "variable_assignment": "assignment without a command",
}


def _describe(node: Node) -> str:
    """A short reason naming the construct that made the line not plain."""
    name = _KIND_NAMES.get(node.type, node.type if node.is_named else f"operator {node.type!r}")
    return f"not plain: {name}"
