"""The :class:`~tandem.tools.base.ToolHost` a turn's tools see, and the turn's file-change bookkeeping.

It holds the turn's :class:`~tandem.agent.turn_context.TurnContext` (what the tools read) and the
thread's :class:`~tandem.agent.conversation.Conversation` (item ids, records) directly. Items are
emitted as deep copies: a tool mutates its item between ``item_started`` and ``item_completed``,
and an event a listener keeps must never change afterwards.

It also owns the turn's checkpoint (taken before the first mutating call, see
:mod:`tandem.agent.turn_checkpoint`) and turn diff (``DiffUpdated`` whenever it changes).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from tandem.agent.conversation import Conversation
from tandem.agent.events import (
    AgentMessageDelta,
    CommandOutputDelta,
    DiffUpdated,
    FilesChanged,
    ItemCompleted,
    ItemStarted,
    ItemUpdated,
    PlanUpdated,
    ReasoningDelta,
)
from tandem.agent.turn_checkpoint import TurnCheckpoint
from tandem.agent.turn_context import TurnContext
from tandem.agent.turn_diff import TurnDiffTracker
from tandem.config import Config
from tandem.errors import TandemError
from tandem.patch.applier import FileChange
from tandem.patch.workspace import Workspace
from tandem.protocol import JsonDict
from tandem.protocol.enums import SandboxMode
from tandem.protocol.items import Item, PlanItem, PlanStep
from tandem.sandbox.policy import SandboxPolicy
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, HunkState, SessionApprovals

log = logging.getLogger(__name__)


class TurnToolHost:
    """What one turn gives its tools, its response stream and its tool scheduler.

    Args:
        ctx: the turn's fixed inputs.
        conversation: the thread's durable state (ids are drawn and outputs recorded there).
    """

    def __init__(self, ctx: TurnContext, conversation: Conversation) -> None:
        self._ctx = ctx
        self._conversation = conversation
        self._diff = TurnDiffTracker(ctx.cwd)
        # merge: TurnCheckpoint takes mode/cwd/home
        self._checkpoint = TurnCheckpoint(
            ctx.checkpoints, ctx.cwd, ctx.checkpoint_home, ctx.thread_id, ctx.turn_id, ctx.workspace
        )
        self._plan: PlanItem | None = None
        self._last_diff = ""

    # --- identity and settings --------------------------------------------------------------

    @property
    def thread_id(self) -> str:
        """The thread's id."""
        return self._ctx.thread_id

    @property
    def turn_id(self) -> str:
        """This turn's id."""
        return self._ctx.turn_id

    @property
    def cwd(self) -> Path:
        """The thread's working directory."""
        return self._ctx.cwd

    @property
    def config(self) -> Config:
        """The thread's settings."""
        return self._ctx.config

    @property
    def workspace(self) -> Workspace:
        """Where file changes are read and written."""
        return self._ctx.workspace

    @property
    def session_approvals(self) -> SessionApprovals:
        """The thread's accept-for-session cache."""
        return self._ctx.session_approvals

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        """The thread's sandbox policy (``mode`` overrides the configured one)."""
        return self._ctx.sandbox_policy(mode)

    async def request_approval(self, request: ApprovalRequest) -> ApprovalResponse:
        """Ask the user through the thread's approver."""
        return await self._ctx.approver(request)

    # --- items and records ------------------------------------------------------------------

    def new_item_id(self) -> str:
        """A fresh item id, unique within the thread."""
        return self._conversation.next_item_id()

    def record(self, item: JsonDict) -> None:
        """Append a history item (a tool output, a model output item) to the conversation."""
        self._conversation.record(item)

    def item_started(self, item: Item) -> None:
        """Announce an item (a copy: later changes to ``item`` do not reach this event)."""
        self._ctx.emit(ItemStarted(self.thread_id, self.turn_id, item.model_copy(deep=True)))

    def item_updated(self, item: Item) -> None:
        """Announce an item's new in-progress state (a copy)."""
        self._ctx.emit(ItemUpdated(self.thread_id, self.turn_id, item.model_copy(deep=True)))

    def item_completed(self, item: Item) -> None:
        """Announce an item's final state (a copy) and record it in the rollout."""
        self._conversation.record_item_completed(self.turn_id, item)
        self._ctx.emit(ItemCompleted(self.thread_id, self.turn_id, item.model_copy(deep=True)))

    def command_output(self, item_id: str, delta: str) -> None:
        """Stream command output to surfaces."""
        self._ctx.emit(CommandOutputDelta(self.thread_id, self.turn_id, item_id, delta))

    def message_delta(self, item_id: str, delta: str) -> None:
        """Stream a piece of an agent message."""
        self._ctx.emit(AgentMessageDelta(self.thread_id, self.turn_id, item_id, delta))

    def reasoning_delta(self, item_id: str, delta: str) -> None:
        """Stream a piece of reasoning."""
        self._ctx.emit(ReasoningDelta(self.thread_id, self.turn_id, item_id, delta))

    def plan_updated(self, steps: list[PlanStep], explanation: str | None) -> None:
        """Show the plan: the turn's plan item starts on the first call and updates after."""
        first = self._plan is None
        self._plan = PlanItem(
            id=self._plan.id if self._plan else self.new_item_id(), steps=steps, explanation=explanation
        )
        self._ctx.emit(PlanUpdated(self.thread_id, self.turn_id, steps, explanation))
        (self.item_started if first else self.item_updated)(self._plan)

    def complete_plan(self) -> None:
        """At the turn's end: the plan item (if the model made one) reaches its final state."""
        if self._plan is not None:
            self.item_completed(self._plan)

    # --- file changes -----------------------------------------------------------------------

    def files_changed(
        self, item_id: str, changes: Sequence[FileChange], cwd: Path, *, state: HunkState = HunkState.PENDING
    ) -> None:
        """Publish committed changes of item ``item_id`` and the turn diff they lead to."""
        self._checkpoint.record_edit(list(changes))
        self._diff.record(changes)
        self._ctx.emit(FilesChanged(self.thread_id, self.turn_id, item_id, list(changes), cwd, state))
        self._emit_diff()

    def enter_workspace(self) -> None:
        """At the turn's start: announce it to every Tandem process (no undo runs across it)."""
        self._checkpoint.enter()

    def leave_workspace(self) -> None:
        """At the turn's very end: withdraw that announcement (idempotent)."""
        self._checkpoint.leave()

    async def before_mutation(self) -> None:
        """Take the turn's checkpoint before its first mutating tool call."""
        await self._checkpoint.before_mutation()

    async def sync_checkpoint(self, *, final: bool) -> None:
        """Fold what the workspace scan found (shell-made changes too) into the turn diff; log it at the end
        (``final``). A failing checkpoint is logged and never fails the turn."""
        if not self._checkpoint.active:
            return
        try:
            deltas = await (self._checkpoint.finish() if final else self._checkpoint.current())
        except (OSError, TandemError) as exc:
            log.warning("turn %s: checkpoint failed: %s", self.turn_id, exc)
            return
        for delta in deltas:
            self._diff.observe(delta.path, delta.before, delta.after, (delta.mode, delta.after_mode))
        self._emit_diff()

    @property
    def turn_diff(self) -> str:
        """The turn's unified diff as last announced (``DiffUpdated``); "" when nothing changed."""
        return self._last_diff

    def _emit_diff(self) -> None:
        diff = self._diff.diff()
        if diff != self._last_diff:
            self._last_diff = diff
            self._ctx.emit(DiffUpdated(self.thread_id, self.turn_id, diff))
