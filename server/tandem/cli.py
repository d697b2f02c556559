"""The ``tandem`` command: ``exec``, ``sessions``, ``undo``/``redo``, ``apply-patch``, ``demo``, ``lsp``, ...

Each subcommand imports what it needs only when it runs, so ``tandem exec`` starts fast (it never
imports the LSP stack).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tandem import __version__
from tandem.headless.exec_args import (
    current_folder_gone,
    existing_dir,
    flag_conflict,
    non_negative_float,
    positive_float,
    positive_int,
)

# Every parser is built with allow_abbrev=False: a prefix of a long flag (``--mode`` for ``--model``,
# ``--y`` for ``--yolo``) is an error naming it, never a silent match.


def _add_provider_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provider",
        help="model provider id: openai, ollama, lmstudio, vllm, openrouter, azure, "
        "or a [model_providers.<id>] table from config.toml",
    )
    parser.add_argument(
        "--oss", action="store_true", help="use a local open-weight model (oss_provider from config.toml, else Ollama)"
    )
    parser.add_argument(
        "--local-provider", choices=["ollama", "lmstudio"], help="with --oss: which local server to use (implies --oss)"
    )


def _add_model_flags(parser: argparse.ArgumentParser, *, sandbox_alias: bool = False, headless: bool = False) -> None:
    parser.add_argument("-m", "--model", help="model slug, e.g. gpt-5.5")
    _add_provider_flags(parser)
    parser.add_argument(
        "-a",
        "--approval-policy",
        choices=["untrusted", "on-request", "never"],
        help="when to ask before running commands and applying patches",
    )
    parser.add_argument(
        "-s",
        "--sandbox",
        *(["--mode"] if sandbox_alias else []),
        dest="sandbox",
        choices=["read-only", "workspace-write", "danger-full-access"],
        help="sandbox mode for commands",
    )
    parser.add_argument(
        "--full-auto",
        action="store_true",
        help="sandboxed automatic execution: --sandbox workspace-write"
        + (" (approvals stay at never, as in codex exec)" if headless else " with --approval-policy on-request"),
    )
    parser.add_argument(
        "--dangerously-bypass-approvals-and-sandbox",
        "--yolo",
        dest="yolo",
        action="store_true",
        help="no approvals and no sandbox (only in a disposable environment); says so on stderr at start",
    )
    parser.add_argument(
        "-c",
        "--config",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help='override a config.toml key (TOML value), e.g. -c model_reasoning_effort="high"',
    )
    parser.add_argument(
        "-C", "--cd", dest="cwd", type=existing_dir, default=None, help="working directory of the agent (must exist)"
    )


def _cli_overrides(args: argparse.Namespace, default_policy: str | None = None):  # type: ignore[no-untyped-def]
    from tandem.config import ApprovalPolicy, CliOverrides, SandboxMode

    policy, sandbox = args.approval_policy or default_policy, args.sandbox
    if args.full_auto:
        policy, sandbox = policy or "on-request", sandbox or "workspace-write"
    if args.yolo:
        policy, sandbox = "never", "danger-full-access"
    return CliOverrides(
        model=args.model,
        provider=args.provider or args.local_provider,
        oss=args.oss or bool(args.local_provider),
        approval_policy=ApprovalPolicy(policy) if policy else None,
        sandbox_mode=SandboxMode(sandbox) if sandbox else None,
        config_overrides=tuple(args.overrides),
    )


def _cmd_exec(args: argparse.Namespace) -> int:
    from tandem.agent.conversation import Persistence
    from tandem.agent.threads import GoneFolder
    from tandem.headless.exec import ExecOptions, SessionScope, run_exec
    from tandem.headless.exec_args import REFUSED_FLAGS
    from tandem.headless.exec_inputs import PromptStdin
    from tandem.headless.human import ColorMode

    for dest, flag in REFUSED_FLAGS.items():
        if getattr(args, dest, None) is not None:
            sys.stderr.write(f"tandem exec: Tandem does not support {flag}\n")
            return 2
    resume, prompt = None, args.prompt
    if getattr(args, "resume", False):
        if args.last:
            resume, prompt = "--last", args.session_id
            if args.prompt is not None:
                sys.stderr.write("tandem exec resume --last: give at most one prompt\n")
                return 2
        elif args.session_id:
            resume = args.session_id
        else:
            sys.stderr.write("tandem exec resume: give a session id or --last\n")
            return 2
        if args.all and not args.last:
            sys.stderr.write("tandem exec resume: --all only applies to --last\n")
            return 2
    cwd = (args.cwd or Path.cwd()).resolve()
    add_dirs = tuple((cwd / d).resolve() for d in args.add_dir)
    for given, folder in zip(args.add_dir, add_dirs, strict=True):
        if not folder.is_dir():
            sys.stderr.write(f"tandem exec: --add-dir {given}: no such directory (relative paths start at -C)\n")
            return 2
    if add_dirs and args.sandbox == "read-only":
        sys.stderr.write("tandem exec: --add-dir has no effect with --sandbox read-only (nothing is writable)\n")
        return 2
    cli = _cli_overrides(args, default_policy="never")
    # Headless by default never asks, as with `codex exec` (override with -a / config).
    options = ExecOptions(
        prompt=prompt,
        cwd=cwd,
        cli=replace(cli, profile=args.profile, writable_roots=add_dirs),
        json=args.json,
        output_last_message=args.output_last_message,
        resume=resume,
        images=tuple(args.images),
        output_schema=args.output_schema,
        persistence=Persistence.EPHEMERAL if args.ephemeral else Persistence.ROLLOUT,
        color=ColorMode(args.color),
        resume_scope=SessionScope.ALL if getattr(args, "all", False) else SessionScope.CWD,
        prompt_stdin=PromptStdin.IGNORE if resume else PromptStdin.APPEND,  # as codex exec resume
        gone_folder=GoneFolder.CONTINUE if args.cwd else GoneFolder.REFUSE,  # -C DIR: go on there
    )
    return asyncio.run(run_exec(options))


def _cmd_undo(args: argparse.Namespace) -> int:
    from tandem.headless.undo_cmd import redo_command, undo_command

    cwd = (args.cwd or Path.cwd()).resolve()
    if args.command == "redo":
        return redo_command(args.thread, cwd)
    return undo_command(args.thread, args.turn, cwd)


def _cmd_checkpoints(args: argparse.Namespace) -> int:
    from tandem.checkpoints.home import CheckpointHome
    from tandem.config import tandem_home
    from tandem.errors import CheckpointError

    try:
        result = CheckpointHome.under(tandem_home()).prune(args.older_than * 86400)
    except CheckpointError as exc:
        sys.stderr.write(f"tandem checkpoints prune: {exc.message}\n")
        return 1
    sys.stdout.write(
        f"removed the checkpoints of {len(result.threads)} thread(s) and {result.objects} stored "
        f"file(s), {result.bytes_freed / 1_048_576:.1f} MiB\n"
    )
    return 0


def _cmd_sessions(args: argparse.Namespace) -> int:
    from tandem.headless.sessions_cmd import list_command, show_command

    if args.action == "show":
        return show_command(args.id, as_json=args.json)
    return list_command(limit=args.limit, as_json=args.json)


def _cmd_skills(args: argparse.Namespace) -> int:
    from tandem.headless.skills_cmd import list_command, validate_command

    cwd = (args.cwd or Path.cwd()).resolve()
    if args.action == "validate":
        return validate_command(args.path, cwd)
    return list_command(cwd, as_json=args.json)


def _cmd_apply_patch(args: argparse.Namespace) -> int:
    from tandem.errors import PatchError
    from tandem.patch import apply_patch

    if sys.stdin is None:  # started with stdin closed (<&-)
        sys.stderr.write("tandem apply-patch: stdin is closed: pipe the patch into it; nothing was changed\n")
        return 1
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        sys.stderr.write(f"the patch is not valid UTF-8 text (byte {exc.start}); nothing was changed\n")
        return 1
    try:
        result = apply_patch(text, (args.cwd or Path.cwd()).resolve())
    except PatchError as exc:
        sys.stderr.write(f"{exc.message}\n")
        return 1
    sys.stdout.write(result.summary() + "\n")
    return 0


def _cmd_lsp(args: argparse.Namespace) -> int:
    import logging

    from tandem.lsp.app import run_stdio

    if sys.stdin is None or sys.stdout is None:  # started with stdin or stdout closed (<&-, >&-)
        sys.stderr.write("tandem lsp: stdin or stdout is closed: the language server speaks LSP over both\n")
        return 1
    cli = _cli_overrides(args)
    if cli.sandbox_mode is not None and cli.sandbox_mode.value == "danger-full-access":
        logging.getLogger("tandem.lsp").warning(
            "running without a sandbox%s (sandbox_mode = danger-full-access, set on the command line): "
            "commands the agent runs can read and change anything your user can",
            " and no approvals" if args.yolo else "",
        )
    return run_stdio(cli)


def _cmd_protocol(args: argparse.Namespace) -> int:
    from tandem.protocol.schema import schema_text

    text = schema_text()
    if args.out:
        try:
            args.out.write_text(text, "utf-8")
        except OSError as exc:
            missing = "" if args.out.parent.is_dir() else f" (the folder {args.out.parent} does not exist)"
            sys.stderr.write(f"tandem protocol schema: cannot write {args.out}: {exc.strerror or exc}{missing}\n")
            return 1
    else:
        sys.stdout.write(text)
    return 0


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from tandem.config import load_config, no_sandbox_warning
    from tandem.errors import ConfigError
    from tandem.sandbox.cli import run_sandboxed

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        sys.stderr.write("tandem sandbox: give a command after --\n")
        return 2
    cli = _cli_overrides(args)
    try:
        config = load_config((args.cwd or Path.cwd()).resolve(), cli)
    except ConfigError as exc:
        sys.stderr.write(f"tandem sandbox: {exc.message}\n")
        return 2
    warning = no_sandbox_warning(config, cli)
    if warning is not None:
        sys.stderr.write(f"tandem sandbox: warning: {warning}\n")
    return run_sandboxed(config, command, config.sandbox_mode)


def _cmd_doctor(args: argparse.Namespace) -> int:
    """Sandbox report, then (unless ``--skip-provider``) the provider check of :mod:`tandem.model.probe`.

    Exit status: 1 when the sandbox is not complete or the provider cannot be reached, refuses the
    request or lacks its wire API's endpoint (a model missing from the provider's list only prints a hint); else 0.
    """
    from tandem.sandbox.cli import doctor

    code = doctor()
    if args.skip_provider:
        return code
    from tandem.config import CliOverrides, load_config
    from tandem.errors import ConfigError
    from tandem.model.probe import probe_provider, render

    sys.stdout.write("\n")
    cli = CliOverrides(
        model=args.model,
        provider=args.provider or args.local_provider,
        oss=args.oss or bool(args.local_provider),
        config_overrides=tuple(args.overrides),
    )
    try:
        config = load_config((args.cwd or Path.cwd()).resolve(), cli)
    except ConfigError as exc:
        sys.stdout.write(f"provider:     configuration error: {exc.message}\n")
        return 1
    result = asyncio.run(probe_provider(config.provider, config.model, timeout_s=args.timeout))
    render(result, sys.stdout)
    from tandem.headless.mcp_cmd import doctor_report

    mcp_code = doctor_report(config, sys.stdout)  # starts each MCP server: its tools or its error
    return max(code if result.ok else 1, mcp_code)


def _cmd_demo(args: argparse.Namespace) -> int:
    from tandem.headless.demo import run_demo

    return run_demo(keep=args.keep, workdir=args.workdir)


def _add_logging_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="debug logs (-vv: the libraries' too); see tandem.logs"
    )
    parser.add_argument("--log-file", help="append logs to this file instead of stderr (never stdout)")
    parser.add_argument("--debug-hooks", action="store_true", help="log one line per hook run (tandem.hooks)")


def _add_exec_flags(parser: argparse.ArgumentParser, *, resume: bool = False) -> None:
    from tandem.headless.exec_args import add_exec_only_flags

    add_exec_only_flags(parser, resume=resume)
    _add_model_flags(parser, headless=True)
    _add_logging_flags(parser)
    parser.set_defaults(func=_cmd_exec)


def _cmd_hooks(args: argparse.Namespace) -> int:
    from tandem.headless.hooks_cmd import hooks_list

    return hooks_list(Path.cwd(), args.json)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tandem`` command."""
    parser = argparse.ArgumentParser(
        prog="tandem", description="Tandem, a coding agent for your editor and terminal.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"tandem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    exec_p = sub.add_parser(
        "exec",
        allow_abbrev=False,
        help="run the agent headless on one prompt",
        description="Run one turn without an editor, with the flags of `codex exec`. "
        "`tandem exec [FLAGS] resume <id|--last> [PROMPT]` continues an earlier session.",
    )
    exec_p.add_argument("prompt", nargs="?", help="the task; '-' (or nothing, with piped stdin) reads stdin")
    _add_exec_flags(exec_p)

    resume_p = sub.add_parser("exec-resume", allow_abbrev=False, help=argparse.SUPPRESS)
    resume_p.add_argument("session_id", nargs="?", help="session id (or unique prefix)")
    resume_p.add_argument("prompt", nargs="?")
    _add_exec_flags(resume_p, resume=True)
    resume_p.set_defaults(resume=True)

    lsp = sub.add_parser(
        "lsp",
        allow_abbrev=False,
        help="run the language server on stdin/stdout",
        description="The agent as a language server (LSP over stdio) for VS Code, Neovim, Helix, ...",
    )
    _add_model_flags(lsp)
    _add_logging_flags(lsp)
    lsp.set_defaults(func=_cmd_lsp)

    hooks = sub.add_parser("hooks", allow_abbrev=False, help="list the hooks a session here would run")
    hooks_sub = hooks.add_subparsers(dest="action", required=True)
    hooks_list = hooks_sub.add_parser(
        "list", allow_abbrev=False, help="the hooks of every config layer, in firing order"
    )
    hooks_list.add_argument("--json", action="store_true", help="print them as JSON")
    hooks.set_defaults(func=_cmd_hooks)

    sandbox = sub.add_parser(
        "sandbox",
        allow_abbrev=False,
        help="run one command under the sandbox policy",
        description="Run CMD as the shell tool would: the current directory is the workspace root; same scrubbed "
        "environment, limits and sandbox. Exits with CMD's status.",
    )
    _add_model_flags(sandbox, sandbox_alias=True)
    sandbox.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    sandbox.set_defaults(func=_cmd_sandbox)

    doctor = sub.add_parser(
        "doctor",
        allow_abbrev=False,
        help="report the sandbox mechanisms of this machine and check the model provider",
        description="Report which sandbox mechanisms this machine has, then check the configured model provider "
        "(GET {base_url}/models with its credentials, then an empty POST to its wire API's endpoint). "
        "Exits 1 when the sandbox is incomplete or the provider is unreachable, refuses the request "
        "or lacks the endpoint. Then starts each configured MCP server and lists its tools or its error "
        "(exit 1 when one fails).",
    )
    doctor.add_argument("-m", "--model", help="model to look for in the provider's list")
    _add_provider_flags(doctor)
    doctor.add_argument(
        "-c",
        "--config",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config.toml key (TOML value)",
    )
    doctor.add_argument(
        "-C", "--cd", dest="cwd", type=existing_dir, default=None, help="directory whose config applies"
    )
    doctor.add_argument("--skip-provider", action="store_true", help="only report the sandbox")
    doctor.add_argument(
        "--timeout",
        type=positive_float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the provider (default 5)",
    )
    doctor.set_defaults(func=_cmd_doctor)

    protocol = sub.add_parser("protocol", allow_abbrev=False, help="print the JSON Schema of Tandem's LSP protocol")
    protocol.add_argument("what", choices=["schema"])
    protocol.add_argument("--out", type=Path, help="write it to this file instead of stdout")
    protocol.set_defaults(func=_cmd_protocol)

    undo_p = sub.add_parser(
        "undo",
        allow_abbrev=False,
        help="revert what a turn changed, from its checkpoint (no git needed)",
        description="Revert the newest turn not undone yet (of the newest thread that worked in "
        "this directory, or of THREAD): files the agent changed — with apply_patch "
        "or shell commands — go back to how they were; lines you edited since stay.",
    )
    undo_p.add_argument("thread", nargs="?", help="thread id (or unique prefix)")
    undo_p.add_argument("--turn", help="undo this turn instead of the newest one")
    undo_p.add_argument(
        "-C", "--cd", dest="cwd", type=existing_dir, default=None, help="directory to find the thread by"
    )
    undo_p.set_defaults(func=_cmd_undo)
    redo_p = sub.add_parser(
        "redo", allow_abbrev=False, help="revert the newest `tandem undo` (its turn's changes come back)"
    )
    redo_p.add_argument("thread", nargs="?", help="thread id (or unique prefix)")
    redo_p.add_argument(
        "-C", "--cd", dest="cwd", type=existing_dir, default=None, help="directory to find the thread by"
    )
    redo_p.set_defaults(func=_cmd_undo)

    checkpoints = sub.add_parser(
        "checkpoints",
        allow_abbrev=False,
        help="manage the checkpoints undo uses",
        description="`tandem checkpoints prune`: forget the checkpoints of threads idle for "
        "--older-than days and delete stored file contents nothing needs.",
    )
    checkpoints.add_argument("action", choices=["prune"])
    checkpoints.add_argument(
        "--older-than",
        type=non_negative_float,
        default=30.0,
        metavar="DAYS",
        help="threads whose last checkpoint is older than this (default 30; 0: all)",
    )
    checkpoints.set_defaults(func=_cmd_checkpoints)

    sessions = sub.add_parser("sessions", allow_abbrev=False, help="list or show recorded sessions")
    sessions.add_argument("action", choices=["list", "show"], nargs="?", default="list")
    sessions.add_argument("id", nargs="?", help="session id (or unique prefix) for `show`")
    sessions.add_argument("--limit", type=positive_int, default=20, help="how many sessions to list (default 20)")
    sessions.add_argument("--json", action="store_true")
    sessions.set_defaults(func=_cmd_sessions)

    skills = sub.add_parser(
        "skills", allow_abbrev=False, help="list the skills the agent sees, or validate SKILL.md files"
    )
    skills.add_argument("action", choices=["list", "validate"], nargs="?", default="list")
    skills.add_argument("path", nargs="?", type=Path, default=None, help="for `validate`: a SKILL.md or a folder")
    skills.add_argument("--json", action="store_true", help="for `list`: JSON output")
    skills.add_argument("-C", "--cd", dest="cwd", type=existing_dir, default=None, help="the folder to list skills for")
    skills.set_defaults(func=_cmd_skills)

    patch = sub.add_parser("apply-patch", allow_abbrev=False, help="apply an apply_patch-format patch from stdin")
    patch.add_argument(
        "-C", "--cd", dest="cwd", type=existing_dir, default=None, help="folder the patch's paths are relative to"
    )
    patch.set_defaults(func=_cmd_apply_patch)

    from tandem.headless.mcp_cmd import register as register_mcp

    register_mcp(sub)

    demo = sub.add_parser("demo", allow_abbrev=False, help="watch the agent fix a bug in the bundled example project")
    demo.add_argument("--keep", action="store_true", help="keep the temporary copy of the project")
    demo.add_argument("--workdir", type=Path, default=None, help="copy the example project here")
    demo.set_defaults(func=_cmd_demo)
    return parser


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of subcommand ``name`` (``parser`` itself when there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            chosen: argparse.ArgumentParser = action.choices[name]
            return chosen
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tandem`` console script; returns the exit code."""
    from tandem.headless.exec_args import rewrite_exec_argv

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    rewritten = rewrite_exec_argv(_subparser(parser, "exec"), argv)  # `exec [FLAGS] resume ...`
    if isinstance(rewritten, str):
        sys.stderr.write(rewritten + "\n")
        return 2
    from tandem.headless.mcp_cmd import split_server_command

    rewritten, server_command = split_server_command(rewritten)  # `mcp add NAME -- CMD ARGS...`
    args = parser.parse_args(rewritten)
    if server_command:
        args.server_command = server_command
    conflict = flag_conflict(args)
    if conflict is not None:
        _subparser(parser, rewritten[0]).error(conflict)
    if args.command == "sessions" and args.action == "show" and not args.id:
        sys.stderr.write("tandem sessions show: give a session id\n")
        return 2
    if hasattr(args, "verbose"):
        from tandem.logs import LogSurface, configure_logging

        surface = LogSurface.LSP if args.command == "lsp" else LogSurface.EXEC
        try:
            configure_logging(surface, args.verbose, args.log_file)
        except OSError as exc:
            sys.stderr.write(f"tandem: cannot open the log file: {exc}\n")
            return 2
        if getattr(args, "debug_hooks", False):
            import logging

            logging.getLogger("tandem.hooks.firing").setLevel(logging.DEBUG)
    gone = current_folder_gone(args)
    if gone is not None:
        sys.stderr.write(gone + "\n")
        return 1
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
