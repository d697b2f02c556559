"""``tandem/thread/*``: start, list, resume, fork."""

from __future__ import annotations

from typing import Any

from tandem.lsp.hub import ThreadHub
from tandem.lsp.server import TandemLanguageServer, parse_params, rpc_errors
from tandem.protocol import methods
from tandem.protocol.items import dump
from tandem.protocol.messages import (
    ThreadForkParams,
    ThreadListParams,
    ThreadListResult,
    ThreadResult,
    ThreadResumeParams,
    ThreadResumeResult,
    ThreadStartParams,
)


def register(server: TandemLanguageServer, hub: ThreadHub) -> None:
    """Register the thread methods."""

    @server.feature(methods.THREAD_START)
    @rpc_errors
    async def thread_start(request: Any) -> dict[str, Any]:
        params = parse_params(ThreadStartParams, request)
        return dump(ThreadResult(thread=hub.create(params).info))

    @server.feature(methods.THREAD_LIST)
    @rpc_errors
    async def thread_list(request: Any) -> dict[str, Any]:
        params = parse_params(ThreadListParams, request)
        return dump(ThreadListResult(threads=hub.list_threads(params.limit)))

    @server.feature(methods.THREAD_RESUME)
    @rpc_errors
    async def thread_resume(request: Any) -> dict[str, Any]:
        params = parse_params(ThreadResumeParams, request)
        thread, items = hub.resume(params.thread_id)
        return dump(ThreadResumeResult(thread=thread.info, items=items))

    @server.feature(methods.THREAD_FORK)
    @rpc_errors
    async def thread_fork(request: Any) -> dict[str, Any]:
        params = parse_params(ThreadForkParams, request)
        return dump(ThreadResult(thread=hub.fork(params.thread_id, params.turn_id).info))
