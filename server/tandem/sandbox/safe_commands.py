"""Known-safe (read-only) commands that may run without asking under the ``untrusted`` policy.

A command line is known safe when :mod:`tandem.sandbox.bash_parse` finds only plain simple commands
joined by ``&&`` ``||`` ``;`` ``|`` (one ``bash -lc '…'`` wrapper unwrapped) and EVERY one of them is on
the list below (Codex ``is_known_safe_command`` / ``is_safe_to_call_with_exec``; list and per-command
rules: docs/reference-facts.md §3). "Not known safe" means "ask" — and "safe" never skips the sandbox.

Rules (source in brackets):

* always safe: cat cd cut echo expr false grep head id ls nl paste pwd rev seq stat tail tr true uname
  uniq wc which whoami [docs/reference-facts.md §3]; ``uniq`` only with at most one file operand (a second
  operand is an OUTPUT file it writes) [measured here: ``uniq in out`` writes ``out``].
* ``find`` without -exec -execdir -ok -okdir -delete -fls -fprint -fprint0 -fprintf [§3, Codex].
* ``rg`` without --pre* --hostname-bin --search-zip -z (also in short clusters such as ``-uz``) [§3].
* ``git status|log|diff|show|branch`` [§3, Codex]: no --output, --ext-diff, --exec-path (nor their
  unambiguous abbreviations, which git accepts) and no ``-c`` anywhere; global options before the
  subcommand only from --no-pager -P --no-optional-locks --literal-pathspecs ``-C <dir>`` (``-C dir``
  is what ``cd dir && git …`` does anyway; ``-c``/``--git-dir``/``--work-tree``/``--config-env`` are
  refused). ``--no-index`` is ALLOWED: it only reads two files, like ``cat`` [decision here].
  ``git branch`` only in list form: flags from a read-only set, and branch-name-like operands only
  after ``--list``/``-l`` (``git branch foo`` creates, ``-d``/``-m``/``-u`` modify) [decision here].
  The repository's own config (core.pager, diff.external, core.fsmonitor) is trusted, as in Codex.
* ``sed -n Np`` / ``sed -n M,Np`` followed only by file operands that do not start with ``-`` (GNU sed
  permutes options: ``sed -n 1p -i f`` edits ``f``) [§3, Codex].
* the program is a bare name or lives in /bin, /usr/bin or /usr/local/bin (``./cat`` is a local
  script) [decision here].
* leading ``NAME=value`` assignments: allowed unless :func:`env_assignment_allowed` refuses the name
  (loader, shell start-up, git, pager/editor, config-path and interpreter variables) [decision here].
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tandem.sandbox.bash_parse import SimpleCommand, analyze

__all__ = ["Classification", "classify", "env_assignment_allowed", "is_known_safe", "unsafe_reason"]

_ALWAYS_SAFE = frozenset(
    {
        "cat",
        "cd",
        "cut",
        "echo",
        "expr",
        "false",
        "grep",
        "head",
        "id",
        "ls",
        "nl",
        "paste",
        "pwd",
        "rev",
        "seq",
        "stat",
        "tail",
        "tr",
        "true",
        "uname",
        "uniq",
        "wc",
        "which",
        "whoami",
    }
)
_TRUSTED_DIRS = frozenset({"/bin", "/usr/bin", "/usr/local/bin"})
_UNSAFE_FIND = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"})
_UNSAFE_RG_LONG = ("--pre", "--hostname-bin", "--search-zip")
_SAFE_GIT = frozenset({"status", "log", "diff", "show", "branch"})
_GIT_GLOBAL_FLAGS = frozenset({"--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs"})
_UNSAFE_GIT_LONG = ("--output", "--ext-diff", "--exec-path")
_BRANCH_FLAGS = frozenset(
    {
        "-a",
        "--all",
        "-r",
        "--remotes",
        "-v",
        "-vv",
        "--verbose",
        "-l",
        "--list",
        "--show-current",
        "--color",
        "--no-color",
        "--column",
        "--no-column",
        "-i",
        "--ignore-case",
        "--omit-empty",
        "--no-abbrev",
        "--contains",
        "--no-contains",
        "--merged",
        "--no-merged",
    }
)
_BRANCH_VALUE_FLAGS = (
    "--color=",
    "--column=",
    "--sort=",
    "--format=",
    "--abbrev=",
    "--contains=",
    "--no-contains=",
    "--merged=",
    "--no-merged=",
    "--points-at=",
)
_BRANCH_LIST_MODE = frozenset({"-l", "--list", "--contains", "--no-contains", "--merged", "--no-merged"})
_BRANCH_LIST_MODE_VALUES = ("--contains=", "--no-contains=", "--merged=", "--no-merged=", "--points-at=")
_SED_PRINT = re.compile(r"[0-9]+(,[0-9]+)?p\Z")

# Environment names refused in `NAME=value cmd` (compared upper-cased). Exact names, prefixes and
# substrings cover: the dynamic loader and libc (LD_*, GCONV_PATH, GLIBC_TUNABLES, MALLOC_*, LOCPATH,
# HOSTALIASES), shell start-up (BASH_ENV, ENV, HOME, ZDOTDIR, SHELLOPTS, PS4, IFS), git (GIT_*, HOME,
# XDG_CONFIG_HOME, PAGER, EDITOR), tool config (RIPGREP_CONFIG_PATH, GREP_OPTIONS) and interpreters.
_ENV_DENY_EXACT = frozenset(
    {
        "ENV",
        "HOME",
        "IFS",
        "PS1",
        "PS2",
        "PS3",
        "PS4",
        "PROMPT_COMMAND",
        "GLOBIGNORE",
        "SHELL",
        "ZDOTDIR",
        "VISUAL",
        "LOCPATH",
        "NLSPATH",
        "HOSTALIASES",
        "LOCALDOMAIN",
        "TZDIR",
        "TERMCAP",
        "INPUTRC",
    }
)
_ENV_DENY_PREFIXES = (
    "LD_",
    "DYLD_",
    "GIT_",
    "BASH",
    "SHELL",
    "PYTHON",
    "PERL",
    "RUBY",
    "NODE_",
    "NPM_",
    "JAVA",
    "JDK_",
    "LESS",
    "GCONV",
    "GLIBC_",
    "MALLOC_",
    "SSL_",
    "SSH_",
    "XDG_",
    "RIPGREP",
    "GREP_",
    "SUDO_",
    "ZSH",
    "HIST",
    "GNUPG",
    "GPG",
    "TERMINFO",
    "RES_",
)
_ENV_DENY_SUBSTRINGS = (
    "PATH",
    "PRELOAD",
    "LIBRARY",
    "CONFIG",
    "PAGER",
    "EDITOR",
    "OPTIONS",
    "OPTS",
    "HOOK",
    "ENV",
    "AUDIT",
)


@dataclass(frozen=True, slots=True)
class Classification:
    """Why a command line is (not) known safe: the parsed segments (``None`` when not plain) and a reason."""

    safe: bool
    segments: tuple[SimpleCommand, ...] | None
    reason: str = ""  # empty when safe


def is_known_safe(command: str) -> bool:
    """Whether ``command`` (a shell command line) consists only of known read-only commands."""
    return classify(command).safe


def classify(command: str) -> Classification:
    """Classify ``command``; see the module docstring for the rules."""
    parsed = analyze(command)
    if parsed.commands is None:
        return Classification(False, None, parsed.reason)
    for segment in parsed.commands:
        reason = unsafe_reason(segment)
        if reason is not None:
            return Classification(False, parsed.commands, reason)
    return Classification(True, parsed.commands)


def env_assignment_allowed(name: str) -> bool:
    """Whether ``NAME=value`` may precede a known-safe (or session-approved) command.

    Deny list of exact names, prefixes and substrings (module docstring); everything else — e.g.
    ``FOO``, ``LANG``, ``LC_ALL``, ``TZ``, ``TERM``, ``NO_COLOR``, ``COLUMNS`` — is allowed.
    """
    upper = name.upper()
    return not (
        upper in _ENV_DENY_EXACT
        or upper.startswith(_ENV_DENY_PREFIXES)
        or any(part in upper for part in _ENV_DENY_SUBSTRINGS)
    )


def unsafe_reason(segment: SimpleCommand) -> str | None:
    """``None`` when this one simple command is known safe, else why not."""
    for name, _ in segment.env:
        if not env_assignment_allowed(name):
            return f"assignment to {name} is not allowed"
    program = _program_name(segment.argv[0])
    if program is None:
        return f"{segment.argv[0]!r} is not a trusted program path"
    args = segment.argv[1:]
    if program in _ALWAYS_SAFE:
        return _uniq_reason(args) if program == "uniq" else None
    if program == "find":
        bad = next((arg for arg in args if arg in _UNSAFE_FIND), None)
        return None if bad is None else f"find {bad} is not read-only"
    if program == "rg":
        return _rg_reason(args)
    if program == "git":
        return _git_reason(args)
    if program == "sed":
        return _sed_reason(args)
    return f"{program!r} is not on the known-safe list"


def _program_name(word: str) -> str | None:
    directory, slash, name = word.rpartition("/")
    if not slash:
        return word
    return name if directory in _TRUSTED_DIRS else None


def _uniq_reason(args: Sequence[str]) -> str | None:
    operands: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            operands.extend(args[i + 1 :])
            break
        if arg == "-" or not arg.startswith("-"):
            operands.append(arg)
    return "uniq with an output file writes it" if len(operands) > 1 else None


def _rg_reason(args: Sequence[str]) -> str | None:
    for arg in args:
        if arg == "--":
            break
        if arg.startswith(_UNSAFE_RG_LONG):
            return f"rg {arg.split('=', 1)[0]} runs programs or decompressors"
        if arg.startswith("-") and not arg.startswith("--") and "z" in arg:
            return "rg -z runs decompressors"
    return None


def _git_reason(args: Sequence[str]) -> str | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in _GIT_GLOBAL_FLAGS:
            i += 1
        elif args[i] == "-C" and i + 1 < len(args):
            i += 2
        else:
            return f"git global option {args[i]} is not allowed"
    if i >= len(args) or args[i] not in _SAFE_GIT:
        return f"git {args[i]} is not read-only" if i < len(args) else "git without a subcommand"
    subcommand, rest = args[i], args[i + 1 :]
    for arg in rest:
        name = arg.split("=", 1)[0]
        if arg == "-c" or (
            name.startswith("--") and len(name) > 2 and any(option.startswith(name) for option in _UNSAFE_GIT_LONG)
        ):
            return f"git {subcommand} {name} is not allowed"
    return _git_branch_reason(rest) if subcommand == "branch" else None


def _git_branch_reason(args: Sequence[str]) -> str | None:
    list_mode = any(arg in _BRANCH_LIST_MODE or arg.startswith(_BRANCH_LIST_MODE_VALUES) for arg in args)
    for arg in args:
        if arg.startswith("-"):
            if arg not in _BRANCH_FLAGS and not arg.startswith(_BRANCH_VALUE_FLAGS):
                return f"git branch {arg} may modify branches"
        elif not list_mode:
            return "git branch <name> creates a branch"
    return None


def _sed_reason(args: Sequence[str]) -> str | None:
    if (
        len(args) >= 2
        and args[0] == "-n"
        and _SED_PRINT.match(args[1])
        and not any(arg.startswith("-") for arg in args[2:])
    ):
        return None
    return "only `sed -n Np` / `sed -n M,Np` is known safe"
