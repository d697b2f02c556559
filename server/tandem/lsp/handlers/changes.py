"""``tandem/change/accept|reject`` and ``tandem/undo``: review the agent's changes after they landed."""

from __future__ import annotations

from typing import Any

from tandem.agent.review import ReviewResult as Review
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params, rpc_errors
from tandem.protocol.items import dump
from tandem.protocol.messages import ChangeDecisionParams, ReviewResult, UndoParams


def _wire(review: Review) -> dict[str, Any]:
    return dump(ReviewResult(done=review.done, kept=review.kept))


@rpc_errors
async def change_accept(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/accept``: mark hunks reviewed."""
    params = parse_params(ChangeDecisionParams, request)
    review = hub.tracker.accept(params.change_id, params.hunk_ids)
    hub.refresh_code_lenses()
    return _wire(review)


@rpc_errors
async def change_reject(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/reject``: revert hunks still as the agent wrote them."""
    params = parse_params(ChangeDecisionParams, request)
    review = await hub.tracker.reject(params.change_id, params.hunk_ids)
    hub.refresh_code_lenses()
    return _wire(review)


@rpc_errors
async def undo(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/undo``: revert a turn's changes, keeping what the user edited since."""
    params = parse_params(UndoParams, request)
    hub.get(params.thread_id)
    review = await hub.tracker.undo_turn(params.thread_id, params.turn_id)
    hub.refresh_code_lenses()
    return _wire(review)
