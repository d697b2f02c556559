"""A thread's durable state, with one owner: history, rollout, turn starts, item ids, usage, context size.

* History is the list of Responses input items sent to the model. It only ever grows (until a
  compaction or a rollback replaces it), so every request is a prefix extension of the previous one.
  Every item appended to it is also appended to the rollout (format: :mod:`tandem.sessions.rollout`),
  which is what :meth:`Conversation.resume` reads back.
* Turn starts map a turn id to the index in the history where that turn's input begins. Invariant:
  every start points into the current history (a compaction forgets them all, a rollback the
  dropped ones), so a fork or a rollback can cut the history at a turn boundary.
* Item ids are ``item_<n>`` from one counter. Each ``item_completed`` event records the counter's
  high-water mark as ``next_item``, so a resumed thread continues after it without parsing ids.
* Usage totals and the :class:`~tandem.agent.compaction.ContextMeter` (the estimated context size
  that triggers auto-compaction, docs/reference-facts.md §4).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tandem import __version__
from tandem.agent.compaction import Budget, ContextMeter
from tandem.agent.context import TURN_ABORTED_MARKER, base_instructions, message
from tandem.config import Config
from tandem.errors import InvalidParamsError, NotFoundError, SessionError
from tandem.model.types import ModelRequest, TokenUsage
from tandem.protocol import JsonDict
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import Item, ThreadInfo, Turn, TurnError, Usage, dump
from tandem.sessions.rollout import ROLLOUT_VERSION, RecordKind, Rollout, RolloutWriter, read_rollout
from tandem.tools.registry import ToolRegistry

log = logging.getLogger(__name__)

_CALL_OUTPUTS = {"function_call": "function_call_output", "custom_tool_call": "custom_tool_call_output"}


def _without_orphan_outputs(items: list[JsonDict], path: Path) -> list[JsonDict]:
    """``items`` without tool outputs whose call is not in them (the model API refuses those; a call
    is lost when its rollout line was corrupt, see :func:`tandem.sessions.rollout.iter_records`)."""
    calls = {item.get("call_id") for item in items if item.get("type") in _CALL_OUTPUTS}
    kept = [item for item in items if item.get("type") not in _CALL_OUTPUTS.values() or item.get("call_id") in calls]
    if len(kept) < len(items):
        log.warning("%s: dropped %d tool output(s) whose call is missing", path, len(items) - len(kept))
    return kept


class Persistence(Enum):
    """Whether a thread keeps a rollout on disk (and so turn checkpoints): the default, or nothing at all."""

    ROLLOUT = "rollout"
    EPHEMERAL = "ephemeral"


def _unfinished_turn(events: list[dict[str, Any]]) -> str | None:
    """The id of the last turn that started but never completed, if any."""
    started: str | None = None
    for event in events:
        if event.get("type") == "turn_started":
            started = str(event.get("turn_id"))
        elif event.get("type") == "turn_completed" and (event.get("turn") or {}).get("id") == started:
            started = None
    return started


def _restored_usage(events: list[dict[str, Any]]) -> tuple[TokenUsage, int | None]:
    """The thread's total usage and its context size as its last ``token_count`` event recorded them
    (the size is ``None`` when a rollback came after it: the meter estimates afresh then)."""
    total, context = TokenUsage(), None
    for event in events:
        kind = event.get("type")
        if kind == "token_count":
            raw = event.get("total") if isinstance(event.get("total"), dict) else {}
            usage = Usage.model_validate(raw)
            total = TokenUsage(
                usage.input_tokens,
                usage.cached_input_tokens,
                usage.output_tokens,
                usage.reasoning_output_tokens,
                usage.total_tokens,
            )
            tokens = event.get("context_tokens")
            context = tokens if isinstance(tokens, int) else None
        elif kind == "thread_rolled_back":
            context = None
    return total, context


def _next_item(events: list[dict[str, Any]]) -> int:
    """Where a resumed thread's item counter continues: the highest ``next_item`` mark recorded.

    Rollouts written before the mark existed fall back to the number of recorded items.
    """
    marks = [mark for event in events if isinstance(mark := event.get("next_item"), int)]
    if marks:
        return max(marks)
    return sum(1 for event in events if isinstance(event.get("item"), dict))


class Conversation:
    """The durable state of one thread. Build with :meth:`create` or :meth:`resume`.

    Args:
        info: the thread's identity (``info.id`` is the prompt cache key; ``info.preview`` is set
            from the first user input).
        budget: the context window and auto-compaction limit.
        rollout: where records go, or ``None`` (nothing is kept).
        history: the conversation so far (Responses input items).
        turn_starts: turn id -> history index where the turn's input begins.
        next_item: the next item number.
    """

    def __init__(
        self,
        info: ThreadInfo,
        budget: Budget,
        *,
        rollout: RolloutWriter | None,
        history: list[JsonDict] | None = None,
        turn_starts: Mapping[str, int] | None = None,
        next_item: int = 0,
    ) -> None:
        self.info = info
        self.budget = budget
        self.rollout = rollout
        self.total_usage = TokenUsage()
        self.context = ContextMeter()
        self._history: list[JsonDict] = list(history or [])
        self._turn_starts: dict[str, int] = dict(turn_starts or {})
        self._next_item = next_item

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def create(cls, info: ThreadInfo, budget: Budget, originator: str) -> Conversation:
        """A new, empty conversation; when ``info.path`` is set its rollout starts with ``session_meta``.

        Raises:
            SessionError: the rollout file cannot be created.
        """
        rollout = RolloutWriter(Path(info.path)) if info.path else None
        if rollout is not None:
            rollout.append(
                RecordKind.SESSION_META,
                {
                    "version": ROLLOUT_VERSION,
                    "id": info.id,
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
        return cls(info, budget, rollout=rollout)

    @classmethod
    def resume(
        cls,
        recorded: Rollout,
        info: ThreadInfo,
        budget: Budget,
        writer: RolloutWriter | None = None,
        persistence: Persistence = Persistence.ROLLOUT,
    ) -> Conversation:
        """Continue the conversation recorded in ``recorded`` (appending to the same file, through
        ``writer`` when the caller locked it before reading — by default it is opened now; an
        ``EPHEMERAL`` resume writes nothing: a read-only copy, e.g. the source of a fork).

        Calls without an output get one, outputs without their call (its line was corrupt and skipped)
        are dropped, and a turn the process died in (crash, kill -9) is closed as interrupted, so the
        history is valid for the next request. The usage totals and the context meter continue from
        the last recorded ``token_count``.

        Raises:
            SessionInUseError: another process is writing the rollout.
            SessionError: the rollout cannot be reopened for writing.
        """
        conversation = cls(
            info,
            budget,
            rollout=writer or (RolloutWriter(recorded.path) if persistence is Persistence.ROLLOUT else None),
            history=_without_orphan_outputs(recorded.items, recorded.path),
            turn_starts=recorded.turn_starts,
            next_item=_next_item(recorded.events),
        )
        conversation.total_usage, context = _restored_usage(recorded.events)
        if context is not None:
            conversation.context.observe(context, len(recorded.items))
        conversation.answer_missing_calls("aborted: the session ended before this call finished")
        unfinished = _unfinished_turn(recorded.events)
        if unfinished is not None:
            conversation.record(message("user", TURN_ABORTED_MARKER))
            turn = Turn(
                id=unfinished,
                status=TurnStatus.INTERRUPTED,
                error=TurnError(message="the session ended before this turn finished"),
            )
            conversation.record_event({"type": "turn_completed", "turn": dump(turn)})
        return conversation

    def fork_point(self, turn_id: str | None) -> int:
        """How much history a fork up to and including turn ``turn_id`` keeps (``None``: all of it).

        Raises:
            NotFoundError: ``turn_id`` is not a turn of this conversation.
        """
        if turn_id is None:
            return len(self._history)
        if turn_id not in self._turn_starts:
            raise NotFoundError(f"thread {self.info.id} has no turn {turn_id}")
        start = self._turn_starts[turn_id]
        return min((s for s in self._turn_starts.values() if s > start), default=len(self._history))

    def adopt_fork(self, source: Conversation, turn_id: str | None, end: int) -> None:
        """Finish a fork whose history is ``source``'s first ``end`` items: its turn starts, the
        ``forked_from`` event, the source's transcript of those turns, and an item counter after
        the source's (the transcript's item ids stay unique)."""
        self._turn_starts = {tid: start for tid, start in source._turn_starts.items() if start < end}
        self._next_item = max(self._next_item, source._next_item)
        self.record_event({"type": "forked_from", "thread_id": source.info.id, "turn_id": turn_id})
        for event in source.transcript_events(set(self._turn_starts)):
            self.record_event(event)
        self.answer_missing_calls("aborted")

    def transcript_events(self, turn_ids: set[str]) -> list[dict[str, Any]]:
        """This conversation's recorded user-visible events of the given turns (so a fork shows them)."""
        if self.info.path is None:
            return []
        try:
            events = read_rollout(Path(self.info.path)).events
        except SessionError:
            return []
        return [
            event
            for event in events
            if event.get("turn_id") in turn_ids
            or (event.get("type") == "turn_completed" and (event.get("turn") or {}).get("id") in turn_ids)
        ]

    # --- state ----------------------------------------------------------------------------

    @property
    def history(self) -> list[JsonDict]:
        """A copy of the conversation so far."""
        return list(self._history)

    @property
    def turn_starts(self) -> Mapping[str, int]:
        """Turn id -> history index where that turn's input begins (read-only)."""
        return MappingProxyType(self._turn_starts)

    @property
    def persistence(self) -> Persistence:
        """Whether records still reach a rollout (a thread whose recording failed goes on ephemeral)."""
        return Persistence.EPHEMERAL if self.rollout is None else Persistence.ROLLOUT

    def next_item_id(self) -> str:
        """A fresh item id, unique within the thread (``item_<n>``)."""
        item_id = f"item_{self._next_item}"
        self._next_item += 1
        return item_id

    def add_usage(self, usage: TokenUsage) -> None:
        """Count a response's tokens into the totals; its ``total_tokens`` calibrates the context meter."""
        self.total_usage = self.total_usage + usage
        if usage.total_tokens:
            self.context.observe(usage.total_tokens, len(self._history))

    def context_tokens(self) -> int:
        """The estimated size of the conversation now, in tokens."""
        return self.context.current(self._history)

    def needs_compaction(self) -> bool:
        """Whether the estimated context size reached the auto-compaction limit."""
        limit = self.budget.limit
        return limit is not None and self.context_tokens() >= limit

    # --- records --------------------------------------------------------------------------

    def record(self, item: JsonDict) -> None:
        """Append ``item`` to the history and the rollout."""
        self._history.append(item)
        self._persist(RecordKind.RESPONSE_ITEM, item)

    def last_assistant_text(self) -> str | None:
        """The text of the newest assistant message in the history (for the Stop hook), or ``None``."""
        for item in reversed(self._history):
            if item.get("type") == "message" and item.get("role") == "assistant":
                parts = item.get("content") or []
                return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
        return None

    def record_event(self, payload: dict[str, Any]) -> None:
        """Append a user-visible event to the rollout (never sent to the model)."""
        self._persist(RecordKind.EVENT_MSG, payload)

    def record_turn_context(self, payload: JsonDict) -> None:
        """Record the settings the thread's turns run with from now on (a ``turn_context`` record)."""
        self._persist(RecordKind.TURN_CONTEXT, payload)

    def record_item_completed(self, turn_id: str, item: Item) -> None:
        """Record an item's final state (what a resumed thread's transcript shows) and the id counter."""
        self.record_event(
            {"type": "item_completed", "turn_id": turn_id, "item": dump(item), "next_item": self._next_item}
        )

    def begin_turn(self, turn_id: str, user_input: JsonDict, text: str) -> None:
        """Start turn ``turn_id`` here with the user's message (``text``: its preview)."""
        self._turn_starts[turn_id] = len(self._history)
        self.record_user_input(turn_id, user_input, text)

    def record_user_input(self, turn_id: str, user_input: JsonDict, text: str) -> None:
        """Append the user's message (a turn's first or a steered one); the first names the thread's preview."""
        self.record(user_input)
        self.record_event({"type": "user_message", "turn_id": turn_id, "text": text})
        if not self.info.preview:
            self.info.preview = " ".join(text.split())[:80]

    def replace_history(self, history: list[JsonDict], reason: str, summary: str | None = None) -> None:
        """Start the conversation over from ``history`` (compaction, rollback); recorded in the rollout.

        A compaction forgets every turn start (no turn boundary survives in a summary).
        """
        self._history = list(history)
        if reason != "rollback":
            self._turn_starts = {}
        self.context.reset(self._history)
        payload: JsonDict = {"reason": reason, "replacement_history": self.history}
        if summary is not None:
            payload["summary"] = summary
        self._persist(RecordKind.COMPACTED, payload)

    def rollback(self, turns: int) -> int:
        """Drop the last ``turns`` turns from the history (files are untouched); returns how many were.

        Raises:
            InvalidParamsError: ``turns`` < 1.
        """
        if turns < 1:
            raise InvalidParamsError("turns: must be at least 1")
        starts = sorted(self._turn_starts.items(), key=lambda entry: entry[1])
        if not starts:
            return 0
        dropped = starts[-turns:]
        for turn_id, _ in dropped:
            del self._turn_starts[turn_id]
        self.replace_history(self._history[: dropped[0][1]], "rollback")
        self.record_event({"type": "thread_rolled_back", "turns": len(dropped)})
        return len(dropped)

    def answer_missing_calls(self, output: str) -> int:
        """Give every tool call in the history that has no output the output ``output``.

        Returns how many calls were answered (a history must never hold an unanswered call).
        """
        answered = {item.get("call_id") for item in self._history if item.get("type") in _CALL_OUTPUTS.values()}
        missing = [
            item for item in self._history if item.get("type") in _CALL_OUTPUTS and item.get("call_id") not in answered
        ]
        for call in missing:
            self.record({"type": _CALL_OUTPUTS[call["type"]], "call_id": call["call_id"], "output": output})
        return len(missing)

    def build_request(self, config: Config, tools: ToolRegistry, output_schema: JsonDict | None = None) -> ModelRequest:
        """The next model request: the whole history with fixed instructions and ``tools`` (and the
        turn's ``output_schema``, when it has one)."""
        return ModelRequest(
            model=config.model,
            instructions=base_instructions(),
            input=list(self._history),
            tools=tools.specs(),
            prompt_cache_key=self.info.id,
            reasoning_effort=config.model_reasoning_effort,
            reasoning_summary=config.model_reasoning_summary,
            output_schema=output_schema,
        )

    def _persist(self, kind: RecordKind, payload: JsonDict) -> None:
        if self.rollout is None:
            return
        try:
            self.rollout.append(kind, payload)
        except SessionError:
            log.exception("session recording failed; continuing without it")
            self.rollout = None

    def close(self) -> None:
        """Stop recording (the rollout file is closed; the history stays readable)."""
        if self.rollout is not None:
            self.rollout.close()
            self.rollout = None
