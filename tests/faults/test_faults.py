"""Every fault, on every wire format (Responses, Chat Completions, Anthropic Messages): the turn recovers
or fails with a clear message, the history and rollout stay consistent, and the next turn works."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import ContextCompactionItem
from tandem.testing import ScriptedModelServer

from fault_harness import Maker, free_port
from helpers import TEST_API_KEY, message, respond, shell

NEXT = respond(message("next turn ok"))
LONG_ANSWER = "This answer is long enough to arrive in several deltas before the stream breaks. " * 3


def http_error(status: int, **extra: Any) -> dict[str, Any]:
    return {"output": [], "fault": {"kind": "http_error", "status": status, **extra}}


def with_fault(kind: str, *output: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"output": list(output), "fault": {"kind": kind, **extra}}


def answer_texts(h: Any) -> list[str]:
    return [
        m["content"][0]["text"] for m in h.thread.history if m.get("type") == "message" and m.get("role") == "assistant"
    ]


async def test_429_waits_for_retry_after_then_succeeds(harness: Maker) -> None:
    h = harness([http_error(429, headers={"Retry-After": "1"}), respond(message("recovered")), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [retry] = h.retries()
    assert retry.delay_s >= 1.0 and "429" in retry.message
    assert answer_texts(h) == ["recovered"]
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_server_errors_500_502_503_are_retried(harness: Maker) -> None:
    h = harness([http_error(500), http_error(502), http_error(503), respond(message("recovered")), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    assert [re.search(r"HTTP (\d+)", r.message).group(1) for r in h.retries()] == ["500", "502", "503"]  # type: ignore[union-attr]
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_connection_refused_fails_clearly_and_the_next_turn_works_once_the_server_is_up(harness: Maker) -> None:
    port = free_port()
    h = harness([], port=port, serve=False, request_max_retries=1)
    turn = await h.turn("go")
    assert turn.status is TurnStatus.FAILED and turn.error is not None
    assert "cannot reach the model provider" in turn.error.message and str(port) in turn.error.message
    assert len(h.retries()) == 1
    h.assert_consistent()
    server = ScriptedModelServer({"responses": [NEXT]}, port=port).start()
    try:
        await h.assert_next_turn_works()
    finally:
        server.stop()


async def test_reset_mid_stream_drops_the_half_message_and_retries(harness: Maker) -> None:
    h = harness([with_fault("disconnect", message(LONG_ANSWER), after_events=4), respond(message("recovered")), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    assert len(h.retries()) == 1
    assert answer_texts(h) == ["recovered"]  # nothing of the broken stream is kept
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_stream_without_its_final_event_is_retried(harness: Maker) -> None:
    h = harness([with_fault("no_completed", message("never finished")), respond(message("recovered")), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [retry] = h.retries()
    assert retry.message
    assert answer_texts(h) == ["recovered"]
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_idle_stall_past_the_timeout_is_retried(harness: Maker) -> None:
    h = harness(
        [with_fault("stall", message(LONG_ANSWER), after_events=2, seconds=10), respond(message("recovered")), NEXT],
        stream_idle_timeout_ms=400,
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [retry] = h.retries()
    assert "no data from the model" in retry.message
    assert answer_texts(h) == ["recovered"]
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_malformed_json_in_a_data_line_is_retried(harness: Maker) -> None:
    h = harness(
        [with_fault("malformed_json", message("soon broken"), after_events=2), respond(message("recovered")), NEXT]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [retry] = h.retries()
    assert "malformed" in retry.message
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_unknown_event_types_are_ignored(harness: Maker) -> None:
    h = harness([with_fault("unknown_event", message("complete answer"), after_events=1), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    assert h.retries() == []
    assert answer_texts(h) == ["complete answer"]
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_invalid_tool_call_arguments_go_back_to_the_model_and_the_turn_goes_on(harness: Maker) -> None:
    bad = {"type": "function_call", "name": "shell_command", "arguments": '{"command": "echo hi", oops}'}
    h = harness([respond(bad), respond(message("I will fix my arguments.")), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [output] = [i["output"] for i in h.thread.history if i.get("type") == "function_call_output"]
    assert output.startswith("failed to parse function arguments for shell_command")
    assert h.server is not None and len(h.server.requests) == 2
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_a_call_to_an_unknown_tool_is_answered_and_the_turn_goes_on(harness: Maker) -> None:
    h = harness(
        [
            respond({"type": "function_call", "name": "teleport", "arguments": {"to": "mars"}}),
            respond(message("That tool does not exist; done.")),
            NEXT,
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [output] = [i["output"] for i in h.thread.history if i.get("type") == "function_call_output"]
    assert "unsupported call: teleport" in output
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_context_length_exceeded_compacts_and_retries(harness: Maker) -> None:
    h = harness(
        [
            respond(shell("echo earlier work")),
            http_error(400, error="context_length_exceeded"),
            respond(message("SUMMARY: ran echo, nothing else to do.")),
            respond(message("after compaction")),
            NEXT,
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [compaction] = h.completed(ContextCompactionItem)
    assert compaction.summary and "SUMMARY" in compaction.summary
    assert h.server is not None
    retried = h.server.requests[3].body  # after the summary request
    assert "SUMMARY: ran echo" in str(retried)
    assert answer_texts(h)[-1] == "after compaction"
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_quota_exceeded_fails_at_once_with_a_clear_message(harness: Maker) -> None:
    h = harness([http_error(429, error="insufficient_quota", message="You exceeded your current quota."), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.FAILED and turn.error is not None
    assert "quota" in turn.error.message.lower()
    assert h.retries() == []
    assert h.server is not None and len(h.server.requests) == 1
    h.assert_consistent()
    await h.assert_next_turn_works()


@pytest.mark.parametrize("status", [401])
async def test_bad_credentials_fail_without_retrying(harness: Maker, status: int) -> None:
    h = harness([http_error(status), NEXT])
    turn = await h.turn("go")
    assert turn.status is TurnStatus.FAILED and turn.error is not None
    assert "credentials" in turn.error.message or "401" in turn.error.message
    assert h.retries() == []
    h.assert_consistent()
    await h.assert_next_turn_works()


async def test_a_failure_reported_in_the_stream_never_shows_the_api_key(harness: Maker) -> None:
    leak = f"upstream rejected key {TEST_API_KEY} (server_error)"
    h = harness(
        [
            with_fault("response_failed", message("partial"), code="server_error", message=leak),
            respond(message("recovered")),
            NEXT,
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    [retry] = h.retries()
    assert "upstream rejected key [REDACTED]" in retry.message and TEST_API_KEY not in retry.message
    h.assert_consistent()
