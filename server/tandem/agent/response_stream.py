"""One streamed model response, assembled: history items, surface items and tool calls.

:class:`ResponseAssembler` is fed the :data:`~tandem.model.types.ModelEvent` s of one attempt of
one model request (docs/reference-facts.md §1):

* a message or reasoning item starts (``ItemStarted``) at its first sign — ``output_item.added``
  or its first delta — and streams its deltas;
* a *completed* message or reasoning item is held back until a tool call (or another output item)
  follows it or the response completes (:meth:`ResponseAssembler.release_held`). When the stream
  breaks first it is dropped (:meth:`ResponseAssembler.discard`), so a retry never leaves a stray
  answer in the history (and an Anthropic request never ends with an assistant message);
* a tool call is recorded in the history at once and handed back to the caller to run;
* any other output item is kept in the history as it came, in order.

Reasoning without ``encrypted_content`` is shown but never put into the history: with
``store: false`` it could not be sent back. The deltas of a reasoning summary with several parts
are streamed with :data:`PART_SEPARATOR` between the parts.
"""

from __future__ import annotations

from tandem.agent.tool_host import TurnToolHost
from tandem.model.types import (
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningSummaryDelta,
    ReasoningTextDelta,
)
from tandem.protocol import JsonDict
from tandem.protocol.items import AgentMessageItem, Item, ReasoningItem
from tandem.tools.base import CallKind, ToolCall

PART_SEPARATOR = "\n\n"
"""Streamed between two parts of a reasoning summary (``reasoningDelta``), so they read as paragraphs."""

_TOOL_CALL_TYPES = {"function_call": CallKind.FUNCTION, "custom_tool_call": CallKind.CUSTOM}


class _Streaming:
    """An output item whose deltas are arriving."""

    __slots__ = ("item_id", "kind", "parts", "summary_index")

    def __init__(self, item_id: str, kind: str) -> None:
        self.item_id = item_id
        self.kind = kind
        self.parts: list[str] = []
        self.summary_index: int | None = None  # the reasoning summary part the deltas belong to


class ResponseAssembler:
    """Assembles one attempt of one streamed response.

    Args:
        host: the turn's host (item ids, item events, deltas, history records).
    """

    def __init__(self, host: TurnToolHost) -> None:
        self._host = host
        self._streaming: dict[str, _Streaming] = {}
        self._held: list[tuple[JsonDict | None, str, Item]] = []
        self._dropped: list[str] = []

    def feed(self, event: ModelEvent) -> ToolCall | None:
        """Take one event; returns the tool call it completed, if any (already in the history).

        Events other than item starts, deltas and completed items are ignored.
        """
        if isinstance(event, OutputTextDelta | ReasoningSummaryDelta | ReasoningTextDelta):
            self._on_delta(event)
        elif isinstance(event, OutputItemAdded):
            kind = event.item.get("type")
            if kind in ("message", "reasoning"):
                self._stream_item(str(event.item.get("id", "")), str(kind))
        elif isinstance(event, OutputItemDone):
            return self._on_done(event.item)
        return None

    def release_held(self) -> None:
        """Record the held messages and reasoning, in order, and announce them complete."""
        held, self._held = self._held, []
        for history_item, _, surface_item in held:
            if history_item is not None:
                self._host.record(history_item)
            self._host.item_completed(surface_item)

    def discard(self) -> list[str]:
        """The stream broke: drop held items; returns the ids of every item shown but not kept
        (half-received ones first, then completed ones no call followed) so surfaces drop them."""
        self._dropped += [item_id for _, item_id, _ in self._held]
        self._held.clear()
        return self.discarded_ids()

    def discarded_ids(self) -> list[str]:
        """What :meth:`discard` returned: items still streaming, then the dropped ones."""
        return [state.item_id for state in self._streaming.values()] + self._dropped

    def _stream_item(self, provider_id: str, kind: str) -> _Streaming:
        state = self._streaming.get(provider_id)
        if state is None:
            state = self._streaming[provider_id] = _Streaming(self._host.new_item_id(), kind)
            self._host.item_started(
                AgentMessageItem(id=state.item_id) if kind == "message" else ReasoningItem(id=state.item_id)
            )
        return state

    def _on_delta(self, event: OutputTextDelta | ReasoningSummaryDelta | ReasoningTextDelta) -> None:
        kind = "message" if isinstance(event, OutputTextDelta) else "reasoning"
        state = self._stream_item(event.item_id, kind)
        if isinstance(event, ReasoningSummaryDelta):
            if state.summary_index is not None and event.summary_index != state.summary_index and state.parts:
                # A new summary part: surfaces show the parts as separate paragraphs, as the
                # completed item's ``summary`` list does.
                state.parts.append(PART_SEPARATOR)
                self._host.reasoning_delta(state.item_id, PART_SEPARATOR)
            state.summary_index = event.summary_index
        state.parts.append(event.delta)
        if kind == "message":
            self._host.message_delta(state.item_id, event.delta)
        else:
            self._host.reasoning_delta(state.item_id, event.delta)

    def _on_done(self, item: JsonDict) -> ToolCall | None:
        kind = str(item.get("type", ""))
        provider_id = str(item.get("id", ""))
        history_item: JsonDict | None = {key: value for key, value in item.items() if key != "id"}
        if kind == "reasoning" and not item.get("encrypted_content"):
            history_item = None
        if kind == "message":
            state = self._stream_item(provider_id, kind)
            text = "".join(
                part.get("text", "") for part in item.get("content") or [] if part.get("type") == "output_text"
            )
            self._held.append((history_item, state.item_id, AgentMessageItem(id=state.item_id, text=text)))
            self._streaming.pop(provider_id, None)
        elif kind == "reasoning":
            state = self._stream_item(provider_id, kind)
            summary = [str(part.get("text", "")) for part in item.get("summary") or []]
            text = "".join(str(part.get("text", "")) for part in item.get("content") or [])
            self._held.append(
                (history_item, state.item_id, ReasoningItem(id=state.item_id, summary=summary, text=text))
            )
            self._streaming.pop(provider_id, None)
        elif kind in _TOOL_CALL_TYPES:
            self.release_held()
            if history_item is not None:
                self._host.record(history_item)
            call_kind = _TOOL_CALL_TYPES[kind]
            payload = item.get("arguments") if call_kind is CallKind.FUNCTION else item.get("input")
            return ToolCall(
                call_id=str(item.get("call_id", "")),
                name=str(item.get("name", "")),
                kind=call_kind,
                payload=str(payload or ""),
            )
        elif history_item is not None:  # any other output item is kept as it came, in order
            self.release_held()
            self._host.record(history_item)
        return None
