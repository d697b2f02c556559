"""A thread: one conversation with its history, settings, rollout, listeners and at most one running turn.

History is the list of Responses input items sent to the model; it only ever grows (until
compaction), so every request is a prefix extension of the previous one. Every item appended to
the history is also appended to the rollout, which is what ``resume`` reads back.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tandem import __version__
from tandem.agent.compaction import Budget, ContextMeter
from tandem.agent.context import TURN_ABORTED_MARKER, base_instructions, initial_context, message
from tandem.agent.events import Event, EventSink, ThreadStarted
from tandem.config import Config
from tandem.config_enums import CheckpointMode
from tandem.errors import BusyError, InvalidParamsError, NotFoundError, SessionError
from tandem.model.types import JsonDict, ModelClient, ModelRequest, TokenUsage
from tandem.patch.workspace import DiskWorkspace, Workspace
from tandem.protocol.enums import ReviewDecision, SandboxMode, TurnStatus
from tandem.protocol.items import InputItem, ThreadInfo, Turn, TurnError, dump
from tandem.sandbox.policy import SandboxPolicy, policy_for
from tandem.sessions.rollout import RecordKind, RolloutWriter, read_rollout, rollout_path
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, SessionApprovals, load_rules, store_rules
from tandem.tools.registry import ToolRegistry

log = logging.getLogger(__name__)

Approver = Callable[[ApprovalRequest], Awaitable[ApprovalResponse]]
"""Asks the user about one approval request and returns their answer."""


def _unfinished_turn(events: list[dict[str, Any]]) -> str | None:
    """The id of the last turn that started but never completed, if any."""
    started: str | None = None
    for event in events:
        if event.get("type") == "turn_started":
            started = str(event.get("turn_id"))
        elif event.get("type") == "turn_completed" and (event.get("turn") or {}).get("id") == started:
            started = None
    return started


def _transcript_until(source: Thread, turn_ids: set[str]) -> list[dict[str, Any]]:
    """The source rollout's user-visible events of the given turns (so a fork shows its transcript)."""
    if source.info.path is None:
        return []
    try:
        events = read_rollout(Path(source.info.path)).events
    except SessionError:
        return []
    return [
        event
        for event in events
        if event.get("turn_id") in turn_ids
        or (event.get("type") == "turn_completed" and (event.get("turn") or {}).get("id") in turn_ids)
    ]


async def decline_all(request: ApprovalRequest) -> ApprovalResponse:
    """The approver of surfaces nobody can answer: every request is declined."""
    return ApprovalResponse(ReviewDecision.DECLINE)


class Thread:
    """One conversation. Create with :meth:`create` or :meth:`resume`.

    Args:
        config: resolved settings (model, policies, cwd).
        client: the model provider client.
        tools: the tools offered to the model, in offer order.
        workspace: where file changes are read and written.
        approver: asks the user; defaults to declining everything.
        info: the thread's identity and settings as surfaces show them.
        history: the conversation so far (Responses input items).
        rollout: where items are persisted, or ``None`` for an ephemeral thread.
    """

    def __init__(
        self,
        *,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        workspace: Workspace,
        approver: Approver | None,
        info: ThreadInfo,
        history: list[JsonDict],
        rollout: RolloutWriter | None,
        next_item: int = 0,
    ) -> None:
        self.config = config
        self.client = client
        self.tools = tools
        self.workspace = workspace
        self.approver: Approver = approver or decline_all
        self.info = info
        self.history = history
        self.rollout = rollout
        self.session_approvals = SessionApprovals(load_rules(config.tandem_home), store_rules(config.tandem_home))
        self.total_usage = TokenUsage()
        self.budget = Budget.for_config(config)
        self.context = ContextMeter()
        self.turns: list[Turn] = []
        self.turn_starts: dict[str, int] = {}
        self.pending_input: list[list[InputItem]] = []
        self._sinks: list[EventSink] = []
        self._next_item = next_item
        self._running: asyncio.Task[Turn] | None = None
        self._private_tmp: Path | None = None

    @property
    def checkpoint_config(self) -> Config:
        """The settings turn checkpoints use: checkpoints are off for ephemeral threads (nothing kept on disk)."""
        if self.rollout is None and self.config.checkpoints is not CheckpointMode.OFF:
            return replace(self.config, checkpoints=CheckpointMode.OFF)
        return self.config

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        *,
        workspace: Workspace | None = None,
        approver: Approver | None = None,
        originator: str = "tandem_exec",
        ephemeral: bool = False,
        initial_items: list[JsonDict] | None = None,
    ) -> Thread:
        """Start a new thread: records ``session_meta`` and the initial context (or ``initial_items``).

        Raises:
            SessionError: the rollout file cannot be created.
        """
        created = datetime.now(UTC)
        thread_id = str(uuid.uuid4())
        path = None if ephemeral else rollout_path(config.sessions_dir, thread_id, created)
        info = ThreadInfo(
            id=thread_id,
            cwd=str(config.cwd),
            model=config.model,
            model_provider=config.provider.id,
            approval_policy=config.approval_policy.value,
            sandbox_mode=config.sandbox_mode.value,
            created_at=created.isoformat(timespec="seconds").replace("+00:00", "Z"),
            path=str(path) if path else None,
        )
        rollout = RolloutWriter(path) if path else None
        if rollout is not None:
            rollout.append(
                RecordKind.SESSION_META,
                {
                    "version": 1,
                    "id": thread_id,
                    "created_at": info.created_at,
                    "cwd": info.cwd,
                    "model": info.model,
                    "model_provider": info.model_provider,
                    "approval_policy": info.approval_policy,
                    "sandbox_mode": info.sandbox_mode,
                    "originator": originator,
                    "cli_version": __version__,
                },
            )
        thread = cls(
            config=config,
            client=client,
            tools=tools,
            workspace=workspace or DiskWorkspace(),
            approver=approver,
            info=info,
            history=[],
            rollout=rollout,
        )
        for item in initial_context(config) if initial_items is None else initial_items:
            thread.record(item)
        return thread

    @classmethod
    def resume(
        cls,
        path: Path,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        *,
        workspace: Workspace | None = None,
        approver: Approver | None = None,
    ) -> Thread:
        """Continue the thread recorded in ``path`` with the same history.

        The model, provider and policies come from ``config`` (the caller may have changed them);
        the id, creation time and history come from the rollout.

        Raises:
            SessionError: the rollout is unreadable or not a Tandem rollout.
        """
        rollout = read_rollout(path)
        meta = rollout.meta
        info = ThreadInfo(
            id=rollout.thread_id,
            cwd=str(meta.get("cwd") or config.cwd),
            model=config.model,
            model_provider=config.provider.id,
            approval_policy=config.approval_policy.value,
            sandbox_mode=config.sandbox_mode.value,
            created_at=str(meta.get("created_at", "")),
            path=str(path),
        )
        item_numbers = [
            int(str(event["item"].get("id", ""))[5:])
            for event in rollout.events
            if isinstance(event.get("item"), dict)
            and str(event["item"].get("id", "")).startswith("item_")
            and str(event["item"]["id"])[5:].isdigit()
        ]
        thread = cls(
            config=config,
            client=client,
            tools=tools,
            workspace=workspace or DiskWorkspace(),
            approver=approver,
            info=info,
            history=list(rollout.items),
            rollout=RolloutWriter(path),
            next_item=max(item_numbers, default=-1) + 1,
        )
        thread.turn_starts = dict(rollout.turn_starts)
        thread.answer_missing_calls("aborted: the session ended before this call finished")
        unfinished = _unfinished_turn(rollout.events)
        if unfinished is not None:  # the process died mid-turn (crash, kill -9): close the turn as aborted
            thread.record(message("user", TURN_ABORTED_MARKER))
            thread.record_event(
                {
                    "type": "turn_completed",
                    "turn": dump(
                        Turn(
                            id=unfinished,
                            status=TurnStatus.INTERRUPTED,
                            error=TurnError(message="the session ended before this turn finished"),
                        )
                    ),
                }
            )
        return thread

    @classmethod
    def fork(
        cls, source: Thread, turn_id: str | None = None, *, approver: Approver | None = None, ephemeral: bool = False
    ) -> Thread:
        """A new thread whose history is ``source``'s up to and including turn ``turn_id`` (default: all).

        Raises:
            NotFoundError: ``turn_id`` is not a turn of ``source``.
        """
        end = len(source.history)
        if turn_id is not None:
            if turn_id not in source.turn_starts:
                raise NotFoundError(f"thread {source.info.id} has no turn {turn_id}")
            later = [start for tid, start in source.turn_starts.items() if start > source.turn_starts[turn_id]]
            end = min(later, default=len(source.history))
        thread = cls.create(
            source.config,
            source.client,
            source.tools,
            workspace=source.workspace,
            approver=approver or source.approver,
            originator="tandem_fork",
            ephemeral=ephemeral,
            initial_items=source.history[:end],
        )
        thread.turn_starts = {tid: start for tid, start in source.turn_starts.items() if start < end}
        thread.record_event({"type": "forked_from", "thread_id": source.info.id, "turn_id": turn_id})
        for event in _transcript_until(source, set(thread.turn_starts)):
            thread.record_event(event)
        thread.answer_missing_calls("aborted")
        return thread

    # --- events and records ---------------------------------------------------------------

    def subscribe(self, sink: EventSink) -> Callable[[], None]:
        """Call ``sink`` for every event from now on; returns a function that unsubscribes."""
        self._sinks.append(sink)
        return lambda: self._sinks.remove(sink) if sink in self._sinks else None

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener, in subscription order."""
        for sink in list(self._sinks):
            sink(event)

    def announce(self) -> None:
        """Emit :class:`ThreadStarted` (surfaces call this once they subscribed)."""
        self.emit(ThreadStarted(self.info))

    def replace_history(self, history: list[JsonDict], reason: str, summary: str | None = None) -> None:
        """Start the conversation over from ``history`` (compaction, rollback); recorded in the rollout."""
        self.history = list(history)
        if reason != "rollback":
            self.turn_starts = {}
        self.context.reset(self.history)
        payload: JsonDict = {"reason": reason, "replacement_history": self.history}
        if summary is not None:
            payload["summary"] = summary
        self._persist(RecordKind.COMPACTED, payload)

    def needs_compaction(self) -> bool:
        """Whether the estimated context size reached the auto-compaction limit."""
        limit = self.budget.limit
        return limit is not None and self.context.current(self.history) >= limit

    def rollback(self, turns: int) -> int:
        """Drop the last ``turns`` turns from the conversation (files are untouched); returns how many were.

        Raises:
            BusyError: a turn is running.
            InvalidParamsError: ``turns`` < 1.
        """
        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} is running a turn; interrupt it first")
        if turns < 1:
            raise InvalidParamsError("turns: must be at least 1")
        starts = sorted(self.turn_starts.items(), key=lambda entry: entry[1])
        if not starts:
            return 0
        dropped = starts[-turns:]
        cut = dropped[0][1]
        for turn_id, _ in dropped:
            del self.turn_starts[turn_id]
        self.replace_history(self.history[:cut], "rollback")
        self.record_event({"type": "thread_rolled_back", "turns": len(dropped)})
        return len(dropped)

    def record(self, item: JsonDict) -> None:
        """Append ``item`` to the history and the rollout."""
        self.history.append(item)
        self._persist(RecordKind.RESPONSE_ITEM, item)

    def record_event(self, payload: dict[str, Any]) -> None:
        """Append a user-visible event to the rollout (never sent to the model)."""
        self._persist(RecordKind.EVENT_MSG, payload)

    def _persist(self, kind: RecordKind, payload: JsonDict) -> None:
        if self.rollout is None:
            return
        try:
            self.rollout.append(kind, payload)
        except SessionError:
            log.exception("session recording failed; continuing without it")
            self.rollout = None

    def next_item_id(self) -> str:
        """A fresh item id, unique within the thread (``item_<n>``)."""
        item_id = f"item_{self._next_item}"
        self._next_item += 1
        return item_id

    def answer_missing_calls(self, output: str) -> int:
        """Give every tool call in the history that has no output the output ``output``.

        Returns how many calls were answered (a history must never hold an unanswered call).
        """
        answered = {
            item.get("call_id")
            for item in self.history
            if item.get("type") in ("function_call_output", "custom_tool_call_output")
        }
        missing = [
            item
            for item in self.history
            if item.get("type") in ("function_call", "custom_tool_call") and item.get("call_id") not in answered
        ]
        for call in missing:
            kind = "function_call_output" if call["type"] == "function_call" else "custom_tool_call_output"
            self.record({"type": kind, "call_id": call["call_id"], "output": output})
        return len(missing)

    # --- requests and turns ---------------------------------------------------------------

    def build_request(self) -> ModelRequest:
        """The next model request: the whole history with fixed instructions and tools."""
        return ModelRequest(
            model=self.config.model,
            instructions=base_instructions(),
            input=list(self.history),
            tools=self.tools.specs(),
            prompt_cache_key=self.info.id,
            reasoning_effort=self.config.model_reasoning_effort,
            reasoning_summary=self.config.model_reasoning_summary,
        )

    @property
    def running_turn(self) -> asyncio.Task[Turn] | None:
        """The task of the turn in progress, if any."""
        return self._running if self._running is not None and not self._running.done() else None

    def start_turn(self, input_items: list[InputItem]) -> tuple[Turn, asyncio.Task[Turn]]:
        """Start a turn in the background; returns the turn (``inProgress``) and its task.

        Raises:
            BusyError: a turn is already running on this thread.
            InvalidParamsError: the input cannot be turned into a message.
        """
        from tandem.agent.turn import TurnRunner

        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} is already running a turn; interrupt it or steer it")
        runner = TurnRunner(self, input_items)
        self._running = asyncio.create_task(runner.run(), name=f"turn {runner.turn.id}")
        return runner.turn, self._running

    def start_compaction(self) -> tuple[Turn, asyncio.Task[Turn]]:
        """Compact the conversation now (``/compact``) as a turn of its own; returns it and its task.

        Raises:
            BusyError: a turn is already running.
        """
        from tandem.agent.turn import TurnMode, TurnRunner

        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} is running a turn; compact after it ends")
        runner = TurnRunner(self, [], TurnMode.COMPACT)
        self._running = asyncio.create_task(runner.run(), name=f"turn {runner.turn.id}")
        return runner.turn, self._running

    async def run_turn(self, input_items: list[InputItem]) -> Turn:
        """Run one turn to its end (completed, interrupted or failed) and return it."""
        _, task = self.start_turn(input_items)
        return await task

    def steer(self, input_items: list[InputItem]) -> None:
        """Queue input for the running turn; it is sent with the turn's next model request.

        Raises:
            BusyError: no turn is running (start one instead).
        """
        if self.running_turn is None:
            raise BusyError(f"thread {self.info.id} has no running turn to steer; start a turn instead")
        self.pending_input.append(input_items)

    def interrupt(self) -> bool:
        """Interrupt the running turn (tools are killed); returns whether one was running."""
        task = self.running_turn
        if task is None:
            return False
        task.cancel()
        return True

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        """The sandbox policy for this thread's commands (``mode`` overrides the configured mode).

        Sandboxed commands get a private ``/tmp``: a directory of this thread, kept across its
        commands and removed by :meth:`close`.
        """
        if self._private_tmp is None:
            self._private_tmp = Path(tempfile.mkdtemp(prefix=f"tandem-tmp-{self.info.id[:8]}-"))
        return policy_for(self.config, self.config.cwd, mode, private_tmp=self._private_tmp)

    def close(self) -> None:
        """Stop recording and remove the thread's private /tmp."""
        if self.rollout is not None:
            self.rollout.close()
            self.rollout = None
        if self._private_tmp is not None:
            shutil.rmtree(self._private_tmp, ignore_errors=True)
            self._private_tmp = None
