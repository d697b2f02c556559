"""The command line of ``tandem exec``, as ``codex exec`` has it and the Codex SDKs call it.

Every flag of ``codex exec`` (docs/reference-facts.md §5) is accepted with Codex's meaning or
refused with a message saying Tandem does not support it; none is ignored. The shape::

    tandem exec [FLAGS] [PROMPT|-]
    tandem exec [FLAGS] resume [FLAGS] [SESSION_ID|--last [--all]] [PROMPT|-]
    tandem exec [FLAGS] review ...          (refused: Tandem has no code review yet)

``resume`` / ``review`` are found as the first positional word after ``exec`` (flags and their values
before it are skipped), so ``exec --json -c k=v --model m resume ID --image a.png`` — the order the
TypeScript SDK uses — works. Flags given before and after ``resume`` are merged: lists (``-c``,
``--image``) in order, single values from the later one. Only ``argparse`` is imported here, so
building the parser stays cheap for every ``tandem`` command.

Also here, for every ``tandem`` subcommand: the argparse types that refuse a missing ``-C`` folder
or an out-of-range number, :func:`flag_conflict` (contradicting safety and provider flags) and
:func:`current_folder_gone` (started in a deleted folder).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

SUBCOMMANDS = ("resume", "review")
"""The positional words that start a ``codex exec`` subcommand."""

REFUSED_FLAGS = {
    "thread_source": "--thread-source (Codex's classification of where a thread came from)",
    "cyber_access_program": "--cyber-access-program (an OpenAI account programme)",
}
"""Flags the Codex SDK passes only when asked to, which Tandem refuses (dest -> how to name it)."""


class _SplitCommas(argparse.Action):
    """Append each comma-separated value (``-i a.png,b.png`` = ``-i a.png -i b.png``, as Codex)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        items += [Path(part) for part in str(values).split(",") if part]
        setattr(namespace, self.dest, items)


def add_exec_only_flags(parser: argparse.ArgumentParser, *, resume: bool) -> None:
    """The flags of ``codex exec`` beyond the model / sandbox / config ones ``tandem`` shares.

    With ``resume``, also ``resume``'s own ``--last`` and ``--all``.
    """
    parser.add_argument(
        "--json",
        "--experimental-json",
        dest="json",
        action="store_true",
        help="print JSONL events (same schema as `codex exec --json`)",
    )
    parser.add_argument("-o", "--output-last-message", type=Path, help="write the final agent message to FILE")
    parser.add_argument(
        "-i",
        "--image",
        dest="images",
        action=_SplitCommas,
        default=[],
        metavar="FILE",
        help="attach an image to the prompt (repeatable, or comma-separated)",
    )
    parser.add_argument(
        "--output-schema",
        type=Path,
        metavar="FILE",
        help="a JSON Schema (a JSON object) the final answer must follow; the final message is its JSON",
    )
    parser.add_argument(
        "--skip-git-repo-check",
        action="store_true",
        help="accepted for codex exec compatibility and changes nothing: Tandem needs no git repository "
        "(its checkpoints undo without git)",
    )
    parser.add_argument(
        "--add-dir",
        dest="add_dir",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="another folder commands may write (workspace-write sandbox; relative to -C; repeatable)",
    )
    parser.add_argument(
        "--ephemeral", action="store_true", help="record no session and take no checkpoints (no resume, no undo)"
    )
    parser.add_argument(
        "--color",
        choices=["always", "never", "auto"],
        default="auto",
        help="colours on stderr (default auto: when it is a terminal and NO_COLOR is unset)",
    )
    parser.add_argument("-p", "--profile", help="use the [profiles.PROFILE] table of config.toml")
    parser.add_argument("--thread-source", dest="thread_source", help=argparse.SUPPRESS)
    parser.add_argument("--cyber-access-program", dest="cyber_access_program", help=argparse.SUPPRESS)
    if resume:
        parser.add_argument("--last", action="store_true", help="the newest session in this directory")
        parser.add_argument("--all", action="store_true", help="with --last: the newest session anywhere")


# --- shared by every subcommand -----------------------------------------------------------


def existing_dir(text: str) -> Path:
    """An argparse type: ``text`` must name an existing directory (``-C``, ``--add-dir``)."""
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such directory: {text}")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a directory: {text}")
    return path


def current_folder_gone(args: argparse.Namespace) -> str | None:
    """The message for a command that works in the current folder (it has ``-C``) started in a folder that
    no longer exists (deleted or moved under the shell); ``None`` when the folder is there or an absolute
    ``-C`` names another."""
    if not hasattr(args, "cwd") or (args.cwd is not None and args.cwd.is_absolute()):
        return None
    try:
        Path.cwd()
    except FileNotFoundError:
        return (
            f"tandem {args.command}: the current folder no longer exists (deleted or moved); nothing was done. "
            "cd to a folder that exists, or pass -C DIR"
        )
    return None


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _number(text: str, *, minimum: float, inclusive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    if value < minimum or (value == minimum and not inclusive):
        bound = "at least" if inclusive else "more than"
        raise argparse.ArgumentTypeError(f"must be {bound} {minimum:g}, got {text}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0 (seconds)."""
    return _number(text, minimum=0.0, inclusive=False)


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number of at least 0 (days)."""
    return _number(text, minimum=0.0, inclusive=True)


def flag_conflict(args: argparse.Namespace) -> str | None:
    """Why the safety flags of ``args`` contradict each other (``-s read-only --yolo``...), or ``None``."""
    sandbox, policy = getattr(args, "sandbox", None), getattr(args, "approval_policy", None)
    if getattr(args, "yolo", False):
        if getattr(args, "full_auto", False):
            return "--dangerously-bypass-approvals-and-sandbox (--yolo) cannot be used with --full-auto"
        if sandbox not in (None, "danger-full-access"):
            return f"--dangerously-bypass-approvals-and-sandbox (--yolo) cannot be used with --sandbox {sandbox}"
        if policy not in (None, "never"):
            return f"--dangerously-bypass-approvals-and-sandbox (--yolo) cannot be used with --approval-policy {policy}"
    if getattr(args, "full_auto", False) and sandbox not in (None, "workspace-write"):
        return f"--full-auto (--sandbox workspace-write) cannot be used with --sandbox {sandbox}"
    provider, local = getattr(args, "provider", None), getattr(args, "local_provider", None)
    if provider is not None and local is not None and provider != local:
        return f"--provider {provider} cannot be used with --local-provider {local}"
    if provider is not None and getattr(args, "oss", False) and provider not in ("ollama", "lmstudio"):
        return f"--provider {provider} cannot be used with --oss (a local ollama or lmstudio server)"
    return None


# --- finding `resume` / `review` --------------------------------------------------------------


def _takes_value(parser: argparse.ArgumentParser) -> dict[str, bool]:
    """Option string -> whether it consumes a value."""
    table: dict[str, bool] = {}
    for action in parser._actions:
        for option in action.option_strings:
            table[option] = action.nargs != 0
    return table


def subcommand_index(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int | None:
    """The index in ``argv`` (the words after ``exec``) of the first positional word when it is
    ``resume`` or ``review``; ``None`` when there is none (a prompt, ``-`` or nothing comes first).

    Flags' values are skipped (``--model resume`` names a model), ``--flag=value`` and ``-mVALUE`` too;
    after ``--`` everything is positional (a prompt).
    """
    table = _takes_value(parser)
    skip = False
    for index, word in enumerate(argv):
        if skip:
            skip = False
            continue
        if word == "--":
            return None
        if word.startswith("--"):
            skip = "=" not in word and table.get(word, False)
            continue
        if word.startswith("-") and word != "-":
            for position in range(1, len(word)):  # -vv, -mMODEL, -m MODEL
                if table.get(f"-{word[position]}", False):
                    skip = position == len(word) - 1
                    break
            continue
        return index if word in SUBCOMMANDS else None
    return None


def rewrite_exec_argv(exec_parser: argparse.ArgumentParser, argv: list[str]) -> list[str] | str:
    """``argv`` (the whole command line, ``exec`` first) with ``exec [FLAGS] resume ...`` turned into
    the hidden ``exec-resume [FLAGS] ...`` command; a ``review`` gives the refusal message instead."""
    if argv[:1] != ["exec"]:
        return argv
    rest = argv[1:]
    index = subcommand_index(exec_parser, rest)
    if index is None:
        return argv
    if rest[index] == "review":
        return "tandem exec review: Tandem does not support code review yet"
    return ["exec-resume", *rest[:index], *rest[index + 1 :]]
