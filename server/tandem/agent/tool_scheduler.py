"""Running a response's tool calls: parallel where safe, serial for edits, outputs in call order.

A call to a :data:`~tandem.tools.base.Concurrency.PARALLEL` tool waits only for the last serial
call before it; a SERIAL call waits for every call before it. Whatever the order of completion,
outputs are recorded in the order the model made the calls (docs/reference-facts.md §1).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from tandem.agent.hook_calls import run_tool
from tandem.agent.turn_limits import Refusal, TurnGuard
from tandem.errors import TandemError
from tandem.hooks.dispatch import HookEngine
from tandem.protocol import JsonDict
from tandem.protocol.items import ErrorItem
from tandem.tools.base import Concurrency, Effect, Tool, ToolCall, ToolHost, ToolOutput
from tandem.tools.registry import ToolRegistry

log = logging.getLogger(__name__)


class SchedulerHost(ToolHost, Protocol):
    """The turn's tool host, which also records outputs in the conversation."""

    def record(self, item: JsonDict) -> None:
        """Append a history item (a call's output, or an item that follows it)."""
        ...


@dataclass(slots=True)
class _Entry:
    call: ToolCall
    task: asyncio.Task[ToolOutput]
    recorded: bool = False


async def _answer(output: ToolOutput) -> ToolOutput:
    return output


class ToolScheduler:
    """Schedules the tool calls of one model response.

    Args:
        host: what the tools see; outputs are recorded through it, in call order.
        tools: the registry calls are looked up in.
        guard: the turn's guard (:mod:`tandem.agent.turn_limits`); a call it refuses is not run and gets
            the refusal as its output.
        hooks: the thread's hooks: every call of a known tool runs through PreToolUse and PostToolUse
            here, the one dispatch point of every tool (:mod:`tandem.agent.hook_calls`).

    A call whose tool is unknown gets an ``unsupported call`` output; a tool's
    :class:`~tandem.errors.TandemError` becomes its (failed) output. The user's cancel
    (:class:`~tandem.errors.TurnCancelledError`, an :class:`asyncio.CancelledError`) ends the
    call's task cancelled, and the calls that wait for it are cancelled too.
    """

    def __init__(
        self,
        host: SchedulerHost,
        tools: ToolRegistry,
        guard: TurnGuard | None = None,
        hooks: HookEngine | None = None,
    ) -> None:
        self._host = host
        self._hooks = hooks
        self._tools = tools
        self._guard = guard
        self._entries: list[_Entry] = []
        self._last_serial: asyncio.Task[ToolOutput] | None = None
        self._since_serial: list[asyncio.Task[ToolOutput]] = []

    @property
    def had_calls(self) -> bool:
        """Whether the response made any tool call."""
        return bool(self._entries)

    def submit(self, call: ToolCall) -> None:
        """Start ``call`` as soon as the calls it must wait for are done (or answer it at once when the
        turn's guard refuses it)."""
        refusal = self._guard.admit(call) if self._guard is not None else None
        if refusal is not None:
            self._refuse(call, refusal)
            return
        tool = self._tools.get(call.name)
        parallel = tool is None or tool.concurrency is Concurrency.PARALLEL
        deps = [self._last_serial] if self._last_serial is not None else []
        if not parallel:
            deps += self._since_serial
        task = asyncio.create_task(self._run(call, tool, deps), name=f"tool {call.name} {call.call_id}")
        if parallel:
            self._since_serial.append(task)
        else:
            self._last_serial, self._since_serial = task, []
        self._entries.append(_Entry(call, task))

    def _refuse(self, call: ToolCall, refusal: Refusal) -> None:
        log.info("tool call %s: %s not run (turn guard)", call.call_id, call.name)
        if refusal.notice is not None:
            notice = ErrorItem(id=self._host.new_item_id(), message=refusal.notice)
            self._host.item_started(notice)
            self._host.item_completed(notice)
        task = asyncio.create_task(_answer(ToolOutput(refusal.output, success=False)), name=f"refused {call.call_id}")
        self._entries.append(_Entry(call, task))

    async def _run(self, call: ToolCall, tool: Tool | None, deps: list[asyncio.Task[ToolOutput]]) -> ToolOutput:
        if deps:
            await asyncio.wait(deps)
            if any(dep.cancelled() for dep in deps):  # the user cancelled the turn at an earlier call
                raise asyncio.CancelledError
        if tool is None:
            log.debug("tool call %s: unsupported tool %s", call.call_id, call.name)
            return ToolOutput(f"unsupported call: {call.name}", success=False)
        started = time.monotonic()
        log.debug("tool call %s: %s started", call.call_id, call.name)
        output = await run_tool(self._hooks, self._host, call, lambda: self._call(tool, call))
        log.debug(
            "tool call %s: %s %s in %.0f ms",
            call.call_id,
            call.name,
            "succeeded" if output.success else "failed",
            (time.monotonic() - started) * 1000,
        )
        return output

    async def _call(self, tool: Tool, call: ToolCall) -> ToolOutput:
        try:
            if tool.effect is Effect.MUTATING:
                await self._host.before_mutation()
            return await tool.run(call, self._host)
        except TandemError as exc:
            return ToolOutput(exc.message, success=False)

    async def finish_and_record(self) -> None:
        """Wait for every call in order and record its output.

        Raises:
            asyncio.CancelledError: the user cancelled the turn at one of the calls' approvals
                (:class:`~tandem.errors.TurnCancelledError`).
        """
        for entry in self._entries:
            if entry.recorded:
                continue
            output = await entry.task
            self._host.record(entry.call.output_item(output))
            for item in output.followups:
                self._host.record(item)
            entry.recorded = True

    async def cancel_and_record(self) -> None:
        """Interrupt: kill unfinished calls, record the outputs of finished ones (never raises)."""
        pending = [entry.task for entry in self._entries if not entry.task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for entry in self._entries:
            task = entry.task
            if entry.recorded or task.cancelled() or task.exception() is not None:
                continue
            self._host.record(entry.call.output_item(task.result()))
            entry.recorded = True
