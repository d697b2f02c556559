"""``tandem/change/accept|reject|read``, ``tandem/change/preview``, ``tandem/change/hunks``,
``tandem/change/acceptFiles|rejectFiles`` and ``tandem/undo``: the agent's changes, proposed (preview
of a pending approval) and after they landed (read, locate in a document, review, undo)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from tandem.agent.review import ReviewResult as Review
from tandem.checkpoints.undo import UndoOutcome
from tandem.errors import NotFoundError
from tandem.lsp import review_wire
from tandem.lsp.documents import uri_to_path
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.patch.applier import FileChange, display_path
from tandem.protocol.items import dump
from tandem.protocol.messages import (
    ChangeDecisionParams,
    ChangedFile,
    ChangePreviewParams,
    ChangePreviewResult,
    ChangeReadParams,
    ChangeReadResult,
    KeptFile,
    RedoParams,
    ReviewResult,
    UndoParams,
    UndoResult,
)
from tandem.protocol.review import ChangeFilesParams, ChangeHunksParams, ChangeHunksResult
from tandem.tools.proposals import wire_kind


def _wire(review: Review) -> dict[str, Any]:
    return dump(ReviewResult(done=review.done, kept=review.kept))


class ReviewAction(Enum):
    """What a review of landed hunks does."""

    ACCEPT = "accept"  # mark them reviewed; the text stays
    REJECT = "reject"  # revert them where the text is still what the agent wrote


async def review(hub: ThreadHub, action: ReviewAction, params: ChangeDecisionParams) -> dict[str, Any]:
    """Accept or reject a landed change (or some of its hunks), then refresh the code lenses; the one
    implementation behind ``tandem/change/accept|reject`` and the ``tandem.accept*``/``tandem.reject*``
    commands. Returns the wire's ``ReviewResult``.

    Raises:
        NotFoundError: unknown change or hunk.
        ConflictError / PatchApplyError: a revert could not be applied (nothing changed).
    """
    if action is ReviewAction.ACCEPT:
        result = hub.tracker.accept(params.change_id, params.hunk_ids)
    else:
        result = await hub.tracker.reject(params.change_id, params.hunk_ids)
    hub.refresh_code_lenses()
    return _wire(result)


async def change_accept(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/accept``: mark hunks reviewed."""
    return await review(hub, ReviewAction.ACCEPT, parse_params(ChangeDecisionParams, request))


async def change_reject(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/reject``: revert hunks still as the agent wrote them."""
    return await review(hub, ReviewAction.REJECT, parse_params(ChangeDecisionParams, request))


async def change_accept_files(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/acceptFiles``: keep a turn's pending hunks in some files (or all of them)."""
    params = parse_params(ChangeFilesParams, request)
    result = hub.tracker.accept_files(params.thread_id, params.turn_id, params.paths)
    hub.refresh_code_lenses()
    return _wire(result)


async def change_reject_files(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/rejectFiles``: undo a turn's hunks in some files (or all of them)."""
    params = parse_params(ChangeFilesParams, request)
    result = await hub.tracker.reject_files(params.thread_id, params.turn_id, params.paths)
    hub.refresh_code_lenses()
    return _wire(result)


async def change_hunks(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/hunks``: the pending hunks of applied changes in one document, located in its
    text now (nothing for a URI that is not a file)."""
    params = parse_params(ChangeHunksParams, request)
    path = uri_to_path(params.uri)
    pending = hub.tracker.pending_in(path) if path is not None else []
    return dump(ChangeHunksResult(hunks=[review_wire.located(p) for p in pending]))


async def change_preview(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/preview``: a pending file-change approval's files with only some hunks applied."""
    params = parse_params(ChangePreviewParams, request)
    files = hub.editor.preview(params.thread_id, params.request_id, params.accepted_hunk_ids)
    return dump(ChangePreviewResult(files=files))


def _changed_file(change: FileChange, cwd: Path | None) -> ChangedFile:
    def show(path: Path) -> str:
        return display_path(path, cwd) if cwd is not None else str(path)

    return ChangedFile(
        path=show(change.path),
        move_path=show(change.move_path) if change.move_path is not None else None,
        kind=wire_kind(change),
        old_text=change.old_text,
        new_text=change.new_text,
    )


async def change_read(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/change/read``: an applied change's texts before and after, as committed."""
    params = parse_params(ChangeReadParams, request)
    change_set = hub.tracker.get(params.change_id)
    if change_set.thread_id != params.thread_id:
        raise NotFoundError(f"no change {params.change_id!r} in thread {params.thread_id!r}")
    return dump(ChangeReadResult(files=[_changed_file(t.change, change_set.cwd) for t in change_set.files]))


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


async def undo(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/undo``: revert a turn's changes from its checkpoint, keeping what the user edited since."""
    params = parse_params(UndoParams, request)
    return undo_result(await hub.undo(params.thread_id, params.turn_id))


async def redo(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/redo``: revert the thread's newest undo."""
    params = parse_params(RedoParams, request)
    return undo_result(await hub.redo(params.thread_id))
