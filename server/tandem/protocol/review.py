"""Wire types of the review of applied changes (docs/architecture.md, "The custom LSP protocol").

An applied change is a ``fileChange`` item whose edit is already in the files; its hunks are kept or
undone afterwards (``tandem/change/accept|reject``). These types let a client render that review:
where each pending hunk stands in a document today (``tandem/change/hunks``, for an inline diff),
the review state of every hunk of a change (``tandem/change/updated``), keeping or undoing a turn's
changes file by file (``tandem/change/acceptFiles|rejectFiles``) and a turn's checkpoint undo or
redo (``tandem/turn/undone``).
"""

from __future__ import annotations

from pydantic import Field

from tandem.protocol.enums import ChangeKind, HunkReviewState, UndoAction
from tandem.protocol.items import WireModel
from tandem.protocol.messages import KeptFile, NullKeepingModel

# --- client -> server requests ---------------------------------------------------------------


class ChangeHunksParams(WireModel):
    """``tandem/change/hunks``: the pending hunks of applied changes in one document (a ``file:`` URI),
    located in its text as the server sees it now (the open buffer, else the file)."""

    uri: str


class HunkBlock(WireModel):
    """One run of changed lines of a located hunk (0-based lines of the document's text now).

    ``start_line``: the first line the run added; for a run that only removes lines, the line its
    removed lines stood before (may equal the line count: removed at the end). ``added``: how many
    lines from ``start_line`` the run added. ``removed``: the lines it removed, without line endings.
    """

    start_line: int
    added: int
    removed: list[str] = Field(default_factory=list)


class LocatedHunk(WireModel):
    """A pending hunk of an applied change, found in a document.

    ``start_line`` / ``line_count``: its changed lines, first to last, context left out (as
    :class:`~tandem.protocol.messages.HunkSpan`); ``blocks``: each run of changed lines in it.
    Keep or undo it with ``tandem/change/accept|reject {threadId, changeId, hunkIds: [hunkId]}``.
    """

    thread_id: str
    turn_id: str
    change_id: str
    hunk_id: str
    header: str
    start_line: int
    line_count: int
    blocks: list[HunkBlock]


class ChangeHunksResult(WireModel):
    """Result of ``tandem/change/hunks``: the document's pending hunks, in line order."""

    hunks: list[LocatedHunk]


class ChangeFilesParams(WireModel):
    """``tandem/change/acceptFiles`` and ``tandem/change/rejectFiles``: keep (or undo) every hunk the
    changes of turn ``turn_id`` made to ``paths`` (as the items show them, relative to the thread's
    cwd; a move matches by either path); null: every file the turn changed. Result: ``ReviewResult``."""

    thread_id: str
    turn_id: str
    paths: list[str] | None = None


# --- server -> client notifications ----------------------------------------------------------


class ChangeHunkState(WireModel):
    """One hunk of an applied change and its review state."""

    id: str
    state: HunkReviewState


class ChangeFileState(NullKeepingModel):
    """One file of an applied change (paths as in the item) and the state of each of its hunks, in
    file order."""

    path: str
    move_path: str | None = None
    kind: ChangeKind
    hunks: list[ChangeHunkState]


class ChangeUpdatedNotification(WireModel):
    """``tandem/change/updated``: the review state of applied change ``change_id`` (the ``fileChange``
    item's id), sent when the change lands and after every keep, undo, checkpoint undo or redo that
    changed the state of one of its hunks."""

    thread_id: str
    turn_id: str
    change_id: str
    files: list[ChangeFileState]


class TurnUndoneNotification(WireModel):
    """``tandem/turn/undone``: a checkpoint ``undo`` (the turn's changes reverted) or ``redo`` (they
    are back) of turn ``turn_id``, from any client; ``restored`` / ``kept`` as in ``UndoResult``."""

    thread_id: str
    turn_id: str
    action: UndoAction
    restored: list[str] = Field(default_factory=list)
    kept: list[KeptFile] = Field(default_factory=list)
