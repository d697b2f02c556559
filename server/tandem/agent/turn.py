"""One turn: user input -> (model request -> stream -> tool calls)* -> a response without tool calls.

Loop rules (after Codex's agent loop, docs/reference-facts.md §1):

* Tool calls start while the stream continues; parallel-safe tools run together, serial ones
  (apply_patch, update_plan) wait for everything before them. Outputs are recorded in call order
  and the next request carries them. A response with no tool call ends the turn.
* Tool errors are outputs (the model reads them and continues); only model failures that survive
  the retry policy, and unexpected internal errors, fail the turn.
* A failed stream is retried with the same history plus the items that *completed* before the
  failure (and their tool outputs); a half-received message is dropped, never resent.
* Interrupt (task cancel) or "cancel" at an approval: running tools are killed, every call gets an
  output (``aborted`` if it had none), the ``<turn_aborted>`` marker is appended, the turn ends
  ``interrupted``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from tandem.agent.compaction import replacement_history, summarize
from tandem.agent.context import TURN_ABORTED_MARKER, message
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
    StreamRetrying,
    TokenUsageUpdated,
    TurnCompleted,
    TurnStarted,
)
from tandem.agent.input import preview_text, user_message
from tandem.agent.tool_scheduler import ToolScheduler
from tandem.agent.turn_checkpoint import TurnCheckpoint
from tandem.agent.turn_diff import TurnDiffTracker
from tandem.checkpoints.home import CheckpointHome
from tandem.config import Config
from tandem.config_enums import CheckpointMode
from tandem.errors import ContextWindowExceededError, ModelError, TandemError, TurnCancelledError
from tandem.model.retry import RetryPolicy
from tandem.model.types import (
    JsonDict,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningSummaryDelta,
    ReasoningTextDelta,
    ResponseCompleted,
    TokenUsage,
)
from tandem.patch.applier import FileChange
from tandem.patch.workspace import Workspace
from tandem.protocol.enums import SandboxMode, TurnStatus
from tandem.protocol.items import (
    AgentMessageItem,
    ContextCompactionItem,
    InputItem,
    Item,
    PlanItem,
    PlanStep,
    ReasoningItem,
    Turn,
    TurnError,
    Usage,
    UserMessageItem,
    dump,
)
from tandem.sandbox.policy import SandboxPolicy
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, SessionApprovals
from tandem.tools.base import CallKind, ToolCall

if TYPE_CHECKING:
    from tandem.agent.thread import Thread

log = logging.getLogger(__name__)

_TOOL_CALL_TYPES = {"function_call": CallKind.FUNCTION, "custom_tool_call": CallKind.CUSTOM}


def to_usage(usage: TokenUsage) -> Usage:
    """The wire form of a token count."""
    return Usage(
        input_tokens=usage.input_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        output_tokens=usage.output_tokens,
        reasoning_output_tokens=usage.reasoning_output_tokens,
        total_tokens=usage.total_tokens,
    )


class TurnMode(Enum):
    """What a turn does: answer the user, or only compact the conversation (``/compact``)."""

    NORMAL = "normal"
    COMPACT = "compact"


class _Streaming:
    """An output item whose deltas are arriving."""

    __slots__ = ("item_id", "kind", "parts")

    def __init__(self, item_id: str, kind: str) -> None:
        self.item_id = item_id
        self.kind = kind
        self.parts: list[str] = []


class TurnRunner:
    """Runs one turn of a thread; also the :class:`~tandem.tools.base.ToolHost` its tools see."""

    def __init__(self, thread: Thread, input_items: list[InputItem], mode: TurnMode | None = None) -> None:
        self._thread = thread
        self._input = input_items
        self._mode = mode or TurnMode.NORMAL
        self.turn = Turn(id=uuid.uuid4().hex[:12], status=TurnStatus.IN_PROGRESS)
        self._usage = TokenUsage()
        self._diff = TurnDiffTracker(thread.config.cwd)
        config = thread.config
        self._checkpoint = TurnCheckpoint(
            CheckpointMode.OFF if thread.rollout is None else config.checkpoints,  # ephemeral: nothing kept on disk
            config.cwd,
            CheckpointHome.under(config.tandem_home),
            thread.info.id,
            self.turn.id,
            thread.workspace,
        )
        self._plan: PlanItem | None = None
        self._retry = RetryPolicy(
            request_max_retries=thread.config.provider.request_max_retries,
            stream_max_retries=thread.config.provider.stream_max_retries,
        )
        self._scheduler: ToolScheduler | None = None
        self._last_diff = ""
        self._held: list[tuple[JsonDict | None, str, Item]] = []
        self._dropped: list[str] = []

    # --- ToolHost -------------------------------------------------------------------------

    @property
    def thread_id(self) -> str:
        """The thread's id."""
        return self._thread.info.id

    @property
    def turn_id(self) -> str:
        """This turn's id."""
        return self.turn.id

    @property
    def cwd(self) -> Path:
        """The thread's working directory."""
        return self._thread.config.cwd

    @property
    def config(self) -> Config:
        """The thread's settings."""
        return self._thread.config

    @property
    def workspace(self) -> Workspace:
        """Where file changes are read and written."""
        return self._thread.workspace

    @property
    def session_approvals(self) -> SessionApprovals:
        """The thread's accept-for-session cache."""
        return self._thread.session_approvals

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        """The thread's sandbox policy (``mode`` overrides the configured one)."""
        return self._thread.sandbox_policy(mode)

    def new_item_id(self) -> str:
        """A fresh item id."""
        return self._thread.next_item_id()

    def item_started(self, item: Item) -> None:
        """Announce an item."""
        self._thread.emit(ItemStarted(self.thread_id, self.turn.id, item))

    def item_updated(self, item: Item) -> None:
        """Announce an item's new in-progress state."""
        self._thread.emit(ItemUpdated(self.thread_id, self.turn.id, item))

    def item_completed(self, item: Item) -> None:
        """Announce an item's final state and record it in the rollout."""
        self._thread.record_event({"type": "item_completed", "turn_id": self.turn.id, "item": dump(item)})
        self._thread.emit(ItemCompleted(self.thread_id, self.turn.id, item))

    def command_output(self, item_id: str, delta: str) -> None:
        """Stream command output to surfaces."""
        self._thread.emit(CommandOutputDelta(self.thread_id, self.turn.id, item_id, delta))

    def plan_updated(self, steps: list[PlanStep], explanation: str | None) -> None:
        """Show the plan: the turn's plan item starts on the first call and updates after."""
        first = self._plan is None
        self._plan = PlanItem(
            id=self._plan.id if self._plan else self.new_item_id(), steps=steps, explanation=explanation
        )
        self._thread.emit(PlanUpdated(self.thread_id, self.turn.id, steps, explanation))
        (self.item_started if first else self.item_updated)(self._plan)

    def files_changed(self, item_id: str, changes: Sequence[FileChange], cwd: Path, *, reviewed: bool = False) -> None:
        """Publish committed changes of item ``item_id`` and the turn diff they lead to."""
        self._checkpoint.record_edit(list(changes))
        self._diff.record(changes)
        self._thread.emit(FilesChanged(self.thread_id, self.turn.id, item_id, list(changes), cwd, reviewed))
        self._emit_diff()

    async def before_mutation(self) -> None:
        """Take the turn's checkpoint before its first mutating tool call."""
        await self._checkpoint.before_mutation()

    def _emit_diff(self) -> None:
        diff = self._diff.diff()
        if diff != self._last_diff:
            self._last_diff = diff
            self._thread.emit(DiffUpdated(self.thread_id, self.turn.id, diff))

    async def _sync_checkpoint(self, *, final: bool) -> None:
        """Fold what the workspace scan found (shell-made changes too) into the turn diff; log it at the end."""
        if not self._checkpoint.active:
            return
        try:
            deltas = await (self._checkpoint.finish() if final else self._checkpoint.current())
        except (OSError, TandemError) as exc:
            log.warning("turn %s: checkpoint failed: %s", self.turn.id, exc)
            return
        for delta in deltas:
            self._diff.observe(delta.path, delta.before, delta.after)
        self._emit_diff()

    async def request_approval(self, request: ApprovalRequest) -> ApprovalResponse:
        """Ask the user through the thread's approver."""
        return await self._thread.approver(request)

    # --- the turn -------------------------------------------------------------------------

    async def run(self) -> Turn:
        """Run the turn to its end; never raises (failures end the turn as ``failed``)."""
        thread = self._thread
        thread.turns.append(self.turn)
        thread.record_event({"type": "turn_started", "turn_id": self.turn.id})
        thread.emit(TurnStarted(self.thread_id, self.turn))
        status, error = TurnStatus.COMPLETED, None
        try:
            if self._mode is TurnMode.COMPACT:
                await self._compact("manual")
            else:
                self._begin()
                while await self._sample() or self._thread.pending_input:
                    pass  # tool calls (or steered input) need another model request
        except (asyncio.CancelledError, TurnCancelledError):
            status = TurnStatus.INTERRUPTED
            await self._abort()
        except ModelError as exc:
            status, error = TurnStatus.FAILED, str(exc)
        except TandemError as exc:
            status, error = TurnStatus.FAILED, str(exc)
        except Exception as exc:
            log.exception("internal error in turn %s", self.turn.id)
            status, error = TurnStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        await self._sync_checkpoint(final=True)
        return self._finish(status, error)

    def _begin(self) -> None:
        self._thread.turn_starts[self.turn.id] = len(self._thread.history)
        self._add_user_input(self._input)

    def _add_user_input(self, input_items: list[InputItem]) -> None:
        thread = self._thread
        thread.record(user_message(input_items, self.cwd, self.workspace.fs))
        text = preview_text(input_items)
        thread.record_event({"type": "user_message", "turn_id": self.turn.id, "text": text})
        if not thread.info.preview:
            thread.info.preview = " ".join(text.split())[:80]
        user_item = UserMessageItem(id=self.new_item_id(), content=input_items)
        self.item_started(user_item)
        self.item_completed(user_item)

    def _finish(self, status: TurnStatus, error: str | None) -> Turn:
        if self._plan is not None:
            self.item_completed(self._plan)
        turn = self.turn
        turn.status = status
        turn.error = TurnError(message=error) if error else None
        turn.usage = to_usage(self._usage)
        self._thread.record_event({"type": "turn_completed", "turn": dump(turn)})
        self._thread.emit(TurnCompleted(self.thread_id, turn))
        return turn

    async def _abort(self) -> None:
        scheduler = self._scheduler
        if scheduler is not None:
            await scheduler.cancel_and_record()
        self._thread.pending_input.clear()
        self._thread.answer_missing_calls("aborted")
        self._thread.record(message("user", TURN_ABORTED_MARKER))

    async def _compact(self, reason: str) -> None:
        """Replace the history with a handoff summary, shown to the user as a contextCompaction item."""
        thread = self._thread
        item = ContextCompactionItem(id=self.new_item_id())
        self.item_started(item)
        summary = await summarize(thread.client, thread.build_request(), self._retry)
        thread.replace_history(replacement_history(thread.config, thread.history, summary), "compaction", summary)
        item.summary = summary
        thread.record_event({"type": "context_compacted", "turn_id": self.turn.id, "reason": reason})
        self.item_completed(item)
        self._emit_usage(TokenUsage())

    async def _sample(self) -> bool:
        """One model request with retries; returns whether tool calls were made (so another follows)."""
        while self._thread.pending_input:
            self._add_user_input(self._thread.pending_input.pop(0))
        if self._thread.needs_compaction():
            await self._compact("auto")
        retries = 0
        compacted_for_overflow = False
        while True:
            streaming: dict[str, _Streaming] = {}
            try:
                return await self._stream_once(streaming)
            except ContextWindowExceededError:
                if compacted_for_overflow:
                    raise
                compacted_for_overflow = True  # the provider says it overflowed: compact, then try again
                await self._compact("overflow")
            except ModelError as exc:
                delay = self._retry.next_delay(exc, retries)
                if delay is None:
                    raise
                retries += 1
                self._thread.emit(
                    StreamRetrying(
                        self.thread_id,
                        self.turn.id,
                        retries,
                        self._retry.budget_for(exc),
                        delay,
                        str(exc),
                        discarded_item_ids=[state.item_id for state in streaming.values()] + self._dropped,
                    )
                )
                await asyncio.sleep(delay)

    async def _stream_once(self, streaming: dict[str, _Streaming]) -> bool:
        """One streamed response. Completed messages and reasoning are held back until a tool call
        follows them or the response completes: when the stream breaks first they are dropped (and
        listed in ``self._dropped``), so a retry never leaves a stray answer in the history (and an
        Anthropic request never ends with an assistant message). Tool calls that ran are kept."""
        thread = self._thread
        scheduler = self._scheduler = ToolScheduler(self, thread.tools, thread.record)
        self._held.clear()
        self._dropped = []
        try:
            async for event in thread.client.stream(thread.build_request()):
                if isinstance(event, OutputTextDelta | ReasoningSummaryDelta | ReasoningTextDelta):
                    self._on_delta(event, streaming)
                elif isinstance(event, OutputItemAdded):
                    self._on_added(event.item, streaming)
                elif isinstance(event, OutputItemDone):
                    self._on_done(event.item, streaming, scheduler)
                elif isinstance(event, ResponseCompleted):
                    self._on_usage(event.usage)
        except ModelError:
            # A broken stream: calls that completed already ran or are running; finish and record
            # them so the retried request carries them. Half-received items are dropped, and so are
            # completed messages no call followed (the retry says them again).
            self._dropped = [item_id for _, item_id, _ in self._held]
            self._held.clear()
            await scheduler.finish_and_record()
            raise
        except (asyncio.CancelledError, TurnCancelledError):
            self._release_held()  # interrupted: what the user saw complete stays in the conversation
            raise
        self._release_held()
        await scheduler.finish_and_record()
        await self._sync_checkpoint(final=False)
        return scheduler.had_calls

    def _on_added(self, item: JsonDict, streaming: dict[str, _Streaming]) -> None:
        kind = item.get("type")
        if kind in ("message", "reasoning"):
            self._stream_item(str(item.get("id", "")), str(kind), streaming)

    def _stream_item(self, provider_id: str, kind: str, streaming: dict[str, _Streaming]) -> _Streaming:
        state = streaming.get(provider_id)
        if state is None:
            state = streaming[provider_id] = _Streaming(self.new_item_id(), kind)
            self.item_started(
                AgentMessageItem(id=state.item_id) if kind == "message" else ReasoningItem(id=state.item_id)
            )
        return state

    def _on_delta(
        self, event: OutputTextDelta | ReasoningSummaryDelta | ReasoningTextDelta, streaming: dict[str, _Streaming]
    ) -> None:
        kind = "message" if isinstance(event, OutputTextDelta) else "reasoning"
        state = self._stream_item(event.item_id, kind, streaming)
        state.parts.append(event.delta)
        cls = AgentMessageDelta if kind == "message" else ReasoningDelta
        self._thread.emit(cls(self.thread_id, self.turn.id, state.item_id, event.delta))

    def _release_held(self) -> None:
        """Record the held messages and reasoning, in order, and announce them complete."""
        held, self._held = self._held, []
        for history_item, _, surface_item in held:
            if history_item is not None:
                self._thread.record(history_item)
            self.item_completed(surface_item)

    def _on_done(self, item: JsonDict, streaming: dict[str, _Streaming], scheduler: ToolScheduler) -> None:
        kind = str(item.get("type", ""))
        provider_id = str(item.get("id", ""))
        history_item: JsonDict | None = {key: value for key, value in item.items() if key != "id"}
        if kind == "reasoning" and not item.get("encrypted_content"):
            history_item = None  # without encrypted content a reasoning item cannot be sent back (store: false)
        if kind == "message":
            state = self._stream_item(provider_id, kind, streaming)
            text = "".join(
                part.get("text", "") for part in item.get("content") or [] if part.get("type") == "output_text"
            )
            self._held.append((history_item, state.item_id, AgentMessageItem(id=state.item_id, text=text)))
            streaming.pop(provider_id, None)
        elif kind == "reasoning":
            state = self._stream_item(provider_id, kind, streaming)
            summary = [str(part.get("text", "")) for part in item.get("summary") or []]
            text = "".join(str(part.get("text", "")) for part in item.get("content") or [])
            self._held.append(
                (history_item, state.item_id, ReasoningItem(id=state.item_id, summary=summary, text=text))
            )
            streaming.pop(provider_id, None)
        elif kind in _TOOL_CALL_TYPES:
            self._release_held()
            if history_item is not None:
                self._thread.record(history_item)
            call_kind = _TOOL_CALL_TYPES[kind]
            payload = item.get("arguments") if call_kind is CallKind.FUNCTION else item.get("input")
            scheduler.submit(
                ToolCall(
                    call_id=str(item.get("call_id", "")),
                    name=str(item.get("name", "")),
                    kind=call_kind,
                    payload=str(payload or ""),
                )
            )
        elif history_item is not None:  # any other output item is kept as it came, in order
            self._release_held()
            self._thread.record(history_item)

    def _on_usage(self, usage: TokenUsage) -> None:
        self._usage = self._usage + usage
        thread = self._thread
        thread.total_usage = thread.total_usage + usage
        if usage.total_tokens:
            thread.context.observe(usage.total_tokens, len(thread.history))
        self._emit_usage(usage)

    def _emit_usage(self, usage: TokenUsage) -> None:
        thread = self._thread
        context = thread.context.current(thread.history)
        thread.record_event(
            {
                "type": "token_count",
                "turn_id": self.turn.id,
                "last": dump(to_usage(usage)),
                "total": dump(to_usage(thread.total_usage)),
                "context_tokens": context,
                "context_window": thread.budget.window,
            }
        )
        thread.emit(
            TokenUsageUpdated(
                self.thread_id,
                self.turn.id,
                to_usage(usage),
                to_usage(thread.total_usage),
                thread.budget.window,
                context,
            )
        )
