"""``tandem/change/accept|reject`` and ``tandem/undo``: review the agent's changes after they landed."""

from __future__ import annotations

from typing import Any

from tandem.agent.review import ReviewResult as Review
from tandem.checkpoints.log import EntryKind
from tandem.checkpoints.undo import UndoOutcome
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params, rpc_errors
from tandem.protocol.items import dump
from tandem.protocol.messages import ChangeDecisionParams, KeptFile, RedoParams, ReviewResult, UndoParams, UndoResult


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


def undo_result(outcome: UndoOutcome) -> dict[str, Any]:
    """An undo/redo outcome as the wire's ``UndoResult``."""
    return dump(
        UndoResult(
            checkpoint_id=outcome.entry_id,
            turn_id=outcome.turn_id,
            restored=outcome.restored,
            kept=[KeptFile(path=k.path, reason=k.reason.value) for k in outcome.kept],
        )
    )


@rpc_errors
async def undo(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/undo``: revert a turn's changes from its checkpoint, keeping what the user edited since."""
    params = parse_params(UndoParams, request)
    return undo_result(await hub.undo(params.thread_id, params.turn_id, EntryKind.UNDO))


@rpc_errors
async def redo(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/redo``: revert the thread's newest undo."""
    params = parse_params(RedoParams, request)
    return undo_result(await hub.undo(params.thread_id, None, EntryKind.REDO))
