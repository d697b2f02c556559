"""Render scripted responses as OpenAI Chat Completions streaming chunks.

Format: OpenAI Chat Completions streaming (``POST /v1/chat/completions`` with ``stream: true``).
Every frame is ``data: <chat.completion.chunk JSON>`` with no ``event:`` line; the stream is::

    {choices: [{index: 0, delta: {role: "assistant", content: "", refusal: null}, finish_reason: null}]}
    per output item, in script order:
      reasoning:        {delta: {reasoning_content: <piece>}}*   (raw text, else the summary parts)
      message:          {delta: {content: <piece>}}*
      function_call:    {delta: {tool_calls: [{index: k, id, type: "function", function: {name, arguments: ""}}]}}
                        then {delta: {tool_calls: [{index: k, function: {arguments: <piece>}}]}}*
      custom_tool_call: the same, with arguments ``{"input": <input>}`` (chat has no freeform tools)
    {choices: [{index: 0, delta: {}, finish_reason: "stop" | "tool_calls"}]}
    {choices: [], usage: {...}}          (only when the request set stream_options.include_usage)
    [DONE]

Chunks carry ``id`` (``chatcmpl-<n>`` unless the script gives one), ``object``, ``created``,
``model``, ``system_fingerprint`` and, when usage was asked for, ``usage: null``, as OpenAI sends
them. ``k`` counts tool calls from 0; call ids are ``call_<n>_<i>`` (``i`` = position in the script)
unless scripted. Text is split into a few words per delta and tool arguments into pieces of at most
:data:`ARGUMENT_PIECE_CHARS` characters, so clients must assemble them.

Faults: ``no_completed`` stops before the finish chunk (no usage, no ``[DONE]``) and ends the body
cleanly; ``incomplete`` finishes with ``length`` (or ``content_filter`` when that is the reason);
``response_failed`` sends ``{"error": {message, type, code}}`` instead of the finish chunk (as vLLM
and OpenRouter do) and then ``[DONE]``; ``malformed_json`` inserts a cut-off chunk. Raw ``events``
are sent as ``data:`` frames (objects) or verbatim (strings).
"""

from __future__ import annotations

from typing import Any

from tandem.protocol import JsonDict
from tandem.testing.responses_sse import split_deltas
from tandem.testing.script import (
    FunctionCallItem,
    IncompleteFault,
    MessageItem,
    NoCompletedFault,
    ReasoningItem,
    ResponseFailedFault,
    ScriptedResponse,
)
from tandem.testing.structured import chat_response_format_problem
from tandem.testing.usage import Usage, resolve_usage
from tandem.testing.wire import RenderContext, SSEFrame, dumps

ARGUMENT_PIECE_CHARS = 12
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def usage_json(usage: Usage) -> JsonDict:
    """A Chat Completions ``usage`` object."""
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _pieces(text: str, size: int = ARGUMENT_PIECE_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _tool_call_problem(messages: list[Any]) -> str | None:
    """OpenAI's pairing rule: every tool_call answered by a ``tool`` message right after its assistant
    message, and every ``tool`` message answering such a call."""
    open_calls: list[str] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            return f"messages[{index}]: role must be one of {', '.join(sorted(_ROLES))}"
        role = message["role"]
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in open_calls:
                return (
                    f"messages[{index}]: a 'tool' message must answer a tool_call of the preceding "
                    f"assistant message (tool_call_id {call_id!r})"
                )
            open_calls.remove(call_id)
            continue
        if open_calls:
            return (
                f"messages[{index}]: an assistant message with 'tool_calls' must be followed by tool "
                f"messages answering each tool_call_id; missing: {', '.join(open_calls)}"
            )
        if role == "assistant":
            open_calls = [str(call.get("id")) for call in message.get("tool_calls") or [] if isinstance(call, dict)]
    return None


class ChatWire:
    """The Chat Completions wire format (satisfies :class:`tandem.testing.wire.WireFormat`).

    A usage chunk is sent when the request (``RenderContext.request``) sets
    ``stream_options.include_usage``; rendering without a request (direct use) includes usage.
    """

    name = "chat"

    def request_error(self, body: JsonDict | None) -> str | None:
        """Requests must be JSON objects with ``"stream": true`` and well-formed ``messages``: known
        roles, tool messages paired with the assistant ``tool_calls`` they answer, and a well-formed
        ``response_format`` when there is one."""
        if body is None:
            return "scripted model server: the request body must be a JSON object"
        if body.get("stream") is not True:
            return 'scripted model server: only streaming requests are supported; send "stream": true'
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "scripted model server: 'messages' must be a non-empty list"
        problem = _tool_call_problem(messages) or chat_response_format_problem(body)
        if problem is not None:
            return f"scripted model server: {problem}"
        return None

    def cache_prefix(self, body: JsonDict) -> bytes:
        """``tools`` then ``messages``, serialized (tools are rendered into the prompt first)."""
        return "\n".join(dumps(body.get(key)) for key in ("tools", "messages")).encode()

    def render(self, response: ScriptedResponse, ctx: RenderContext) -> list[SSEFrame]:
        """Expand ``response`` into the chunk stream described in the module docstring."""
        if response.events is not None:
            return [SSEFrame(e, raw=True) if isinstance(e, str) else SSEFrame(dumps(e)) for e in response.events]
        options = ctx.request.get("stream_options") if ctx.request else {"include_usage": True}
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        n = ctx.request_number
        shell: JsonDict = {
            "id": response.id or f"chatcmpl-{n}",
            "object": "chat.completion.chunk",
            "created": ctx.created_at,
            "model": ctx.model,
            "system_fingerprint": "fp_scripted",
        }

        def chunk(delta: JsonDict, finish: str | None = None) -> SSEFrame:
            payload = {**shell, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            return SSEFrame(dumps({**payload, "usage": None} if include_usage else payload))

        frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
        calls = 0
        for position, item in enumerate(response.output):
            if isinstance(item, ReasoningItem):
                text = item.text if item.text is not None else "\n\n".join(item.summary_parts)
                frames += [chunk({"reasoning_content": piece}) for piece in split_deltas(text)]
            elif isinstance(item, MessageItem):
                frames += [chunk({"content": piece}) for piece in split_deltas(item.text)]
            else:
                arguments = item.arguments_json if isinstance(item, FunctionCallItem) else dumps({"input": item.input})
                call_id = item.call_id or f"call_{n}_{position}"
                frames.append(
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": calls,
                                    "id": call_id,
                                    "type": "function",
                                    "function": {"name": item.name, "arguments": ""},
                                }
                            ]
                        }
                    )
                )
                frames += [
                    chunk({"tool_calls": [{"index": calls, "function": {"arguments": piece}}]})
                    for piece in _pieces(arguments)
                ]
                calls += 1
        fault = response.fault
        if isinstance(fault, NoCompletedFault):
            return frames
        if isinstance(fault, ResponseFailedFault):
            error = {"message": fault.message, "type": "server_error", "param": None, "code": fault.code}
            return [*frames, SSEFrame(dumps({"error": error})), SSEFrame("[DONE]")]
        if isinstance(fault, IncompleteFault):
            finish = "content_filter" if fault.reason == "content_filter" else "length"
        else:
            finish = "tool_calls" if calls else "stop"
        frames.append(chunk({}, finish))
        if include_usage:
            usage = resolve_usage(response.usage, response.output, ctx.input_bytes, ctx.cached_prefix_bytes)
            frames.append(SSEFrame(dumps({**shell, "choices": [], "usage": usage_json(usage)})))
        frames.append(SSEFrame("[DONE]"))
        return frames

    def malformed_frame(self) -> SSEFrame:
        """A content chunk whose JSON is cut off."""
        return SSEFrame(
            '{"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,'
            '"delta":{"content":"unterminated'
        )

    def error_body(self, status: int, message: str, code: str | None) -> JsonDict:
        """``{"error": {message, type, param, code}}`` as the OpenAI API sends it."""
        kind = "invalid_request_error" if 400 <= status < 500 else "server_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}


CHAT = ChatWire()
