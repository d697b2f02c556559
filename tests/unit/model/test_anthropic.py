"""Anthropic Messages API: history conversion, the streaming client against the scripted server, and
the scripted server's Anthropic wire format (validation, events, faults, error bodies).

Format: Anthropic Messages API streaming (``POST /v1/messages``, ``anthropic-version: 2023-06-01``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tandem.config import ProviderInfo
from tandem.config_enums import AuthScheme, WireApi
from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
)
from tandem.model.anthropic import AnthropicClient, AnthropicStreamDecoder, build_request_body
from tandem.model.anthropic_request import convert_messages, max_tokens_for
from tandem.model.types import (
    ModelEvent,
    ModelRequest,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningTextDelta,
    ResponseCompleted,
    ResponseCreated,
    ToolCallInputDelta,
)
from tandem.testing import ScriptedModelServer
from tandem.testing.anthropic_sse import request_problem, thinking_signature

KEY = "sk-ant-test-0123456789-SECRET"
PNG = "iVBORw0KGgo="

SHELL_TOOL = {
    "type": "function",
    "name": "shell_command",
    "description": "Run a command.",
    "strict": False,
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
}
PATCH_TOOL = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Edit files.",
    "format": {"type": "grammar", "syntax": "lark", "definition": "start: x"},
}


def msg(role: str, *texts: str) -> dict[str, Any]:
    kind = "output_text" if role == "assistant" else "input_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": t} for t in texts]}


def call(call_id: str, command: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": call_id,
        "name": "shell_command",
        "arguments": json.dumps({"command": command}),
    }


def output(call_id: str, text: str, kind: str = "function_call_output") -> dict[str, Any]:
    return {"type": kind, "call_id": call_id, "output": text}


def thinking_item(text: str, signature: str) -> dict[str, Any]:
    block = {"type": "thinking", "thinking": text, "signature": signature}
    return {
        "type": "reasoning",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": text}],
        "encrypted_content": json.dumps(block),
    }


def request(items: list[dict[str, Any]], **extra: Any) -> ModelRequest:
    fields: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "instructions": "You are Tandem.",
        "input": items,
        "tools": [SHELL_TOOL, PATCH_TOOL],
        **extra,
    }
    return ModelRequest(**fields)


def strip_cache(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_cache(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip_cache(v) for v in value]
    return value


HISTORY: list[dict[str, Any]] = [
    msg("developer", "<permissions>sandboxed</permissions>"),
    msg("user", "<environment_context/>"),
    msg("user", "list the files and fix app.py"),
    thinking_item("I should look first.", thinking_signature("I should look first.")),
    msg("assistant", "Looking."),
    call("toolu_a", "ls"),
    call("toolu_b", "cat app.py"),
    output("toolu_a", "app.py"),
    {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_image", "image_url": f"data:image/png;base64,{PNG}"}],
    },
    output("toolu_b", "print('hi')"),
    {
        "type": "custom_tool_call",
        "call_id": "toolu_c",
        "name": "apply_patch",
        "input": "*** Begin Patch\n*** End Patch",
    },
    output("toolu_c", "Success.", "custom_tool_call_output"),
    msg("assistant", "Fixed."),
    msg("user", "thanks"),
]


# --- conversion ----------------------------------------------------------------------------------


def test_history_becomes_alternating_messages_with_paired_tool_results() -> None:
    messages = convert_messages(HISTORY)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user", "assistant", "user"]
    first, turn, results = messages[0], messages[1], messages[2]
    assert [b["text"] for b in first["content"]] == [
        "<permissions>sandboxed</permissions>",
        "<environment_context/>",
        "list the files and fix app.py",
    ]
    assert [b["type"] for b in turn["content"]] == ["thinking", "text", "tool_use", "tool_use"]
    assert turn["content"][2] == {
        "type": "tool_use",
        "id": "toolu_a",
        "name": "shell_command",
        "input": {"command": "ls"},
    }
    # tool_result blocks first (the image view_image attached follows them), ids matching the calls
    assert [b["type"] for b in results["content"]] == ["tool_result", "tool_result", "image"]
    assert [b["tool_use_id"] for b in results["content"][:2]] == ["toolu_a", "toolu_b"]
    assert results["content"][1]["content"] == "print('hi')"
    assert messages[3]["content"] == [
        {
            "type": "tool_use",
            "id": "toolu_c",
            "name": "apply_patch",
            "input": {"input": "*** Begin Patch\n*** End Patch"},
        }
    ]
    assert messages[4]["content"] == [{"type": "tool_result", "tool_use_id": "toolu_c", "content": "Success."}]
    assert messages[5]["content"] == [{"type": "text", "text": "Fixed."}]
    assert request_problem(build_request_body(request(HISTORY))) is None


def test_thinking_round_trips_unchanged_and_foreign_reasoning_is_dropped() -> None:
    redacted = {
        "type": "reasoning",
        "summary": [],
        "encrypted_content": json.dumps({"type": "redacted_thinking", "data": "opaque=="}),
    }
    openai = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "s"}], "encrypted_content": "gAAAA"}
    items = [
        msg("user", "q"),
        openai,
        redacted,
        thinking_item("deep thought", "sig-xyz"),
        call("t1", "ls"),
        output("t1", "x"),
    ]
    assistant = convert_messages(items)[1]["content"]
    assert assistant == [
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "thinking", "thinking": "deep thought", "signature": "sig-xyz"},
        {"type": "tool_use", "id": "t1", "name": "shell_command", "input": {"command": "ls"}},
    ]


def test_images_become_base64_or_url_sources_also_inside_tool_results() -> None:
    items = [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/4AAQ"},
                {"type": "input_image", "image_url": "https://example.com/a.png"},
                {"type": "input_image", "image_url": "file:///nope.png"},
            ],
        },
        call("t1", "x"),
        {
            "type": "function_call_output",
            "call_id": "t1",
            "output": [
                {"type": "input_text", "text": "see"},
                {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}"},
            ],
        },
    ]
    user, _, result = convert_messages(items)
    assert user["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
    ]
    assert result["content"][0]["content"] == [
        {"type": "text", "text": "see"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    ]


def test_odd_ids_arguments_and_empty_parts() -> None:
    items = [
        msg("user", "", "q"),
        {"type": "function_call", "call_id": "call.1/x", "name": "shell_command", "arguments": "not json"},
        output("call.1/x", ""),
        {"type": "web_search_call"},
    ]
    user, assistant, result = convert_messages(items)
    assert user["content"] == [{"type": "text", "text": "q"}]
    assert assistant["content"][0]["id"] == "call_1_x" and assistant["content"][0]["input"] == {"arguments": "not json"}
    assert result["content"] == [{"type": "tool_result", "tool_use_id": "call_1_x"}]


def test_cache_breakpoints_tools_and_body_shape() -> None:
    req = request(HISTORY, reasoning_effort="high", parallel_tool_calls=False)
    before = copy.deepcopy(req.input)
    body = build_request_body(req)
    assert req.input == before  # the history is never modified
    assert list(body) == ["model", "max_tokens", "system", "messages", "tools", "tool_choice", "thinking", "stream"]
    assert body["system"] == [{"type": "text", "text": "You are Tandem.", "cache_control": {"type": "ephemeral"}}]
    assert body["max_tokens"] == 64_000 and body["thinking"] == {"type": "enabled", "budget_tokens": 24_000}
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    shell, patch = body["tools"]
    assert shell == {"name": "shell_command", "description": "Run a command.", "input_schema": SHELL_TOOL["parameters"]}
    assert patch["input_schema"]["properties"]["input"]["type"] == "string"
    assert patch["cache_control"] == {"type": "ephemeral"}
    marked = [
        (i, j) for i, m in enumerate(body["messages"]) for j, b in enumerate(m["content"]) if "cache_control" in b
    ]
    last = len(body["messages"]) - 1
    assert marked == [(last - 2, len(body["messages"][last - 2]["content"]) - 1), (last, 0)]
    assert json.dumps(build_request_body(req)) == json.dumps(body)  # byte-stable


def test_a_longer_history_only_appends_messages() -> None:
    one = build_request_body(request(HISTORY[:3]))
    two = build_request_body(request(HISTORY))
    assert strip_cache(two["messages"][: len(one["messages"]) - 1]) == strip_cache(one["messages"][:-1])
    assert strip_cache(two["messages"][0]["content"][:3]) == strip_cache(one["messages"][0]["content"])


def test_tool_choice_none_no_tools_and_limits() -> None:
    body = build_request_body(
        ModelRequest(
            model="claude-3-5-haiku-20241022",
            instructions="",
            input=[msg("user", "q")],
            tools=[{"type": "web_search"}],
            tool_choice="none",
        )
    )
    assert "tools" not in body and "tool_choice" not in body and "system" not in body and "thinking" not in body
    assert body["max_tokens"] == 8_192
    assert build_request_body(request([msg("user", "q")], tool_choice="none"))["tool_choice"] == {"type": "none"}
    assert max_tokens_for("claude-opus-4-1-20250805") == 32_000 and max_tokens_for("some-proxy-model") == 32_000
    assert build_request_body(request([msg("user", "q")]), max_tokens=2048)["max_tokens"] == 2048


# --- the scripted server's validation (it catches history-conversion bugs) ------------------------


def valid_body() -> dict[str, Any]:
    return build_request_body(request(HISTORY, reasoning_effort="low"))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.pop("max_tokens"), "max_tokens: Field required"),
        (lambda b: b.update(stream=False), "only streaming requests"),
        (lambda b: b["messages"].pop(2), "roles must alternate"),
        (lambda b: b["messages"][2]["content"].pop(0), "`tool_use` ids were found without `tool_result` blocks"),
        (lambda b: b["messages"][2]["content"].reverse(), "`tool_result` blocks must come before any other content"),
        (
            lambda b: b["messages"][4]["content"].insert(0, {"type": "tool_result", "tool_use_id": "toolu_zzz"}),
            "unexpected `tool_use_id`",
        ),
        (lambda b: b["messages"][1]["content"][0].update(thinking="edited"), "Invalid `signature`"),
        (lambda b: b["messages"][0]["content"][0].update(text=""), "text content blocks must be non-empty"),
        (lambda b: b["messages"].insert(0, {"role": "assistant", "content": "hi"}), "first message"),
        (
            lambda b: [blk.update(cache_control={"type": "ephemeral"}) for blk in b["messages"][0]["content"]],
            "A maximum of 4 blocks with cache_control",
        ),
        (lambda b: b["thinking"].update(budget_tokens=10**6), "greater than `thinking.budget_tokens`"),
        (lambda b: b["tools"].append({"name": "bad name", "input_schema": {"type": "object"}}), "tools.2.name"),
    ],
)
def test_server_refuses_what_the_real_api_refuses(mutate: Any, expected: str) -> None:
    body = valid_body()
    assert request_problem(body) is None
    mutate(body)
    problem = request_problem(body)
    assert problem is not None and expected in problem


def test_server_wants_thinking_first_in_a_continued_tool_loop() -> None:
    items = [msg("user", "q"), thinking_item("t", thinking_signature("t")), call("t1", "ls"), output("t1", "x")]
    assert request_problem(build_request_body(request(items, reasoning_effort="low"))) is None
    problem = request_problem(build_request_body(request([items[0], *items[2:]], reasoning_effort="low")))
    assert problem is not None and "Expected `thinking` or `redacted_thinking`, but found `tool_use`" in problem
    # Later responses of the same turn think no more (no interleaved thinking): that is accepted.
    loop = [*items, call("t2", "pwd"), output("t2", "/")]
    assert request_problem(build_request_body(request(loop, reasoning_effort="low"))) is None
    # Without thinking enabled nothing is required.
    assert request_problem(build_request_body(request([items[0], *items[2:]]))) is None


# --- the client against the scripted server ---------------------------------------------------------


@pytest.fixture
def servers() -> Iterator[list[ScriptedModelServer]]:
    started: list[ScriptedModelServer] = []
    yield started
    for server in started:
        server.stop()


def start(servers: list[ScriptedModelServer], *responses: dict[str, Any]) -> ScriptedModelServer:
    server = ScriptedModelServer({"responses": list(responses)}).start()
    servers.append(server)
    return server


def client_for(server: ScriptedModelServer) -> AnthropicClient:
    provider = ProviderInfo(
        "claude", "Claude", server.base_url, "ANTHROPIC_API_KEY", WireApi.ANTHROPIC, auth_scheme=AuthScheme.X_API_KEY
    )  # as load_config resolves an anthropic table
    return AnthropicClient(provider, KEY, environ={})


async def collect(server: ScriptedModelServer, req: ModelRequest) -> list[ModelEvent]:
    client = client_for(server)
    try:
        return [event async for event in client.stream(req)]
    finally:
        await client.aclose()


def done_items(events: list[ModelEvent]) -> list[dict[str, Any]]:
    return [e.item for e in events if isinstance(e, OutputItemDone)]


async def test_text_stream_headers_and_request(servers: list[ScriptedModelServer]) -> None:
    server = start(servers, {"output": [{"type": "message", "text": "Hello there, how are you today?"}]})
    events = await collect(server, request([msg("user", "hi")]))
    assert isinstance(events[0], ResponseCreated) and events[0].response_id == "msg_1"
    assert isinstance(events[1], OutputItemAdded) and events[1].item["type"] == "message"
    deltas = [e.delta for e in events if isinstance(e, OutputTextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "Hello there, how are you today?"
    assert done_items(events) == [
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_1_0",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Hello there, how are you today?"}],
        }
    ]
    assert isinstance(events[-1], ResponseCompleted) and events[-1].usage.output_tokens > 0
    [recorded] = server.requests
    assert recorded.path == "/v1/messages"
    assert recorded.headers["x-api-key"] == KEY and recorded.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in recorded.headers
    assert recorded.body is not None and recorded.body["stream"] is True and recorded.body["max_tokens"] == 64_000


async def test_parallel_tool_use_and_freeform_tool(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers,
        {
            "output": [
                {"type": "function_call", "name": "shell_command", "arguments": {"command": "ls -la /tmp"}},
                {
                    "type": "function_call",
                    "name": "shell_command",
                    "arguments": {"command": "pwd"},
                    "call_id": "toolu_mine",
                },
                {"type": "custom_tool_call", "name": "apply_patch", "input": "*** Begin Patch\n*** End Patch\n"},
            ]
        },
    )
    events = await collect(server, request([msg("user", "go")]))
    first, second, patch = done_items(events)
    assert first == {
        "type": "function_call",
        "id": "msg_1_0",
        "call_id": "toolu_1_0",
        "name": "shell_command",
        "arguments": '{"command":"ls -la /tmp"}',
        "status": "completed",
    }
    assert second["call_id"] == "toolu_mine" and json.loads(second["arguments"]) == {"command": "pwd"}
    assert patch == {
        "type": "custom_tool_call",
        "id": "msg_1_2",
        "call_id": "toolu_1_2",
        "name": "apply_patch",
        "input": "*** Begin Patch\n*** End Patch\n",
    }
    pieces = [e.delta for e in events if isinstance(e, ToolCallInputDelta) and e.item_id == "msg_1_0"]
    assert len(pieces) >= 2 and "".join(pieces) == '{"command":"ls -la /tmp"}'


async def test_thinking_streams_and_goes_back_with_its_signature(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers,
        {
            "output": [
                {"type": "reasoning", "text": "The user wants a listing, so run ls."},
                {"type": "function_call", "name": "shell_command", "arguments": {"command": "ls"}},
            ]
        },
        {"output": [{"type": "message", "text": "done"}]},
    )
    history = [msg("user", "list")]
    events = await collect(server, request(history, reasoning_effort="medium"))
    assert (
        "".join(e.delta for e in events if isinstance(e, ReasoningTextDelta)) == "The user wants a listing, so run ls."
    )
    reasoning, fc = done_items(events)
    assert reasoning["content"] == [{"type": "reasoning_text", "text": "The user wants a listing, so run ls."}]
    assert json.loads(reasoning["encrypted_content"])["signature"].startswith("sig1.")
    # Recorded as the agent loop does (without ids), then sent back: the server checks the signature.
    history += [{k: v for k, v in item.items() if k != "id"} for item in (reasoning, fc)]
    history.append(output(fc["call_id"], "a.txt"))
    events = await collect(server, request(history, reasoning_effort="medium"))
    assert isinstance(events[-1], ResponseCompleted)
    body = server.requests[1].body
    assert body is not None and body["messages"][1]["content"][0]["type"] == "thinking"
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 10_000}


async def test_usage_counts_cache_reads_as_input(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers, {"output": [{"type": "message", "text": "one"}]}, {"output": [{"type": "message", "text": "two"}]}
    )
    history = [msg("user", "x" * 4000)]
    first = (await collect(server, request(history)))[-1]
    history += [msg("assistant", "one"), msg("user", "more")]
    second = (await collect(server, request(history)))[-1]
    assert isinstance(first, ResponseCompleted) and isinstance(second, ResponseCompleted)
    assert first.usage.cached_input_tokens == 0 and first.usage.input_tokens > 1000
    assert second.usage.cached_input_tokens > 1000
    assert second.usage.input_tokens > second.usage.cached_input_tokens
    assert second.usage.total_tokens == second.usage.input_tokens + second.usage.output_tokens


def test_usage_adds_cache_creation_and_reads() -> None:
    decoder = AnthropicStreamDecoder()
    decoder.feed(
        "message_start",
        {
            "message": {
                "id": "m",
                "usage": {
                    "input_tokens": 10,
                    "cache_creation_input_tokens": 200,
                    "cache_read_input_tokens": 3000,
                    "output_tokens": 1,
                },
            }
        },
    )
    decoder.feed("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 42}})
    [done] = decoder.feed("message_stop", {})
    assert isinstance(done, ResponseCompleted)
    assert (
        done.usage.input_tokens,
        done.usage.cached_input_tokens,
        done.usage.output_tokens,
        done.usage.total_tokens,
    ) == (3210, 3000, 42, 3252)


async def test_rate_limit_429_is_retryable_with_retry_after(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers,
        {
            "fault": {
                "kind": "http_error",
                "status": 429,
                "headers": {"retry-after": "7"},
                "body": {
                    "type": "error",
                    "error": {
                        "type": "rate_limit_error",
                        "message": "Number of request tokens has exceeded your per-minute rate limit",
                    },
                },
            }
        },
    )
    with pytest.raises(ModelHTTPError) as info:
        await collect(server, request([msg("user", "q")]))
    assert info.value.status == 429 and info.value.retryable and info.value.retry_after == 7.0


async def test_overloaded_529_is_retryable(servers: list[ScriptedModelServer]) -> None:
    server = start(servers, {"fault": {"kind": "http_error", "status": 529}})
    with pytest.raises(ModelHTTPError) as info:
        await collect(server, request([msg("user", "q")]))
    assert info.value.status == 529 and info.value.retryable
    raw = httpx.post(f"{server.base_url}/messages", json={})
    assert raw.json()["type"] == "error" and raw.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (
            400,
            {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"},
            ContextWindowExceededError,
        ),
        (
            400,
            {"type": "invalid_request_error", "message": "Your credit balance is too low to access the API."},
            QuotaExceededError,
        ),
        (401, {"type": "authentication_error", "message": f"invalid x-api-key {KEY}"}, ModelAuthError),
        (403, {"type": "permission_error", "message": "no access"}, ModelAuthError),
    ],
)
async def test_http_errors_are_typed(
    servers: list[ScriptedModelServer], status: int, error: dict[str, str], expected: type[ModelError]
) -> None:
    server = start(
        servers, {"fault": {"kind": "http_error", "status": status, "body": {"type": "error", "error": error}}}
    )
    with pytest.raises(expected) as info:
        await collect(server, request([msg("user", "q")]))
    assert not info.value.retryable and KEY not in str(info.value)


async def test_a_request_the_server_refuses_names_the_problem(servers: list[ScriptedModelServer]) -> None:
    server = start(servers, {"output": [{"type": "message", "text": "never"}]})
    with pytest.raises(ModelHTTPError) as info:
        await collect(server, request([msg("user", "q"), call("t1", "ls")]))
    assert info.value.status == 400 and "without `tool_result` blocks" in str(info.value)


@pytest.mark.parametrize(
    ("code", "retryable"), [("overloaded_error", True), ("server_error", True), ("invalid_request_error", False)]
)
async def test_error_event_in_the_stream(servers: list[ScriptedModelServer], code: str, retryable: bool) -> None:
    server = start(
        servers,
        {
            "output": [{"type": "message", "text": "partial"}],
            "fault": {"kind": "response_failed", "code": code, "message": "Overloaded"},
        },
    )
    with pytest.raises(ResponseFailedError) as info:
        await collect(server, request([msg("user", "q")]))
    assert info.value.retryable is retryable


async def test_missing_message_stop_is_a_retryable_stream_error(servers: list[ScriptedModelServer]) -> None:
    server = start(servers, {"output": [{"type": "message", "text": "almost"}], "fault": {"kind": "no_completed"}})
    with pytest.raises(StreamError, match="message_stop") as info:
        await collect(server, request([msg("user", "q")]))
    assert info.value.retryable


async def test_malformed_json_and_disconnect_are_stream_errors(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers,
        {"output": [{"type": "message", "text": "x"}], "fault": {"kind": "malformed_json", "after_events": 3}},
        {"output": [{"type": "message", "text": "x y z"}], "fault": {"kind": "disconnect", "after_events": 4}},
    )
    with pytest.raises(StreamError, match="malformed"):
        await collect(server, request([msg("user", "q")]))
    with pytest.raises(StreamError) as info:
        await collect(server, request([msg("user", "q")]))
    assert info.value.retryable


async def test_max_tokens_stop_is_not_retried(servers: list[ScriptedModelServer]) -> None:
    server = start(servers, {"output": [{"type": "message", "text": "cut"}], "fault": {"kind": "incomplete"}})
    with pytest.raises(ModelError, match="max_tokens") as info:
        await collect(server, request([msg("user", "q")]))
    assert not info.value.retryable


def test_raw_sse_shape_from_the_scripted_server(servers: list[ScriptedModelServer]) -> None:
    server = start(
        servers,
        {
            "output": [
                {"type": "reasoning", "summary": "plan"},
                {"type": "message", "text": "hi"},
                {"type": "custom_tool_call", "name": "apply_patch", "input": "P"},
            ]
        },
    )
    body = build_request_body(request([msg("user", "q")]))
    text = httpx.post(f"{server.base_url}/messages", json=body).text
    frames = [f for f in text.split("\n\n") if f]
    names = [f.split("\n")[0].removeprefix("event: ") for f in frames]
    payloads = [json.loads(f.split("\n")[1].removeprefix("data: ")) for f in frames]
    assert all(p["type"] == n for p, n in zip(payloads, names, strict=True))
    assert names[:2] == ["message_start", "ping"] and names[-2:] == ["message_delta", "message_stop"]
    starts = [p["content_block"] for p in payloads if p["type"] == "content_block_start"]
    assert [s["type"] for s in starts] == ["thinking", "text", "tool_use"]
    assert payloads[-2]["delta"]["stop_reason"] == "tool_use"
    tool_json = "".join(
        p["delta"]["partial_json"] for p in payloads if p["type"] == "content_block_delta" and p["index"] == 2
    )
    assert json.loads(tool_json) == {"input": "P"}
    usage = payloads[0]["message"]["usage"]
    assert set(usage) == {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"}
