"""``tandem/thread/*``: start, list, resume, fork. Handlers take ``(hub, params)``; see :mod:`tandem.lsp.app`."""

from __future__ import annotations

from typing import Any

from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.protocol.items import dump
from tandem.protocol.messages import (
    ThreadCompactParams,
    ThreadForkParams,
    ThreadListParams,
    ThreadListResult,
    ThreadResult,
    ThreadResumeParams,
    ThreadResumeResult,
    ThreadRollbackParams,
    ThreadRollbackResult,
    ThreadStartParams,
    TurnResult,
)


async def thread_start(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/start``."""
    params = parse_params(ThreadStartParams, request)
    return dump(ThreadResult(thread=hub.create(params).info))


async def thread_list(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/list``."""
    params = parse_params(ThreadListParams, request)
    return dump(ThreadListResult(threads=hub.list_threads(params.limit)))


async def thread_resume(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/resume``."""
    params = parse_params(ThreadResumeParams, request)
    thread, transcript = hub.resume(params.thread_id)
    return dump(
        ThreadResumeResult(
            thread=thread.info, items=transcript.items, turns=transcript.turns, token_usage=transcript.token_usage
        )
    )


async def thread_fork(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/fork``."""
    params = parse_params(ThreadForkParams, request)
    return dump(ThreadResult(thread=hub.fork(params.thread_id, params.turn_id).info))


async def thread_compact(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/compact``: starts a compaction turn and returns it at once (events follow)."""
    params = parse_params(ThreadCompactParams, request)
    thread = hub.get(params.thread_id)
    turn, _ = thread.start_compaction()
    return dump(TurnResult(turn=turn, thread=thread.info))


async def thread_rollback(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/thread/rollback``: drop the last turns from the conversation."""
    params = parse_params(ThreadRollbackParams, request)
    removed = hub.get(params.thread_id).rollback(params.turns)
    return dump(ThreadRollbackResult(removed_turns=removed))
