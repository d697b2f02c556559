"""The Chat Completions client: history conversion, and streaming against the real scripted server.

Format: OpenAI Chat Completions streaming (``data: {chat.completion.chunk}`` lines, ``data: [DONE]``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.config import Config, ProviderInfo
from tandem.config_enums import WireApi
from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
)
from tandem.model.chat import ChatCompletionsClient, build_request_body, to_chat_messages, to_chat_tools
from tandem.model.factory import create_client
from tandem.model.types import (
    ModelEvent,
    ModelRequest,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningTextDelta,
    ResponseCompleted,
    TokenUsage,
    ToolCallInputDelta,
)
from tandem.protocol.enums import ApprovalPolicy, SandboxMode
from tandem.testing import ScriptedModelServer

PATCH = "*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch"
IMAGE = "data:image/png;base64,iVBORw0KGgo="
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


def user(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": list(parts)}


def text(value: str, kind: str = "input_text") -> dict[str, Any]:
    return {"type": kind, "text": value}


HISTORY: list[dict[str, Any]] = [
    {"type": "message", "role": "developer", "content": [text("<permissions>ro</permissions>")]},
    user(text("<environment_context/>")),
    user(text("fix it"), text('<file path="a.py">x</file>')),
    {"type": "reasoning", "summary": [{"type": "summary_text", "text": "plan"}], "encrypted_content": "blob"},
    {"type": "message", "role": "assistant", "content": [text("Looking.", "output_text")]},
    {"type": "function_call", "call_id": "call_a", "name": "shell_command", "arguments": '{"command":"ls"}'},
    {"type": "function_call", "call_id": "call_b", "name": "view_image", "arguments": '{"path":"p.png"}'},
    {"type": "custom_tool_call", "call_id": "call_c", "name": "apply_patch", "input": PATCH},
    {"type": "function_call_output", "call_id": "call_a", "output": "a.py\n"},
    {"type": "function_call_output", "call_id": "call_b", "output": "attached"},
    user({"type": "input_image", "image_url": IMAGE}),  # view_image's follow-up, between two outputs
    {"type": "custom_tool_call_output", "call_id": "call_c", "output": "Success."},
    {"type": "message", "role": "assistant", "content": [text("Done.", "output_text")]},
    user(text("thanks"), {"type": "input_image", "image_url": IMAGE, "detail": "high"}),
]


def fn_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_history_becomes_chat_messages_with_tool_calls_answered_in_place() -> None:
    messages = to_chat_messages("You are Tandem.", HISTORY)
    assert messages == [
        {"role": "system", "content": "You are Tandem.\n\n<permissions>ro</permissions>"},
        {"role": "user", "content": "<environment_context/>"},
        {"role": "user", "content": 'fix it\n<file path="a.py">x</file>'},
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                fn_call("call_a", "shell_command", '{"command":"ls"}'),
                fn_call("call_b", "view_image", '{"path":"p.png"}'),
                fn_call("call_c", "apply_patch", json.dumps({"input": PATCH}, separators=(",", ":"))),
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "a.py\n"},
        {"role": "tool", "tool_call_id": "call_b", "content": "attached"},
        {"role": "tool", "tool_call_id": "call_c", "content": "Success."},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": IMAGE}}]},
        {"role": "assistant", "content": "Done."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "thanks"},
                {"type": "image_url", "image_url": {"url": IMAGE, "detail": "high"}},
            ],
        },
    ]


def test_calls_without_outputs_are_aborted_and_orphan_outputs_dropped() -> None:
    messages = to_chat_messages(
        "",
        [
            user(text("go")),
            {"type": "function_call", "call_id": "call_x", "name": "shell_command", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_gone", "output": "orphan"},
            {"type": "message", "role": "developer", "content": [text("later note")]},
        ],
    )
    assert messages == [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_x", "type": "function", "function": {"name": "shell_command", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_x", "content": "aborted"},
        {"role": "system", "content": "later note"},
    ]


def test_tools_become_functions_and_the_custom_tool_takes_one_string() -> None:
    tools = to_chat_tools([SHELL_TOOL, PATCH_TOOL, {"type": "web_search"}])
    assert [tool["function"]["name"] for tool in tools] == ["shell_command", "apply_patch"]
    assert tools[0] == {
        "type": "function",
        "function": {"name": "shell_command", "description": "Run a command.", "parameters": SHELL_TOOL["parameters"]},
    }
    patch = tools[1]["function"]
    assert patch["parameters"]["properties"] == {
        "input": {"type": "string", "description": patch["parameters"]["properties"]["input"]["description"]}
    }
    assert patch["parameters"]["required"] == ["input"] and patch["description"].startswith("Edit files.")


def test_request_body_has_a_fixed_key_order_and_grows_as_a_prefix() -> None:
    first = ModelRequest(
        model="m",
        instructions="sys",
        input=HISTORY[:3],
        tools=[SHELL_TOOL, PATCH_TOOL],
        prompt_cache_key="thread-1",
        reasoning_effort="high",
    )
    second = ModelRequest(
        model="m",
        instructions="sys",
        input=HISTORY,
        tools=[SHELL_TOOL, PATCH_TOOL],
        prompt_cache_key="thread-1",
        reasoning_effort="high",
    )
    body = build_request_body(first)
    assert list(body) == [
        "model",
        "messages",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "stream",
        "stream_options",
        "reasoning_effort",
    ]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    one, two = (json.dumps(build_request_body(r)["messages"])[:-1] for r in (first, second))
    assert two.startswith(one)
    assert json.dumps(build_request_body(second)) == json.dumps(build_request_body(second))
    bare = build_request_body(ModelRequest(model="m", instructions="", input=[user(text("hi"))], tools=[]))
    assert list(bare) == ["model", "messages", "stream", "stream_options"]


def test_factory_selects_the_chat_client(tmp_path: Path) -> None:
    provider = ProviderInfo("local", "Local", "http://127.0.0.1:9/v1", None, WireApi.CHAT)
    config = Config(
        model="m",
        provider=provider,
        approval_policy=ApprovalPolicy.NEVER,
        sandbox_mode=SandboxMode.READ_ONLY,
        cwd=tmp_path,
        tandem_home=tmp_path,
    )
    client = create_client(config, None)
    assert isinstance(client, ChatCompletionsClient)
    assert client.url == "http://127.0.0.1:9/v1/chat/completions"


# --- streaming against the scripted server ----------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ScriptedModelServer] = []

    def start(*responses: dict[str, Any]) -> ScriptedModelServer:
        server = ScriptedModelServer({"responses": list(responses)}).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def request(tools: list[dict[str, Any]] | None = None) -> ModelRequest:
    return ModelRequest(
        model="chat-model",
        instructions="Be brief.",
        input=[user(text("hello"))],
        tools=[SHELL_TOOL, PATCH_TOOL] if tools is None else tools,
    )


async def collect(
    server: ScriptedModelServer, events: list[ModelEvent] | None = None, req: ModelRequest | None = None
) -> list[ModelEvent]:
    out = [] if events is None else events
    client = ChatCompletionsClient(ProviderInfo("t", "T", server.base_url, None, WireApi.CHAT), "sk-test")
    try:
        async for event in client.stream(req or request()):
            out.append(event)
    finally:
        await client.aclose()
    return out


def done_items(events: list[ModelEvent]) -> list[dict[str, Any]]:
    return [e.item for e in events if isinstance(e, OutputItemDone)]


async def test_stream_assembles_text_reasoning_parallel_calls_and_usage(serve: Any) -> None:
    server = serve(
        {
            "output": [
                {"type": "reasoning", "text": "I should list files and add one."},
                {"type": "message", "text": "Listing the files and adding a.txt in parallel."},
                {"type": "function_call", "name": "shell_command", "arguments": {"command": "ls -la /tmp/some/dir"}},
                {"type": "custom_tool_call", "name": "apply_patch", "input": PATCH, "call_id": "call_patch"},
            ],
            "usage": {"input_tokens": 120, "cached_tokens": 64, "output_tokens": 30, "reasoning_tokens": 9},
        }
    )
    events = await collect(server)

    reasoning, message, call, patch = done_items(events)
    assert reasoning["type"] == "reasoning"
    assert reasoning["content"] == [{"type": "reasoning_text", "text": "I should list files and add one."}]
    assert message == {
        "type": "message",
        "role": "assistant",
        "id": message["id"],
        "content": [{"type": "output_text", "text": "Listing the files and adding a.txt in parallel."}],
    }
    assert call == {
        "type": "function_call",
        "id": call["id"],
        "call_id": "call_1_2",
        "name": "shell_command",
        "arguments": '{"command":"ls -la /tmp/some/dir"}',
    }
    assert patch == {
        "type": "custom_tool_call",
        "id": patch["id"],
        "call_id": "call_patch",
        "name": "apply_patch",
        "input": PATCH,
    }
    assert len({item["id"] for item in (reasoning, message, call, patch)}) == 4
    # Deltas stream before the items complete, and rebuild the same text.
    text_deltas = [e.delta for e in events if isinstance(e, OutputTextDelta)]
    assert len(text_deltas) > 1 and "".join(text_deltas) == message["content"][0]["text"]
    assert "".join(e.delta for e in events if isinstance(e, ReasoningTextDelta)) == reasoning["content"][0]["text"]
    argument_pieces = [e.delta for e in events if isinstance(e, ToolCallInputDelta)]
    assert len(argument_pieces) > 1 and "".join(argument_pieces) == call["arguments"]
    added = [e for e in events if isinstance(e, OutputItemAdded)]
    assert [e.output_index for e in added] == [0, 1, 2, 3]
    assert events.index(added[-1]) < events.index(next(e for e in events if isinstance(e, OutputItemDone)))
    assert events[-1] == ResponseCompleted("chatcmpl-1", TokenUsage(120, 64, 30, 9, 150))

    body = server.requests[0].body
    assert server.requests[0].path == "/v1/chat/completions"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]
    assert body["stream_options"] == {"include_usage": True}
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"


def frame(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> str:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return f"data: {json.dumps({'id': 'gen-7', 'object': 'chat.completion.chunk', 'choices': choices, **extra})}\n\n"


async def test_interleaved_tool_call_deltas_are_assembled_by_index(serve: Any) -> None:
    server = serve(
        {
            "events": [
                frame({"role": "assistant"}),
                frame({"reasoning": "Two "}),
                frame({"reasoning": "calls."}),  # OpenRouter's field name
                frame(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_0",
                                "type": "function",
                                "function": {"name": "shell_command", "arguments": ""},
                            }
                        ]
                    }
                ),
                frame(
                    {
                        "tool_calls": [
                            {
                                "index": 1,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "apply_patch", "arguments": '{"inp'},
                            }
                        ]
                    }
                ),
                frame({"tool_calls": [{"index": 0, "function": {"arguments": '{"command"'}}]}),
                frame(
                    {"tool_calls": [{"index": 1, "function": {"arguments": 'ut": "*** Begin Patch\\n*** End Patch"}'}}]}
                ),
                frame({"tool_calls": [{"index": 0, "function": {"arguments": ': "pwd"}'}}]}),
                frame({}, "tool_calls", unknown_field={"ignored": True}),
                frame(None, usage={"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14}),
                "data: [DONE]\n\n",
            ]
        }
    )
    events = await collect(server)
    reasoning, shell, patch = done_items(events)
    assert reasoning["content"][0]["text"] == "Two calls."
    assert (shell["type"], shell["call_id"], shell["arguments"]) == ("function_call", "call_0", '{"command": "pwd"}')
    assert (patch["type"], patch["call_id"], patch["input"]) == (
        "custom_tool_call",
        "call_1",
        "*** Begin Patch\n*** End Patch",
    )
    assert events[-1] == ResponseCompleted("gen-7", TokenUsage(10, 0, 4, 0, 14))


async def test_a_finished_stream_that_closes_without_done_still_completes(serve: Any) -> None:
    server = serve({"events": [frame({"content": "Hi."}), frame({}, "stop")]})
    events = await collect(server)
    assert [item["content"][0]["text"] for item in done_items(events)] == ["Hi."]
    assert isinstance(events[-1], ResponseCompleted)


@pytest.mark.parametrize(
    ("fault", "error_type", "retryable"),
    [
        (
            {
                "kind": "http_error",
                "status": 429,
                "headers": {"Retry-After": "2"},
                "body": {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
            },
            ModelHTTPError,
            True,
        ),
        ({"kind": "http_error", "status": 500}, ModelHTTPError, True),
        ({"kind": "http_error", "status": 401}, ModelAuthError, False),
        (
            {
                "kind": "http_error",
                "status": 429,
                "body": {
                    "error": {
                        "message": "You exceeded your current quota",
                        "type": "insufficient_quota",
                        "code": "insufficient_quota",
                    }
                },
            },
            QuotaExceededError,
            False,
        ),
        (
            {
                "kind": "http_error",
                "status": 400,
                "body": {
                    "error": {"message": "too long", "type": "invalid_request_error", "code": "context_length_exceeded"}
                },
            },
            ContextWindowExceededError,
            False,
        ),
        (
            {
                "kind": "http_error",
                "status": 400,
                "body": {  # vLLM's error shape
                    "object": "error",
                    "message": "This model's maximum context length is 4096 tokens.",
                    "code": 400,
                },
            },
            ContextWindowExceededError,
            False,
        ),
        ({"kind": "no_completed"}, StreamError, True),
        ({"kind": "malformed_json", "after_events": 2}, StreamError, True),
        ({"kind": "response_failed", "code": "server_error", "message": "overloaded"}, ResponseFailedError, True),
    ],
)
async def test_failures_become_typed_errors(
    serve: Any, fault: dict[str, Any], error_type: type[ModelError], retryable: bool
) -> None:
    output = [] if fault["kind"] == "http_error" else [{"type": "message", "text": "partial answer here"}]
    server = serve({"output": output, "fault": fault})
    events: list[ModelEvent] = []
    with pytest.raises(error_type) as caught:
        await collect(server, events)
    assert type(caught.value) is error_type and caught.value.retryable is retryable
    assert not any(isinstance(e, ResponseCompleted) for e in events)
    if fault.get("headers"):
        assert caught.value.retry_after == 2.0  # type: ignore[attr-defined]


async def test_stream_error_messages_say_what_happened(serve: Any) -> None:
    server = serve(
        {"output": [{"type": "message", "text": "half"}], "fault": {"kind": "no_completed"}},
        {"output": [{"type": "message", "text": "x"}], "fault": {"kind": "malformed_json"}},
    )
    with pytest.raises(StreamError, match=r"\[DONE\]"):
        await collect(server)
    with pytest.raises(StreamError, match="malformed"):
        await collect(server)


async def test_length_without_any_answer_is_a_model_error_but_with_text_it_completes(serve: Any) -> None:
    server = serve(
        {
            "output": [{"type": "reasoning", "text": "thinking and thinking"}],
            "fault": {"kind": "incomplete", "reason": "max_output_tokens"},
        },
        {"output": [{"type": "message", "text": "a truncated ans"}], "fault": {"kind": "incomplete"}},
    )
    with pytest.raises(ModelError, match="output token limit") as caught:
        await collect(server)
    assert not caught.value.retryable and not isinstance(caught.value, StreamError)
    events = await collect(server)
    assert done_items(events)[0]["content"][0]["text"] == "a truncated ans"


# --- the scripted server's side of the format -------------------------------------------------


def test_scripted_chat_stream_shape(serve: Any) -> None:
    import httpx

    server = serve(
        {"output": [{"type": "function_call", "name": "shell_command", "arguments": {"command": "ls"}}]},
        {"output": [{"type": "message", "text": "ok"}]},
    )
    body = build_request_body(request())
    frames = httpx.post(f"{server.base_url}/chat/completions", json=body).text.split("\n\n")
    assert "event:" not in "".join(frames) and frames[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(f.removeprefix("data: ")) for f in frames[:-2]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and {c["id"] for c in chunks} == {"chatcmpl-1"}
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["prompt_tokens"] > 0
    # Without include_usage there is no usage chunk.
    plain = {**body, "stream_options": {"include_usage": False}}
    chunks = [
        json.loads(f.removeprefix("data: "))
        for f in httpx.post(f"{server.base_url}/chat/completions", json=plain).text.split("\n\n")[:-2]
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "usage" not in chunks[-1]


def test_scripted_server_rejects_unanswered_tool_calls_like_openai(serve: Any) -> None:
    import httpx

    server = serve({"output": [{"type": "message", "text": "never sent"}]})
    messages = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "user", "content": "next"},
    ]
    answer = httpx.post(
        f"{server.base_url}/chat/completions", json={"model": "m", "messages": messages, "stream": True}
    )
    assert answer.status_code == 400
    assert "call_1" in answer.json()["error"]["message"]


async def test_error_bodies_never_echo_the_api_key(serve: Any) -> None:
    error = {
        "message": "Incorrect API key provided: sk-test",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
    server = serve({"fault": {"kind": "http_error", "status": 401, "body": {"error": error}}})
    with pytest.raises(ModelAuthError) as caught:
        await collect(server)
    assert "sk-test" not in str(caught.value) and "[REDACTED]" in str(caught.value)


async def test_the_provider_auth_scheme_carries_the_key(serve: Any) -> None:
    from tandem.config_enums import AuthScheme

    server = serve({"output": [{"type": "message", "text": "ok"}]})
    provider = ProviderInfo(
        "azure", "Azure", server.base_url, None, WireApi.CHAT, auth_scheme=AuthScheme.API_KEY_HEADER
    )
    client = ChatCompletionsClient(provider, "azure-key-123")
    try:
        events = [event async for event in client.stream(request())]
    finally:
        await client.aclose()
    assert isinstance(events[-1], ResponseCompleted)
    headers = server.requests[0].headers
    assert headers["api-key"] == "azure-key-123" and "authorization" not in headers
