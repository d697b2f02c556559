"""``tandem exec``: run one turn headless, print it (human or JSONL), exit 0 / 1 / 130.

Exit codes: 0 the turn completed; 1 it failed (or configuration was wrong); 128 + N when signal N
ended it (130 SIGINT, 143 SIGTERM, 129 SIGHUP). A signal interrupts the turn: its commands and
their daemons are killed, what it changed is checkpointed and it is recorded as interrupted; a
second signal kills what is left and exits at once. ``-o FILE`` receives the last agent message.
What is read before the turn (prompt, output schema, images, the ``-o`` check) is
:mod:`tandem.headless.exec_inputs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO

from tandem.agent.conversation import Persistence
from tandem.agent.events import Event, EventSink, ItemCompleted
from tandem.agent.thread import Approver, Thread
from tandem.agent.threads import GoneFolder, ThreadManager
from tandem.config import CliOverrides, Config, load_config, no_sandbox_warning
from tandem.errors import InvalidParamsError, TandemError
from tandem.headless.approver import ApprovalMode, TerminalApprover, open_terminal
from tandem.headless.exec_inputs import PromptStdin, check_writable, image_inputs, load_output_schema, read_prompt
from tandem.headless.human import ColorMode, HumanRenderer
from tandem.headless.jsonl import JsonlWriter
from tandem.protocol import JsonDict
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import AgentMessageItem, InputItem, TextInput
from tandem.sessions.store import latest_session
from tandem.tools.process import kill_running_processes

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SessionScope(Enum):
    """Which sessions ``exec resume --last`` picks the newest of."""

    CWD = "cwd"  # those recorded in this directory (default)
    ALL = "all"  # every session (``--all``)


@dataclass(slots=True)
class ExecOptions:
    """What ``tandem exec`` was asked to do.

    Attributes:
        prompt: the user's message; ``None`` or ``"-"`` reads it from stdin.
        json: write Codex-compatible JSONL events to stdout instead of the human transcript.
        output_last_message: file that receives the final agent message.
        resume: a thread id (or prefix) to continue, or ``"--last"`` for the newest in this cwd.
        approval_mode: how approval requests are answered; ``None`` = ask on a terminal if any.
        images: image files sent with the prompt (``--image``), before its text as in Codex.
        output_schema: a JSON Schema file the final answer must follow (``--output-schema``).
        persistence: ``EPHEMERAL`` writes no rollout and takes no checkpoints (``--ephemeral``).
        color: colours of the human transcript (``--color``).
        resume_scope: where ``--last`` looks (``--all``: every session).
        prompt_stdin: whether piped stdin is appended to a prompt argument.
        gone_folder: resuming a session whose folder no longer exists: refused, or (``-C DIR`` given)
            continued in ``cwd``.
    """

    prompt: str | None
    cwd: Path
    cli: CliOverrides = field(default_factory=CliOverrides)
    json: bool = False
    output_last_message: Path | None = None
    resume: str | None = None
    approval_mode: ApprovalMode | None = None
    images: tuple[Path, ...] = ()
    output_schema: Path | None = None
    persistence: Persistence = Persistence.ROLLOUT
    color: ColorMode = ColorMode.AUTO
    resume_scope: SessionScope = SessionScope.CWD
    prompt_stdin: PromptStdin = PromptStdin.APPEND
    gone_folder: GoneFolder = GoneFolder.REFUSE


@dataclass(frozen=True, slots=True)
class _TurnInput:
    """What was read before the turn: its input items and output schema."""

    items: list[InputItem]
    output_schema: JsonDict | None


def _read_inputs(options: ExecOptions, stdin: IO[str] | None, err: IO[str]) -> _TurnInput:
    """Everything the turn needs from files and stdin, checked before any request.

    Raises:
        InvalidParamsError: see :mod:`tandem.headless.exec_inputs`.
    """
    if options.persistence is Persistence.EPHEMERAL and options.resume is not None:
        raise InvalidParamsError("--ephemeral cannot be combined with resume: a resumed session is recorded")
    prompt = read_prompt(options.prompt, stdin, options.prompt_stdin, err)
    schema = load_output_schema(options.output_schema) if options.output_schema is not None else None
    images: list[InputItem] = list(image_inputs(options.images))
    if options.output_last_message is not None:
        check_writable(options.output_last_message)
    return _TurnInput([*images, TextInput(text=prompt)], schema)


class _SignalStop:
    """What ``tandem exec`` does on SIGINT/SIGTERM/SIGHUP: the first interrupts the turn (which kills
    its commands and records it), a second one kills every command left and exits at once."""

    def __init__(self, thread: Thread) -> None:
        self._thread = thread
        self.signal: int | None = None

    def __call__(self, sig: int) -> None:
        if self.signal is not None:
            kill_running_processes()
            os._exit(128 + sig)
        self.signal = sig
        log.info("signal %d: interrupting the turn", sig)
        self._thread.interrupt()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self, sig)

    @staticmethod
    def remove(loop: asyncio.AbstractEventLoop) -> None:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def _tolerant(sink: EventSink) -> EventSink:
    """``sink``, but an output that fails (a closed pipe, the terminal gone after SIGHUP) stops it
    instead of failing the turn: the turn still ends and is recorded."""
    broken = False

    def deliver(event: Event) -> None:
        nonlocal broken
        if broken:
            return
        try:
            sink(event)
        except (OSError, ValueError) as exc:  # ValueError: "I/O operation on closed file"
            broken = True
            log.warning("output stopped: %s", exc)

    return deliver


def _approver(options: ExecOptions, err: IO[str]) -> Approver:
    mode = options.approval_mode or ApprovalMode.ASK
    return TerminalApprover(mode, err, open_terminal() if mode is ApprovalMode.ASK else None, color=options.color)


def _open_thread(options: ExecOptions, config: Config, approver: Approver) -> Thread:
    """The thread to run: a new one, or a resumed one with this invocation's settings."""
    manager = ThreadManager(lambda _cwd: config, approver=approver, originator="tandem_exec")
    if options.resume is None:
        return manager.create(config, persistence=options.persistence)
    gone = options.gone_folder
    if options.resume == "--last" and options.resume_scope is SessionScope.ALL:
        return manager.resume(latest_session(manager.sessions_dir), config, gone_folder=gone)
    if options.resume == "--last":
        return manager.resume_latest(config.cwd, config, gone_folder=gone)
    return manager.resume(options.resume, config, gone_folder=gone)


async def _start_mcp(thread: Thread, err: IO[str]) -> None:
    """Start the thread's MCP servers before the turn; each one that fails is a stderr line (and, with
    ``--json``, an ``error`` item).

    Raises:
        ConfigError: a ``required = true`` server failed (exec exits 1, as ``codex exec`` does).
    """
    if thread.mcp is None:
        return
    try:
        await thread.prepare_tools()
    finally:
        for status in thread.mcp.statuses():
            if status.error:
                err.write(f"tandem exec: warning: MCP server {status.name} failed to start: {status.error}\n")
                err.flush()


async def run_exec(
    options: ExecOptions, out: IO[str] | None = None, err: IO[str] | None = None, stdin: IO[str] | None = None
) -> int:
    """Run ``tandem exec``; returns the process exit code. Never raises for user errors."""
    out = out or sys.stdout
    err = err or sys.stderr
    jsonl = JsonlWriter(out) if options.json else None
    try:
        turn_input = _read_inputs(options, stdin or sys.stdin, err)
        config = load_config(options.cwd, options.cli)
        warning = no_sandbox_warning(config, options.cli)
        if warning is not None:
            err.write(f"tandem exec: warning: {warning}\n")
            err.flush()
        thread = _open_thread(options, config, _approver(options, err))
    except TandemError as exc:
        if jsonl is not None:
            jsonl.write({"type": "error", "message": exc.message})
        err.write(f"tandem exec: {exc.message}\n")
        return 1
    last_message = ""

    def remember(event: Event) -> None:
        nonlocal last_message
        if isinstance(event, ItemCompleted) and isinstance(event.item, AgentMessageItem) and event.item.text:
            last_message = event.item.text

    renderer: EventSink = jsonl if jsonl is not None else HumanRenderer(out, err, color=options.color)
    thread.subscribe(_tolerant(renderer))
    thread.subscribe(remember)
    loop = asyncio.get_running_loop()
    stop = _SignalStop(thread)
    stop.install(loop)
    try:
        thread.announce()
        await _start_mcp(thread, err)
        turn = await thread.run_turn(turn_input.items, output_schema=turn_input.output_schema)
    except TandemError as exc:  # refused before it started (e.g. an input too large)
        if jsonl is not None:
            jsonl.write({"type": "error", "message": exc.message})
        err.write(f"tandem exec: {exc.message}\n")
        return 1
    finally:
        stop.remove(loop)
        kill_running_processes()  # nothing a turn started outlives it (no-op when the turn ended cleanly)
        thread.close()
        await thread.close_mcp()
        await thread.client.aclose()
    if options.output_last_message is not None:
        try:
            options.output_last_message.write_text(last_message + ("\n" if last_message else ""), "utf-8")
        except OSError as exc:
            err.write(f"tandem exec: cannot write {options.output_last_message}: {exc.strerror}\n")
            return 1
    if turn.status is TurnStatus.COMPLETED:
        return 0
    if turn.status is TurnStatus.INTERRUPTED:
        return 128 + (stop.signal or signal.SIGINT)
    return 1
