"""The scripted model server streams Responses API events over a real socket and records requests."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from tandem.testing import ScriptedModelServer

FULL_SCRIPT: dict[str, Any] = {
    "model": "scripted-demo",
    "responses": [
        {
            "output": [
                {
                    "type": "reasoning",
                    "summary": "Looking at the test",
                    "text": "raw thoughts here",
                    "encrypted_content": "opaque-blob",
                },
                {"type": "message", "text": "I'll run the tests first and then look at the failure in detail."},
                {"type": "function_call", "name": "shell_command", "arguments": {"command": "pytest -q"}},
                {
                    "type": "custom_tool_call",
                    "name": "apply_patch",
                    "input": "*** Begin Patch\n*** End Patch",
                    "call_id": "call_custom",
                },
            ]
        }
    ],
}

EXPECTED_TYPES = [
    "response.created",
    "response.output_item.added",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.reasoning_summary_part.added",
    *["response.reasoning_summary_text.delta"] * 2,
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.content_part.added",
    *["response.output_text.delta"] * 5,
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.output_item.added",
    *["response.custom_tool_call_input.delta"] * 2,
    "response.custom_tool_call_input.done",
    "response.output_item.done",
    "response.completed",
]


def test_stream_has_the_responses_api_event_sequence_and_shapes(make_server, client, sse, body) -> None:
    server = make_server(FULL_SCRIPT)
    response = client.post(f"{server.base_url}/responses", json=body())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    events = sse.json_events(response.text)

    assert [e["type"] for e in events] == EXPECTED_TYPES
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    created, completed = events[0]["response"], events[-1]["response"]
    assert created["id"] == completed["id"] == "resp_1"
    assert created["status"] == "in_progress" and created["output"] == []
    assert completed["status"] == "completed" and completed["model"] == "test-model"

    done = [e for e in events if e["type"] == "response.output_item.done"]
    assert [e["output_index"] for e in done] == [0, 1, 2, 3]
    reasoning, message, call, custom = (e["item"] for e in done)
    assert reasoning == {
        "type": "reasoning",
        "id": "rs_1_0",
        "summary": [{"type": "summary_text", "text": "Looking at the test"}],
        "content": [{"type": "reasoning_text", "text": "raw thoughts here"}],
        "encrypted_content": "opaque-blob",
    }
    assert message == {
        "type": "message",
        "id": "msg_1_1",
        "role": "assistant",
        "status": "completed",
        "content": [
            {"type": "output_text", "annotations": [], "text": FULL_SCRIPT["responses"][0]["output"][1]["text"]}
        ],
    }
    assert call == {
        "type": "function_call",
        "id": "fc_1_2",
        "call_id": "call_1_2",
        "name": "shell_command",
        "arguments": '{"command":"pytest -q"}',
        "status": "completed",
    }
    assert custom == {
        "type": "custom_tool_call",
        "id": "ctc_1_3",
        "call_id": "call_custom",
        "name": "apply_patch",
        "input": "*** Begin Patch\n*** End Patch",
    }
    assert completed["output"] == [reasoning, message, call, custom]
    assert set(completed["usage"]) == {
        "input_tokens",
        "input_tokens_details",
        "output_tokens",
        "output_tokens_details",
        "total_tokens",
    }

    for event in events[1:-1]:  # every item event names its output item
        assert "output_index" in event
        if event["type"] not in ("response.output_item.added", "response.output_item.done"):
            assert event["item_id"] == done[event["output_index"]]["item"]["id"]
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    assert added[2] == {
        "type": "function_call",
        "id": "fc_1_2",
        "call_id": "call_1_2",
        "name": "shell_command",
        "arguments": "",
        "status": "in_progress",
    }


def test_deltas_concatenate_to_the_item_text(make_server, client, sse, body) -> None:
    server = make_server(FULL_SCRIPT)
    events = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)

    def joined(kind: str) -> str:
        return "".join(e["delta"] for e in events if e["type"] == kind)

    items = FULL_SCRIPT["responses"][0]["output"]
    assert joined("response.output_text.delta") == items[1]["text"]
    assert len([e for e in events if e["type"] == "response.output_text.delta"]) > 1
    assert joined("response.reasoning_summary_text.delta") == items[0]["summary"]
    assert joined("response.reasoning_text.delta") == items[0]["text"]
    assert json.loads(joined("response.function_call_arguments.delta")) == items[2]["arguments"]
    assert joined("response.custom_tool_call_input.delta") == items[3]["input"]


def test_first_event_arrives_before_the_scripted_delay_ends(make_server, client, sse, body) -> None:
    server = make_server({"responses": [{"delay_ms": 20_000, "output": [{"type": "message", "text": "late"}]}]})
    started = time.monotonic()
    with client.stream("POST", f"{server.base_url}/responses", json=body()) as response:
        stream = sse.stream(response)
        assert next(stream)[0] == "response.created"
        assert time.monotonic() - started < 10.0
        stopping = time.monotonic()
        server.stop()  # wakes the delay: stop must not wait for it
        assert time.monotonic() - stopping < 5.0
        with pytest.raises(httpx.HTTPError):
            list(stream)


def test_chunk_delay_streams_events_one_by_one(make_server, client, sse, body) -> None:
    server = make_server({"responses": [{"chunk_delay_ms": 15_000, "output": [{"type": "message", "text": "x"}]}]})
    with client.stream("POST", f"{server.base_url}/responses", json=body()) as response:
        stream = sse.stream(response)
        assert next(stream)[0] == "response.created"
        assert next(stream)[0] == "response.output_item.added"  # arrives alone, the rest is 15 s away
        server.stop()


def test_requests_are_recorded_with_headers_and_bodies(make_server, client, body) -> None:
    server = make_server(
        {
            "responses": [
                {"output": [{"type": "message", "text": "one"}]},
                {"output": [{"type": "message", "text": "two"}]},
            ]
        }
    )
    first = body([{"type": "message", "role": "user", "content": "hi"}], prompt_cache_key="thread-1")
    client.post(f"{server.base_url}/responses", json=first, headers={"Authorization": "Bearer sk-test"})
    client.post(f"{server.base_url.removesuffix('/v1')}/responses", json=body(["second"]))
    recorded = server.wait_for_requests(2)
    assert [(r.method, r.path) for r in recorded] == [("POST", "/v1/responses"), ("POST", "/responses")]
    assert recorded[0].body == first
    assert recorded[0].headers["authorization"] == "Bearer sk-test"
    assert recorded[0].headers["content-type"] == "application/json"
    assert recorded[1].body is not None and recorded[1].body["input"] == ["second"]
    assert recorded[0].received_at <= recorded[1].received_at
    assert server.requests == recorded

    listed = client.get(f"{server.base_url.removesuffix('/v1')}/_scripted/requests").json()
    assert [r["body"] for r in listed] == [first, recorded[1].body]
    assert len(server.requests) == 2  # the control endpoint is not recorded


def test_wait_for_requests_times_out_with_what_arrived(make_server) -> None:
    server = make_server({"responses": []})
    with pytest.raises(TimeoutError, match="expected 1 request"):
        server.wait_for_requests(1, timeout=0.05)


def test_wait_for_requests_wakes_when_a_request_arrives(make_server, body) -> None:
    server = make_server({"responses": [{"output": [{"type": "message", "text": "x"}]}]})
    thread = threading.Thread(target=lambda: httpx.post(f"{server.base_url}/responses", json=body()))
    thread.start()
    [request] = server.wait_for_requests(1, timeout=10)
    thread.join()
    assert request.body is not None and request.body["model"] == "test-model"


def test_exhausted_script_answers_500_and_records_the_request(make_server, client, body) -> None:
    server = make_server({"responses": [{"output": [{"type": "message", "text": "only"}]}]})
    assert client.post(f"{server.base_url}/responses", json=body()).status_code == 200
    response = client.post(f"{server.base_url}/responses", json=body())
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "scripted model server: script exhausted after 1 responses"
    assert len(server.requests) == 2


def test_repeat_last_replays_with_fresh_ids(make_server, client, sse, body) -> None:
    server = make_server(
        {
            "repeat_last": True,
            "responses": [
                {"output": [{"type": "function_call", "name": "shell_command", "arguments": {"command": "ls"}}]}
            ],
        }
    )
    ids = []
    for _ in range(3):
        events = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)
        ids.append(events[-1]["response"]["output"][0]["call_id"])
    assert ids == ["call_1_0", "call_2_0", "call_3_0"]


def test_usage_is_computed_with_a_simulated_prompt_cache(make_server, client, sse, body) -> None:
    server = make_server({"repeat_last": True, "responses": [{"output": [{"type": "message", "text": "x" * 40}]}]})
    history = [{"type": "message", "role": "user", "content": "fix the failing test " * 20}]

    def usage(request_body: dict[str, Any]) -> dict[str, Any]:
        text = client.post(f"{server.base_url}/responses", json=request_body).text
        return sse.json_events(text)[-1]["response"]["usage"]

    first_body = body(history)
    first = usage(first_body)
    assert first["input_tokens"] == pytest.approx(len(json.dumps(first_body)) / 4, rel=0.2)
    assert first["input_tokens_details"]["cached_tokens"] == 0
    assert first["output_tokens"] == 10
    assert first["total_tokens"] == first["input_tokens"] + first["output_tokens"]

    extended = usage(body([*history, {"type": "message", "role": "assistant", "content": "ok"}]))
    cached = extended["input_tokens_details"]["cached_tokens"]
    assert 0.5 * first["input_tokens"] < cached <= extended["input_tokens"]

    unrelated = usage({"model": "m", "instructions": "other", "input": ["x"], "tools": [{"type": "x"}], "stream": True})
    assert unrelated["input_tokens_details"]["cached_tokens"] < 5


def test_scripted_usage_wins_and_missing_fields_are_filled(make_server, client, sse, body) -> None:
    server = make_server(
        {
            "responses": [
                {
                    "usage": {"input_tokens": 100, "cached_tokens": 40, "reasoning_tokens": 7},
                    "output": [{"type": "message", "text": "abcdefgh"}],
                }
            ]
        }
    )
    usage = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)[-1]["response"]["usage"]
    assert usage == {
        "input_tokens": 100,
        "input_tokens_details": {"cached_tokens": 40},
        "output_tokens": 2,
        "output_tokens_details": {"reasoning_tokens": 7},
        "total_tokens": 102,
    }


def test_raw_events_are_streamed_verbatim(make_server, client, sse, body) -> None:
    raw = [
        {"type": "response.created", "response": {"id": "r1"}},
        "event: custom\ndata: [DONE]\n\n",
        {"type": "response.completed", "response": {"id": "r1", "usage": None}},
    ]
    server = make_server({"responses": [{"events": raw}]})
    text = client.post(f"{server.base_url}/responses", json=body()).text
    assert sse.parse(text) == [
        ("response.created", json.dumps(raw[0], separators=(",", ":"))),
        ("custom", "[DONE]"),
        ("response.completed", json.dumps(raw[2], separators=(",", ":"))),
    ]


def test_models_endpoint_lists_the_script_models(make_server, client) -> None:
    server = make_server(FULL_SCRIPT)
    assert client.get(f"{server.base_url}/models").json() == {
        "object": "list",
        "data": [{"id": "scripted-demo", "object": "model", "created": 0, "owned_by": "tandem-scripted"}],
    }
    default = make_server({"responses": []})
    assert [m["id"] for m in client.get(f"{default.base_url}/models").json()["data"]] == ["scripted-model"]


def test_bad_requests_do_not_consume_the_script(make_server, client, sse, body) -> None:
    server = make_server({"responses": [{"output": [{"type": "message", "text": "kept"}]}]})
    not_streaming = client.post(f"{server.base_url}/responses", json=body(stream=False))
    assert not_streaming.status_code == 400 and "stream" in not_streaming.json()["error"]["message"]
    assert client.post(f"{server.base_url}/responses", content=b"not json").status_code == 400
    assert client.post(f"{server.base_url}/embeddings", json=body()).status_code == 404
    assert client.get(f"{server.base_url}/responses").status_code == 405
    events = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "kept"
    assert len(server.requests) == 5


async def test_async_context_manager_with_an_async_client(body) -> None:
    script = {"responses": [{"output": [{"type": "message", "text": "async hello"}]}]}
    async with (
        ScriptedModelServer(script) as server,
        httpx.AsyncClient() as http,
        http.stream("POST", f"{server.base_url}/responses", json=body()) as response,
    ):
        text = "".join([chunk async for chunk in response.aiter_text()])
    assert '"text":"async hello"' in text
    assert server.requests[0].path == "/v1/responses"


def ours() -> list[threading.Thread]:
    """Live threads of scripted model servers (the serve loop and one per connection)."""
    return [t for t in threading.enumerate() if t.name.startswith("scripted-model-server:")]


def test_lifecycle_is_idempotent_and_leaves_no_threads(body) -> None:
    server = ScriptedModelServer({"responses": [{"output": [{"type": "message", "text": "x"}]}]})
    with pytest.raises(RuntimeError):
        _ = server.base_url
    assert server.start() is server.start()
    assert len(ours()) == 1  # the serve loop
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
    httpx.post(f"{server.base_url}/responses", json=body())
    server.stop()
    server.stop()
    assert ours() == []
    with pytest.raises(RuntimeError, match="restarted"):
        server.start()
