"""Running a response's tool calls: parallel where safe, serial for edits, outputs in call order.

A call to a :data:`~tandem.tools.base.Concurrency.PARALLEL` tool waits only for the last serial
call before it; a SERIAL call waits for every call before it. Whatever the order of completion,
outputs are recorded in the order the model made the calls (docs/reference-facts.md §1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from tandem.errors import TandemError, TurnCancelledError
from tandem.model.types import JsonDict
from tandem.tools.base import Concurrency, Effect, Tool, ToolCall, ToolHost, ToolOutput
from tandem.tools.registry import ToolRegistry


@dataclass(slots=True)
class _Entry:
    call: ToolCall
    task: asyncio.Task[ToolOutput]
    recorded: bool = False


class ToolScheduler:
    """Schedules the tool calls of one model response.

    Args:
        host: what the tools see (the running turn).
        tools: the registry calls are looked up in.
        record: appends an output item to the thread history.
    """

    def __init__(self, host: ToolHost, tools: ToolRegistry, record: Callable[[JsonDict], None]) -> None:
        self._host = host
        self._tools = tools
        self._record = record
        self._entries: list[_Entry] = []
        self._last_serial: asyncio.Task[ToolOutput] | None = None
        self._since_serial: list[asyncio.Task[ToolOutput]] = []

    @property
    def had_calls(self) -> bool:
        """Whether the response made any tool call."""
        return bool(self._entries)

    def submit(self, call: ToolCall) -> None:
        """Start ``call`` as soon as the calls it must wait for are done."""
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

    async def _run(self, call: ToolCall, tool: Tool | None, deps: list[asyncio.Task[ToolOutput]]) -> ToolOutput:
        if deps:
            await asyncio.wait(deps)
            if any(not dep.cancelled() and isinstance(dep.exception(), TurnCancelledError) for dep in deps):
                raise asyncio.CancelledError
        if tool is None:
            return ToolOutput(f"unsupported call: {call.name}", success=False)
        try:
            if tool.effect is Effect.MUTATING:
                await self._host.before_mutation()
            return await tool.run(call, self._host)
        except TurnCancelledError:
            raise
        except TandemError as exc:
            return ToolOutput(exc.message, success=False)

    async def finish_and_record(self) -> None:
        """Wait for every call in order and record its output.

        Raises:
            TurnCancelledError: the user cancelled the turn at one of the calls' approvals.
        """
        for entry in self._entries:
            if entry.recorded:
                continue
            output = await entry.task
            self._record(entry.call.output_item(output))
            for item in output.followups:
                self._record(item)
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
            self._record(entry.call.output_item(task.result()))
            entry.recorded = True
