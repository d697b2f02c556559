"""``tandem/change/accept|reject`` and ``tandem/undo``: review the agent's changes after they landed."""

from __future__ import annotations

from typing import Any

from tandem.agent.review import ReviewResult as Review
from tandem.lsp.hub import ThreadHub
from tandem.lsp.server import TandemLanguageServer, parse_params, rpc_errors
from tandem.protocol import methods
from tandem.protocol.items import dump
from tandem.protocol.messages import ChangeDecisionParams, ReviewResult, UndoParams


def _wire(review: Review) -> dict[str, Any]:
    return dump(ReviewResult(done=review.done, kept=review.kept))


def register(server: TandemLanguageServer, hub: ThreadHub) -> None:
    """Register the review methods."""

    @server.feature(methods.CHANGE_ACCEPT)
    @rpc_errors
    async def change_accept(request: Any) -> dict[str, Any]:
        params = parse_params(ChangeDecisionParams, request)
        review = hub.tracker.accept(params.change_id, params.hunk_ids)
        hub.refresh_code_lenses()
        return _wire(review)

    @server.feature(methods.CHANGE_REJECT)
    @rpc_errors
    async def change_reject(request: Any) -> dict[str, Any]:
        params = parse_params(ChangeDecisionParams, request)
        review = await hub.tracker.reject(params.change_id, params.hunk_ids)
        hub.refresh_code_lenses()
        return _wire(review)

    @server.feature(methods.UNDO)
    @rpc_errors
    async def undo(request: Any) -> dict[str, Any]:
        params = parse_params(UndoParams, request)
        hub.get(params.thread_id)
        review = await hub.tracker.undo_turn(params.thread_id, params.turn_id)
        hub.refresh_code_lenses()
        return _wire(review)
