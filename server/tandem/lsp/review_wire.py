"""The review of applied changes in wire form (:mod:`tandem.protocol.review`): change-set states for
``tandem/change/updated``, located hunks for ``tandem/change/hunks``, and checkpoint undo/redo
outcomes for ``tandem/turn/undone``."""

from __future__ import annotations

from pathlib import Path

from tandem.agent.review import ChangeSet, PendingHunk
from tandem.checkpoints.log import EntryKind
from tandem.checkpoints.undo import UndoOutcome
from tandem.patch.applier import display_path
from tandem.protocol.enums import HunkReviewState, UndoAction
from tandem.protocol.messages import KeptFile
from tandem.protocol.review import (
    ChangeFileState,
    ChangeHunkState,
    ChangeUpdatedNotification,
    HunkBlock,
    LocatedHunk,
    TurnUndoneNotification,
)
from tandem.tools.proposals import wire_kind


def change_updated(change_set: ChangeSet) -> ChangeUpdatedNotification:
    """The review state of every hunk of ``change_set`` (paths relative to its cwd, as in the item)."""

    def show(path: Path) -> str:
        return display_path(path, change_set.cwd) if change_set.cwd is not None else str(path)

    files = [
        ChangeFileState(
            path=show(tracked.change.path),
            move_path=show(tracked.change.move_path) if tracked.change.move_path is not None else None,
            kind=wire_kind(tracked.change),
            hunks=[ChangeHunkState(id=h.hunk.id, state=HunkReviewState(h.state.value)) for h in tracked.hunks],
        )
        for tracked in change_set.files
    ]
    return ChangeUpdatedNotification(
        thread_id=change_set.thread_id, turn_id=change_set.turn_id, change_id=change_set.id, files=files
    )


def located(pending: PendingHunk) -> LocatedHunk:
    """A pending hunk found in a document; its span runs from its first to its last changed line."""
    runs = pending.runs
    start = runs[0].start_line if runs else pending.start_line
    end = max((r.start_line + r.added for r in runs), default=start)
    return LocatedHunk(
        thread_id=pending.thread_id,
        turn_id=pending.turn_id,
        change_id=pending.change_id,
        hunk_id=pending.hunk_id,
        header=pending.header,
        start_line=start,
        line_count=max(end - start, 0),
        blocks=[HunkBlock(start_line=r.start_line, added=r.added, removed=list(r.removed)) for r in runs],
    )


def turn_undone(thread_id: str, outcome: UndoOutcome) -> TurnUndoneNotification:
    """A checkpoint undo or redo of one turn, as told to every client."""
    return TurnUndoneNotification(
        thread_id=thread_id,
        turn_id=outcome.turn_id,
        action=UndoAction.REDO if outcome.kind is EntryKind.REDO else UndoAction.UNDO,
        restored=outcome.restored,
        kept=[KeptFile(path=k.path, reason=k.reason.value) for k in outcome.kept],
    )
