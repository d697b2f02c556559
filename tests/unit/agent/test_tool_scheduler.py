"""ToolScheduler with real tools whose calls finish when the test says: concurrency, output order, answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from agent_parts import TurnParts

from tandem.agent.tool_scheduler import ToolScheduler
from tandem.errors import ToolError, TurnCancelledError
from tandem.protocol import JsonDict
from tandem.tools.base import CallKind, Concurrency, Effect, ToolCall, ToolHost, ToolOutput

GUARD_S = 10  # only bounds a broken scheduler's hang; never a synchronisation


class GatedTool:
    """A tool whose calls start, then wait until the test opens their gate; ``log`` keeps the order."""

    effect = Effect.READ_ONLY

    def __init__(self, name: str, concurrency: Concurrency, log: list[str]) -> None:
        self.name = name
        self.concurrency = concurrency
        self.log = log
        self.started: dict[str, asyncio.Event] = {}
        self.gates: dict[str, asyncio.Event] = {}
        self.ended: dict[str, asyncio.Event] = {}

    def spec(self) -> JsonDict:
        return {"type": "function", "name": self.name, "parameters": {"type": "object", "properties": {}}}

    def gate(self, call_id: str) -> asyncio.Event:
        return self.gates.setdefault(call_id, asyncio.Event())

    def start(self, call_id: str) -> asyncio.Event:
        return self.started.setdefault(call_id, asyncio.Event())

    def end(self, call_id: str) -> asyncio.Event:
        """Set in the same step the call returns (so its task is done when a waiter wakes up)."""
        return self.ended.setdefault(call_id, asyncio.Event())

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        self.log.append(f"start {call.call_id}")
        self.start(call.call_id).set()
        await self.gate(call.call_id).wait()
        self.log.append(f"end {call.call_id}")
        self.end(call.call_id).set()
        if call.payload == "fail":
            raise ToolError(f"{call.call_id} failed")
        if call.payload == "cancel":
            raise TurnCancelledError()
        return ToolOutput(f"out {call.call_id}")


def fn(call_id: str, name: str, payload: str = "{}") -> ToolCall:
    return ToolCall(call_id=call_id, name=name, kind=CallKind.FUNCTION, payload=payload)


def outputs(parts: TurnParts) -> list[tuple[str, str]]:
    return [(item["call_id"], item["output"]) for item in parts.conversation.history]


async def test_parallel_calls_run_together_serial_ones_wait_and_outputs_keep_call_order(
    turn_parts: Callable[..., TurnParts],
) -> None:
    log: list[str] = []
    read = GatedTool("read", Concurrency.PARALLEL, log)
    edit = GatedTool("edit", Concurrency.SERIAL, log)
    parts = turn_parts(read, edit)
    scheduler = ToolScheduler(parts.host, parts.ctx.tools)
    for call in (fn("r1", "read"), fn("r2", "read"), fn("e3", "edit"), fn("r4", "read")):
        scheduler.submit(call)
    # Both reads are running at once (a scheduler running them one by one would never get here).
    await asyncio.wait_for(asyncio.gather(read.start("r1").wait(), read.start("r2").wait()), GUARD_S)
    read.gate("r2").set()  # the second read finishes first
    read.gate("r1").set()
    await asyncio.wait_for(edit.start("e3").wait(), GUARD_S)
    edit.gate("e3").set()
    read.gate("r4").set()
    await asyncio.wait_for(scheduler.finish_and_record(), GUARD_S)
    assert log.index("start e3") > max(log.index("end r1"), log.index("end r2"))  # serial waits for all before it
    assert log.index("start r4") > log.index("end e3")  # and what follows waits for it
    assert outputs(parts) == [("r1", "out r1"), ("r2", "out r2"), ("e3", "out e3"), ("r4", "out r4")]
    assert scheduler.had_calls


async def test_every_call_is_answered_unknown_tools_and_tool_errors_included(
    turn_parts: Callable[..., TurnParts],
) -> None:
    tool = GatedTool("read", Concurrency.PARALLEL, [])
    parts = turn_parts(tool)
    scheduler = ToolScheduler(parts.host, parts.ctx.tools)
    scheduler.submit(fn("c1", "nope"))
    scheduler.submit(fn("c2", "read", "fail"))
    tool.gate("c2").set()
    await asyncio.wait_for(scheduler.finish_and_record(), GUARD_S)
    assert outputs(parts) == [("c1", "unsupported call: nope"), ("c2", "c2 failed")]


async def test_the_users_cancel_is_never_an_output_and_cancels_the_calls_waiting_for_it(
    turn_parts: Callable[..., TurnParts],
) -> None:
    log: list[str] = []
    read = GatedTool("read", Concurrency.PARALLEL, log)
    edit = GatedTool("edit", Concurrency.SERIAL, log)
    parts = turn_parts(read, edit)
    scheduler = ToolScheduler(parts.host, parts.ctx.tools)
    scheduler.submit(fn("r1", "read"))
    scheduler.submit(fn("e2", "edit", "cancel"))  # the user cancels at this call's approval
    scheduler.submit(fn("r3", "read"))
    read.gate("r1").set()
    edit.gate("e2").set()
    with pytest.raises(asyncio.CancelledError):  # TurnCancelledError: not swallowed by `except TandemError`
        await asyncio.wait_for(scheduler.finish_and_record(), GUARD_S)
    await asyncio.wait_for(scheduler.cancel_and_record(), GUARD_S)
    assert "start r3" not in log  # it waited for the cancelled call, so it never ran
    assert outputs(parts) == [("r1", "out r1")]  # the turn answers the others "aborted"


async def test_an_interrupt_kills_running_calls_and_keeps_finished_outputs(
    turn_parts: Callable[..., TurnParts],
) -> None:
    log: list[str] = []
    read = GatedTool("read", Concurrency.PARALLEL, log)
    parts = turn_parts(read)
    scheduler = ToolScheduler(parts.host, parts.ctx.tools)
    scheduler.submit(fn("r1", "read"))
    scheduler.submit(fn("r2", "read"))
    read.gate("r2").set()
    await asyncio.wait_for(read.start("r1").wait(), GUARD_S)
    await asyncio.wait_for(read.end("r2").wait(), GUARD_S)  # r2 finished; r1 still waits at its gate
    await asyncio.wait_for(scheduler.cancel_and_record(), GUARD_S)
    assert "end r1" not in log
    assert outputs(parts) == [("r2", "out r2")]
