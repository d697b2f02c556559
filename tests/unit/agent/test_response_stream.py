"""The response assembler fed model events by hand: what reaches the history, what surfaces see, in which order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_parts import TurnParts

from tandem.agent.events import AgentMessageDelta, ItemCompleted, ItemStarted, ReasoningDelta
from tandem.agent.response_stream import ResponseAssembler
from tandem.model.types import OutputItemAdded, OutputItemDone, OutputTextDelta, ReasoningSummaryDelta
from tandem.protocol.items import AgentMessageItem, ReasoningItem
from tandem.tools.base import CallKind


def msg(provider_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": provider_id,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }


def call(call_id: str, command: str = "ls") -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": "shell_command",
        "arguments": f'{{"command": "{command}"}}',
    }


def surface(parts: TurnParts) -> list[tuple[str, str, Any]]:
    """(event kind, item id, payload) of every item event and delta, in order."""
    out: list[tuple[str, str, Any]] = []
    for event in parts.events:
        if isinstance(event, ItemStarted):
            out.append(("started", event.item.id, type(event.item).__name__))
        elif isinstance(event, ItemCompleted):
            out.append(("completed", event.item.id, getattr(event.item, "text", None)))
        elif isinstance(event, AgentMessageDelta | ReasoningDelta):
            out.append(("delta", event.item_id, event.delta))
    return out


def test_a_message_streams_then_completes_when_the_response_does(turn_parts: Callable[..., TurnParts]) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assert assembler.feed(OutputItemAdded(msg("msg_1", ""), 0)) is None
    assembler.feed(OutputTextDelta("msg_1", "Hel"))
    assembler.feed(OutputTextDelta("msg_1", "lo"))
    assembler.feed(OutputItemDone(msg("msg_1", "Hello"), 0))
    assert parts.conversation.history == []  # held until the response completes
    assembler.release_held()
    assert parts.conversation.history == [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello"}]}
    ]  # the provider's item id is not sent back
    assert surface(parts) == [
        ("started", "item_0", "AgentMessageItem"),
        ("delta", "item_0", "Hel"),
        ("delta", "item_0", "lo"),
        ("completed", "item_0", "Hello"),
    ]


def test_a_tool_call_releases_the_message_before_it_and_is_recorded_after_it(
    turn_parts: Callable[..., TurnParts],
) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assembler.feed(OutputItemDone(msg("msg_1", "Let me look."), 0))
    tool_call = assembler.feed(OutputItemDone(call("call_1", "ls -la"), 1))
    assert tool_call is not None
    assert (tool_call.call_id, tool_call.name, tool_call.kind) == ("call_1", "shell_command", CallKind.FUNCTION)
    assert tool_call.arguments() == {"command": "ls -la"}
    history = parts.conversation.history
    assert [item["type"] for item in history] == ["message", "function_call"]
    assert "id" not in history[1] and history[1]["call_id"] == "call_1"
    assert surface(parts)[-1] == ("completed", "item_0", "Let me look.")


def test_a_broken_stream_drops_held_and_half_received_items_and_names_them(
    turn_parts: Callable[..., TurnParts],
) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assembler.feed(OutputItemDone(msg("msg_1", "A whole answer."), 0))  # complete, but no call followed
    assembler.feed(OutputTextDelta("msg_2", "A half"))  # still streaming when the stream broke
    assembler.discard()
    assert assembler.discarded_ids() == ["item_1", "item_0"]  # half-received first, then the dropped one
    assembler.release_held()  # nothing is left to release
    assert parts.conversation.history == []
    assert not any(kind == "completed" for kind, _, _ in surface(parts))


def test_the_retry_after_a_break_keeps_the_calls_that_completed(turn_parts: Callable[..., TurnParts]) -> None:
    parts = turn_parts()
    first = ResponseAssembler(parts.host)
    first.feed(OutputItemDone(call("call_1"), 0))
    first.feed(OutputItemDone(msg("msg_1", "after the call"), 1))
    assert first.discard() == ["item_0"]
    second = ResponseAssembler(parts.host)  # the retried request
    second.feed(OutputItemDone(msg("msg_2", "after the call"), 0))
    second.release_held()
    assert [item["type"] for item in parts.conversation.history] == ["function_call", "message"]
    # The retry's message is a new item: surfaces dropped item_0 and show item_1.
    assert surface(parts)[-1] == ("completed", "item_1", "after the call")


def test_reasoning_is_shown_but_kept_only_with_encrypted_content(turn_parts: Callable[..., TurnParts]) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assembler.feed(ReasoningSummaryDelta("rs_1", "Thinking"))
    assembler.feed(OutputItemDone({"type": "reasoning", "id": "rs_1", "summary": [{"text": "Thinking"}]}, 0))
    encrypted = {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "opaque"}
    assembler.feed(OutputItemDone(encrypted, 1))
    assembler.release_held()
    assert parts.conversation.history == [{"type": "reasoning", "summary": [], "encrypted_content": "opaque"}]
    completed = [e.item for e in parts.events if isinstance(e, ItemCompleted)]
    assert [type(item) for item in completed] == [ReasoningItem, ReasoningItem]
    assert completed[0].summary == ["Thinking"]


def test_other_output_items_keep_their_place_between_messages(turn_parts: Callable[..., TurnParts]) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assembler.feed(OutputItemDone(msg("msg_1", "one"), 0))
    assembler.feed(OutputItemDone({"type": "web_search_call", "id": "ws_1", "status": "completed"}, 1))
    assembler.feed(OutputItemDone(msg("msg_2", "two"), 2))
    assembler.release_held()
    history = parts.conversation.history
    assert [item["type"] for item in history] == ["message", "web_search_call", "message"]
    texts = [e.item.text for e in parts.events if isinstance(e, ItemCompleted) and isinstance(e.item, AgentMessageItem)]
    assert texts == ["one", "two"]


def test_summary_parts_stream_as_separate_paragraphs(turn_parts: Callable[..., TurnParts]) -> None:
    parts = turn_parts()
    assembler = ResponseAssembler(parts.host)
    assembler.feed(ReasoningSummaryDelta("rs_1", "**Reading** the code", 0))
    assembler.feed(ReasoningSummaryDelta("rs_1", ".", 0))
    assembler.feed(ReasoningSummaryDelta("rs_1", "**Planning** the fix", 1))
    deltas = [payload for kind, _, payload in surface(parts) if kind == "delta"]
    assert "".join(deltas) == "**Reading** the code.\n\n**Planning** the fix"
