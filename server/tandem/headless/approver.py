"""Approvals in the terminal: show what the agent wants to do and read y / a / n / c.

Without a terminal to ask (CI, pipes), requests are declined and the model is told, unless the
caller chose to accept everything (``tandem demo`` run non-interactively does, and says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import IO

from tandem.headless.human import ColorMode, Style
from tandem.protocol.enums import ApprovalDecision, ApprovalKind
from tandem.protocol.messages import RequestApprovalParams
from tandem.protocol.printable import printable
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse

_ANSWERS = {
    "y": ApprovalDecision.ACCEPT,
    "yes": ApprovalDecision.ACCEPT,
    "a": ApprovalDecision.ACCEPT_FOR_SESSION,
    "always": ApprovalDecision.ACCEPT_FOR_SESSION,
    "p": ApprovalDecision.ACCEPT_WITH_PREFIX_RULE,
    "n": ApprovalDecision.DECLINE,
    "no": ApprovalDecision.DECLINE,
    "c": ApprovalDecision.CANCEL,
    "cancel": ApprovalDecision.CANCEL,
}


class ApprovalMode(Enum):
    """How a terminal approver answers."""

    ASK = "ask"  # prompt on the terminal
    ACCEPT_ALL = "accept-all"  # accept and say so (demo, scripted runs)
    DECLINE_ALL = "decline-all"  # decline and say so (no terminal)


def open_terminal() -> IO[str] | None:
    """A readable terminal: stdin when it is one, else ``/dev/tty``, else ``None``."""
    if sys.stdin is not None and sys.stdin.isatty():
        return sys.stdin
    try:
        return open("/dev/tty", encoding="utf-8")
    except OSError:
        return None


class TerminalApprover:
    """An :data:`~tandem.agent.thread.Approver` for `tandem exec` and `tandem demo`.

    Args:
        mode: ask, accept all, or decline all.
        err: where requests are shown (stderr).
        terminal: where answers are read (required for :attr:`ApprovalMode.ASK`).
        color: when to colour the requests.
    """

    def __init__(
        self, mode: ApprovalMode, err: IO[str], terminal: IO[str] | None = None, *, color: ColorMode = ColorMode.AUTO
    ) -> None:
        if mode is ApprovalMode.ASK and terminal is None:
            mode = ApprovalMode.DECLINE_ALL
        self._mode = mode
        self._err = err
        self._terminal = terminal
        self._style = Style(err, color)
        self._lock = asyncio.Lock()

    def _show(self, request: RequestApprovalParams) -> None:
        s = self._style
        lines = []
        # printable(): whatever the model wrote, no control character reaches the terminal raw.
        if request.kind is ApprovalKind.COMMAND:
            lines.append(s.bold(s.cyan("approval needed")) + " — run this command?")
            command, cwd = printable(request.command or ""), printable(request.cwd or "")
            lines.append(s.bold(f"  $ {command}") + (s.dim(f"   (in {cwd})") if cwd else ""))
        elif request.kind is ApprovalKind.MCP_TOOL_CALL and request.mcp is not None:
            mcp = request.mcp
            title = f" — {printable(mcp.title)}" if mcp.title else ""
            lines.append(s.bold(s.cyan("approval needed")) + " — run this MCP tool?")
            lines.append(s.bold(f"  {printable(mcp.server)}/{printable(mcp.tool)}") + title)
            arguments = json.dumps(mcp.arguments, ensure_ascii=False, indent=2) if mcp.arguments else "{}"
            lines.extend(f"    {line}" for line in printable(arguments).splitlines())
        else:
            lines.append(s.bold(s.cyan("approval needed")) + " — apply these changes?")
            for change in request.changes or []:
                lines.append(s.diff(printable(change.diff)).rstrip("\n"))
        if request.reason:
            lines.append(f"  reason: {printable(request.reason)}")
        self._err.write("\n".join(lines) + "\n")
        self._err.flush()

    def _ask(self, request: RequestApprovalParams) -> ApprovalDecision:
        assert self._terminal is not None
        prefix_rule = request.prefix_rule
        offered = request.mcp.decisions if request.mcp is not None else None
        always = f"  [p] always allow `{printable(' '.join(prefix_rule))} …`" if prefix_rule else ""
        session = "  [a] yes, for this session"
        if offered is not None:  # an MCP tool: "always" writes approval_mode = "approve" for it
            always = "  [p] always allow this tool" if ApprovalDecision.ACCEPT_ALWAYS in offered else ""
            session = session if ApprovalDecision.ACCEPT_FOR_SESSION in offered else ""
        while True:
            self._err.write(f"  [y] yes{session}{always}  [n] no, tell the model  [c] cancel the turn > ")
            self._err.flush()
            line = self._terminal.readline()
            if not line:
                return ApprovalDecision.CANCEL
            answer = _ANSWERS.get(line.strip().lower())
            if offered is not None and answer is ApprovalDecision.ACCEPT_WITH_PREFIX_RULE:
                answer = ApprovalDecision.ACCEPT_ALWAYS
            if answer is ApprovalDecision.ACCEPT_WITH_PREFIX_RULE and not prefix_rule:
                continue
            if offered is not None and answer is not None and answer not in offered:
                continue
            if answer is not None:
                return answer

    async def __call__(self, request: ApprovalRequest) -> ApprovalResponse:
        """Show ``request`` and return the decision (one prompt at a time)."""
        async with self._lock:
            self._show(request.params)
            if self._mode is ApprovalMode.ACCEPT_ALL:
                self._err.write(self._style.dim("  → accepted automatically (non-interactive run)") + "\n")
                return ApprovalResponse(ApprovalDecision.ACCEPT)
            if self._mode is ApprovalMode.DECLINE_ALL:
                self._err.write(
                    self._style.dim(
                        "  → declined: no terminal to ask; use --approval-policy never or run interactively"
                    )
                    + "\n"
                )
                return ApprovalResponse(ApprovalDecision.DECLINE)
            return ApprovalResponse(await _in_daemon_thread(self._ask, request.params))


def _in_daemon_thread(
    ask: Callable[[RequestApprovalParams], ApprovalDecision], rule: RequestApprovalParams
) -> Awaitable[ApprovalDecision]:
    """Run the blocking terminal read in a daemon thread: when a signal ends the turn meanwhile, the
    process can exit without waiting for a key press (``asyncio.to_thread``'s pool would wait)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[ApprovalDecision] = loop.create_future()

    def deliver(answer: ApprovalDecision | None, error: BaseException | None) -> None:
        if future.done():  # the turn stopped waiting
            return
        if error is not None:
            future.set_exception(error)
        else:
            assert answer is not None
            future.set_result(answer)

    def work() -> None:
        try:
            loop.call_soon_threadsafe(deliver, ask(rule), None)
        except Exception as exc:  # noqa: BLE001 - handed to the waiting coroutine
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(deliver, None, exc)

    threading.Thread(target=work, name="tandem-approval", daemon=True).start()
    return future
