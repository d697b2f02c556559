"""Events the agent loop emits; every surface (exec JSONL, exec human output, LSP) renders these.

Order within a turn: ``TurnStarted`` -> per item ``ItemStarted`` -> deltas / ``ItemUpdated`` ->
``ItemCompleted`` (approval requests happen between an item's start and completion) -> ...
-> ``TurnCompleted``. Payload objects are the wire types of :mod:`tandem.protocol.items`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tandem.patch.applier import FileChange
from tandem.protocol.enums import TurnErrorCode
from tandem.protocol.extensions import McpServerStatus
from tandem.protocol.items import ErrorItem, Item, PlanStep, ThreadInfo, Turn, Usage
from tandem.tools.approvals import HunkState


@dataclass(frozen=True, slots=True)
class ThreadStarted:
    """A thread was created or resumed."""

    thread: ThreadInfo


@dataclass(frozen=True, slots=True)
class McpStartupCompleted:
    """A thread's MCP servers started (or failed to): every server's status, and one error item per
    server that failed (``tandem exec --json`` shows those as ``error`` items)."""

    thread_id: str
    servers: list[McpServerStatus]
    errors: list[ErrorItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A turn began."""

    thread_id: str
    turn: Turn


@dataclass(frozen=True, slots=True)
class ItemStarted:
    """An item began (a command starts running, a message starts streaming...)."""

    thread_id: str
    turn_id: str
    item: Item


@dataclass(frozen=True, slots=True)
class ItemUpdated:
    """An item changed while in progress (e.g. the plan)."""

    thread_id: str
    turn_id: str
    item: Item


@dataclass(frozen=True, slots=True)
class ItemCompleted:
    """An item reached its final state."""

    thread_id: str
    turn_id: str
    item: Item


@dataclass(frozen=True, slots=True)
class AgentMessageDelta:
    """A piece of agent message text for item ``item_id``."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of reasoning (summary or raw text) for item ``item_id``."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class CommandOutputDelta:
    """Output a running command just printed (stdout and stderr merged)."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class PlanUpdated:
    """The model called ``update_plan``."""

    thread_id: str
    turn_id: str
    steps: list[PlanStep]
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class DiffUpdated:
    """The unified diff of every file the turn changed so far."""

    thread_id: str
    turn_id: str
    diff: str


@dataclass(frozen=True, slots=True)
class FilesChanged:
    """Item ``item_id`` committed ``changes`` (full before/after texts, for review, undo and checkpoints);
    ``state``: the review state their hunks start in (``accepted`` when the user approved them explicitly)."""

    thread_id: str
    turn_id: str
    item_id: str
    changes: list[FileChange]
    cwd: Path
    state: HunkState = HunkState.PENDING


@dataclass(frozen=True, slots=True)
class TokenUsageUpdated:
    """Token usage after a model response: ``last`` is that response, ``total`` the thread's sum,
    ``context_tokens`` the estimated size of the conversation now, ``context_window`` the model's."""

    thread_id: str
    turn_id: str
    last: Usage
    total: Usage
    context_window: int | None = None
    context_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class StreamRetrying:
    """A model request failed and will be retried after ``delay_s`` seconds.

    ``discarded_item_ids`` name items that had started streaming but never completed: surfaces
    drop what they showed of them, because the retry starts that output afresh. ``code`` is the
    kind of failure (:func:`tandem.agent.turn_errors.turn_error_code`).
    """

    thread_id: str
    turn_id: str
    attempt: int
    max_attempts: int
    delay_s: float
    message: str
    discarded_item_ids: list[str] = field(default_factory=list)
    code: TurnErrorCode | None = None


@dataclass(frozen=True, slots=True)
class TurnCompleted:
    """The turn ended; ``turn.status`` says how (completed, interrupted, failed)."""

    thread_id: str
    turn: Turn


Event = (
    ThreadStarted
    | TurnStarted
    | ItemStarted
    | ItemUpdated
    | ItemCompleted
    | AgentMessageDelta
    | ReasoningDelta
    | CommandOutputDelta
    | PlanUpdated
    | DiffUpdated
    | FilesChanged
    | TokenUsageUpdated
    | StreamRetrying
    | TurnCompleted
    | McpStartupCompleted
)

EventSink = Callable[[Event], None]
"""A listener; called synchronously on the event loop, so it must not block."""
