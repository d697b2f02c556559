"""``tandem exec``: run one turn headless, print it (human or JSONL), exit 0 / 1 / 130.

Exit codes: 0 the turn completed; 1 it failed (or configuration was wrong); 128 + N when signal N
ended it (130 SIGINT, 143 SIGTERM, 129 SIGHUP). A signal interrupts the turn: its commands and
their daemons are killed, what it changed is checkpointed and it is recorded as interrupted; a
second signal kills what is left and exits at once. ``-o FILE`` receives the last agent message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tandem.agent.events import Event, EventSink, ItemCompleted
from tandem.agent.thread import Approver, Thread
from tandem.agent.threads import ThreadManager
from tandem.config import CliOverrides, Config, load_config
from tandem.errors import TandemError
from tandem.headless.approver import ApprovalMode, TerminalApprover, open_terminal
from tandem.headless.human import HumanRenderer
from tandem.headless.jsonl import JsonlWriter
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import AgentMessageItem, InputItem, TextInput
from tandem.tools.process import kill_running_processes

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(slots=True)
class ExecOptions:
    """What ``tandem exec`` was asked to do.

    Attributes:
        prompt: the user's message; ``None`` or ``"-"`` reads it from stdin.
        json: write Codex-compatible JSONL events to stdout instead of the human transcript.
        output_last_message: file that receives the final agent message.
        resume: a thread id (or prefix) to continue, or ``"--last"`` for the newest in this cwd.
        approval_mode: how approval requests are answered; ``None`` = ask on a terminal if any.
    """

    prompt: str | None
    cwd: Path
    cli: CliOverrides = field(default_factory=CliOverrides)
    json: bool = False
    output_last_message: Path | None = None
    resume: str | None = None
    approval_mode: ApprovalMode | None = None


def _read_prompt(prompt: str | None, stdin: IO[str]) -> str:
    if prompt is not None and prompt != "-":
        return prompt
    if prompt is None and stdin.isatty():
        raise TandemError("no prompt given: pass it as an argument, or '-' to read it from stdin")
    text = stdin.read()
    if not text.strip():
        raise TandemError("the prompt read from stdin is empty")
    return text


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
    return TerminalApprover(mode, err, open_terminal() if mode is ApprovalMode.ASK else None)


def _open_thread(options: ExecOptions, config: Config, approver: Approver) -> Thread:
    """The thread to run: a new one, or a resumed one with this invocation's settings."""
    manager = ThreadManager(lambda _cwd: config, approver=approver, originator="tandem_exec")
    if options.resume is None:
        return manager.create(config)
    if options.resume == "--last":
        return manager.resume_latest(config.cwd, config)
    return manager.resume(options.resume, config)


async def run_exec(
    options: ExecOptions, out: IO[str] | None = None, err: IO[str] | None = None, stdin: IO[str] | None = None
) -> int:
    """Run ``tandem exec``; returns the process exit code. Never raises for user errors."""
    out = out or sys.stdout
    err = err or sys.stderr
    jsonl = JsonlWriter(out) if options.json else None
    try:
        prompt = _read_prompt(options.prompt, stdin or sys.stdin)
        config = load_config(options.cwd, options.cli)
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

    renderer: EventSink = jsonl if jsonl is not None else HumanRenderer(out, err)
    thread.subscribe(_tolerant(renderer))
    thread.subscribe(remember)
    loop = asyncio.get_running_loop()
    stop = _SignalStop(thread)
    stop.install(loop)
    try:
        thread.announce()
        input_items: list[InputItem] = [TextInput(text=prompt)]
        turn = await thread.run_turn(input_items)
    except TandemError as exc:  # refused before it started (e.g. an input too large)
        if jsonl is not None:
            jsonl.write({"type": "error", "message": exc.message})
        err.write(f"tandem exec: {exc.message}\n")
        return 1
    finally:
        stop.remove(loop)
        kill_running_processes()  # nothing a turn started outlives it (no-op when the turn ended cleanly)
        thread.close()
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
