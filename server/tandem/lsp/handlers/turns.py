"""``tandem/turn/*``: start (returns at once; optional overrides of the thread's model, effort and
policies), interrupt (returns once the turn stopped), steer."""

from __future__ import annotations

import asyncio
from typing import Any

from tandem.agent.thread import TurnOverrides
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.protocol.items import dump
from tandem.protocol.messages import EmptyResult, TurnInterruptParams, TurnResult, TurnStartParams, TurnSteerParams

INTERRUPT_WAIT_S = 5.0


async def turn_start(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/turn/start``."""
    params = parse_params(TurnStartParams, request)
    overrides = TurnOverrides(
        model=params.model,
        effort=params.effort.value if params.effort is not None else None,
        approval_policy=params.approval_policy,
        sandbox_mode=params.sandbox_mode,
    )
    turn = hub.start_turn(params.thread_id, params.input, overrides)
    return dump(TurnResult(turn=turn, thread=hub.get(params.thread_id).info))


async def turn_interrupt(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/turn/interrupt``."""
    params = parse_params(TurnInterruptParams, request)
    thread = hub.get(params.thread_id)
    task = thread.running_turn
    if task is not None and thread.interrupt(params.turn_id):
        await asyncio.wait([task], timeout=INTERRUPT_WAIT_S)  # reply once the turn really stopped
    return dump(EmptyResult())


async def turn_steer(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/turn/steer``."""
    params = parse_params(TurnSteerParams, request)
    hub.get(params.thread_id).steer(params.input)
    return dump(EmptyResult())
