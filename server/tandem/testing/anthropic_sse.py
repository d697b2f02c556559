"""Expand scripted output items into Anthropic Messages API streaming events, and check requests.

Format: Anthropic Messages API streaming (``POST /v1/messages`` with ``stream: true``). Every
frame is ``event: <type>`` + ``data: <json with the same type>``. The stream is::

    message_start {message: {id, type: message, role: assistant, model, content: [], stop_reason: null,
                   usage: {input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens: 1}}}
    ping
    per output item (index = position in the script's list):
      content_block_start {index, content_block}
      reasoning:        thinking block: thinking_delta*, then one signature_delta
      message:          text block: text_delta*
      function_call:    tool_use block {id, name, input: {}}: input_json_delta* (the first one empty)
      custom_tool_call: the same, with input {"input": <text>}
      content_block_stop {index}
    message_delta {delta: {stop_reason: end_turn | tool_use | max_tokens}, usage: {output_tokens}}
    message_stop

Ids: message ``msg_<n>`` (``n`` = 1-based request number) unless the script gives one; tool_use
``toolu_<n>_<i>`` unless the item has a ``call_id``. A thinking block's signature is the item's
``encrypted_content``, else ``sig1.`` + base64(sha256(thinking)); a request that sends back a
``sig1.`` thinking block whose text no longer matches is refused, as the real API refuses edited
thinking. Usage: ``input_tokens`` excludes the cached part, which is reported as
``cache_read_input_tokens`` (the prompt-cache simulation covers the prompt up to the request's last
``cache_control`` breakpoint; without breakpoints nothing is cached, as with the real API).

Faults: ``response_failed`` sends ``event: error`` (``{"type": "error", "error": {type, message}}``)
instead of ``message_delta``/``message_stop``; ``incomplete`` stops with ``stop_reason: max_tokens``;
``no_completed`` leaves out ``message_stop``; ``malformed_json`` inserts a broken
``content_block_delta``. Requests are validated like the real API does (see :func:`request_problem`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

from tandem.protocol import JsonDict
from tandem.testing.responses_sse import split_deltas
from tandem.testing.script import (
    CustomToolCallItem,
    FunctionCallItem,
    IncompleteFault,
    MessageItem,
    NoCompletedFault,
    OutputItem,
    ReasoningItem,
    ResponseFailedFault,
    ScriptedResponse,
)
from tandem.testing.structured import anthropic_output_config_problem
from tandem.testing.usage import resolve_usage
from tandem.testing.wire import RenderContext, SSEFrame, dumps

_PREFIX = "scripted model server: "
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_USER_BLOCKS = frozenset({"text", "image", "tool_result", "document"})
_ASSISTANT_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})
_MAX_BREAKPOINTS = 4
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_FAULT_TYPES = {
    "server_error": "api_error",
    "rate_limit_exceeded": "rate_limit_error",
    "server_is_overloaded": "overloaded_error",
    "insufficient_quota": "billing_error",
    "context_length_exceeded": "invalid_request_error",
}


def thinking_signature(thinking: str) -> str:
    """The signature the server gives a thinking block it invents: ``sig1.`` + base64(sha256(text))."""
    return "sig1." + base64.b64encode(hashlib.sha256(thinking.encode()).digest()).decode()


def _json_chunks(text: str) -> list[str]:
    """``input_json_delta`` pieces: an empty one first (as the API sends), then about three parts."""
    size = max(1, -(-len(text) // 3))
    return ["", *(text[i : i + size] for i in range(0, len(text), size))]


def _thinking_text(item: ReasoningItem) -> str:
    return item.text if item.text is not None else "\n\n".join(item.summary_parts)


def _block_events(item: OutputItem, index: int, n: int) -> Iterator[JsonDict]:
    """content_block_start, deltas and content_block_stop for one scripted item."""

    def delta(payload: JsonDict) -> JsonDict:
        return {"type": "content_block_delta", "index": index, "delta": payload}

    if isinstance(item, ReasoningItem):
        text = _thinking_text(item)
        yield {
            "type": "content_block_start",
            "index": index,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        }
        for piece in split_deltas(text):
            yield delta({"type": "thinking_delta", "thinking": piece})
        signature = item.encrypted_content or thinking_signature(text)
        yield delta({"type": "signature_delta", "signature": signature})
    elif isinstance(item, MessageItem):
        yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
        for piece in split_deltas(item.text):
            yield delta({"type": "text_delta", "text": piece})
    else:
        call_id = item.call_id or f"toolu_{n}_{index}"
        raw = item.arguments_json if isinstance(item, FunctionCallItem) else dumps({"input": item.input})
        yield {
            "type": "content_block_start",
            "index": index,
            "content_block": {"type": "tool_use", "id": call_id, "name": item.name, "input": {}},
        }
        for piece in _json_chunks(raw):
            yield delta({"type": "input_json_delta", "partial_json": piece})
    yield {"type": "content_block_stop", "index": index}


def _stop_reason(response: ScriptedResponse) -> str:
    if isinstance(response.fault, IncompleteFault):
        reason = response.fault.reason
        return "max_tokens" if reason == "max_output_tokens" else reason
    if any(isinstance(item, FunctionCallItem | CustomToolCallItem) for item in response.output):
        return "tool_use"
    return "end_turn"


def _strip_cache(block: Any) -> Any:
    return {k: v for k, v in block.items() if k != "cache_control"} if isinstance(block, dict) else block


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content) if isinstance(content, list) else []


# --- request validation ----------------------------------------------------------------------


def _block_problem(block: Any, where: str, role: str) -> str | None:
    if not isinstance(block, dict):
        return f"{where}: Input should be an object"
    kind = block.get("type")
    allowed = _USER_BLOCKS if role == "user" else _ASSISTANT_BLOCKS
    if kind not in allowed:
        return f"{where}.type: a {role} message cannot contain a {kind!r} block"
    if kind == "text" and (not isinstance(block.get("text"), str) or not block["text"]):
        return f"{where}: text content blocks must be non-empty"
    if kind == "image":
        source = block.get("source") or {}
        if source.get("type") == "base64":
            if source.get("media_type") not in _IMAGE_TYPES or not source.get("data"):
                return f"{where}.source: base64 images need a media_type of {sorted(_IMAGE_TYPES)} and data"
        elif source.get("type") != "url" or not source.get("url"):
            return f"{where}.source: expected a base64 or url image source"
    if kind == "tool_use":
        if not isinstance(block.get("id"), str) or not _ID.match(block["id"]):
            return f"{where}.id: String should match pattern '^[a-zA-Z0-9_-]+$'"
        if not isinstance(block.get("input"), dict):
            return f"{where}.input: Input should be a valid dictionary"
    if kind == "thinking":
        thinking, signature = block.get("thinking"), block.get("signature")
        if not isinstance(thinking, str) or not isinstance(signature, str) or not signature:
            return f"{where}: thinking blocks need 'thinking' and a non-empty 'signature'"
        if signature.startswith("sig1.") and signature != thinking_signature(thinking):
            return f"{where}: Invalid `signature` in `thinking` block (thinking blocks must be sent back unchanged)"
    if kind == "tool_result":
        content = block.get("content")
        if content is not None and not isinstance(content, str | list):
            return f"{where}.content: expected a string or a list of blocks"
        for j, inner in enumerate(content if isinstance(content, list) else []):
            problem = _block_problem(inner, f"{where}.content.{j}", "user")
            if problem is None and isinstance(inner, dict) and inner.get("type") not in ("text", "image"):
                problem = f"{where}.content.{j}.type: tool results hold text and image blocks only"
            if problem:
                return problem
    return None


def _pairing_problem(messages: list[JsonDict]) -> str | None:
    """Every tool_use answered by a tool_result in the next message, tool_results first, none orphaned."""
    seen: set[str] = set()
    for i, msg in enumerate(messages):
        content = _blocks(msg.get("content"))
        if msg.get("role") == "assistant":
            ids = [b["id"] for b in content if b.get("type") == "tool_use"]
            dupes = seen.intersection(ids) or {x for x in ids if ids.count(x) > 1}
            if dupes:
                return f"messages.{i}: `tool_use` ids must be unique: {', '.join(sorted(dupes))}"
            seen.update(ids)
            following = _blocks(messages[i + 1].get("content")) if i + 1 < len(messages) else []
            answered = {b.get("tool_use_id") for b in following if b.get("type") == "tool_result"}
            missing = [x for x in ids if x not in answered]
            if missing:
                return (
                    f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message."
                )
            continue
        previous = _blocks(messages[i - 1].get("content")) if i > 0 else []
        asked = {b.get("id") for b in previous if b.get("type") == "tool_use"}
        kinds = [b.get("type") for b in content]
        for j, block in enumerate(content):
            if block.get("type") != "tool_result":
                continue
            if block.get("tool_use_id") not in asked:
                return (
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding "
                    "`tool_use` block in the previous message."
                )
            if any(kind != "tool_result" for kind in kinds[:j]):
                return f"messages.{i}.content.{j}: `tool_result` blocks must come before any other content"
    return None


def _thinking_problem(body: JsonDict, messages: list[JsonDict]) -> str | None:
    thinking = body.get("thinking")
    if thinking is None:
        return None
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled"):
        return "thinking.type: expected 'enabled' or 'disabled'"
    if thinking["type"] == "disabled":
        return None
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1024:
        return "thinking.budget_tokens: Input should be greater than or equal to 1024"
    if budget >= body["max_tokens"]:
        return "`max_tokens` must be greater than `thinking.budget_tokens`"

    # In a tool-use loop, the assistant turn being continued (its first message after the last user
    # message that is not tool results) must start with its thinking block.
    def has_results(m: JsonDict) -> bool:
        return any(b.get("type") == "tool_result" for b in _blocks(m.get("content")))

    if messages[-1].get("role") != "user" or not has_results(messages[-1]):
        return None
    start = max((i for i, m in enumerate(messages) if m.get("role") == "user" and not has_results(m)), default=-1)
    turn = start + 1
    if turn >= len(messages) or messages[turn].get("role") != "assistant":
        return None
    first = _blocks(messages[turn].get("content"))[:1]
    kind = first[0].get("type") if first else None
    if kind not in ("thinking", "redacted_thinking"):
        return (
            f"messages.{turn}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{kind}`. "
            "When `thinking` is enabled, a final `assistant` message must start with a thinking block."
        )
    return None


def _count_breakpoints(body: JsonDict) -> int:
    blocks: list[Any] = list(body.get("tools") or [])
    blocks += _blocks(body.get("system")) if isinstance(body.get("system"), list) else []
    for msg in body["messages"]:
        for block in _blocks(msg.get("content")):
            blocks.append(block)
            if isinstance(block, dict) and block.get("type") == "tool_result":
                blocks += _blocks(block.get("content"))
    return sum(1 for b in blocks if isinstance(b, dict) and b.get("cache_control") is not None)


def _tools_problem(tools: Any) -> str | None:
    if tools is None:
        return None
    if not isinstance(tools, list):
        return "tools: Input should be a valid list"
    names: set[str] = set()
    for i, tool in enumerate(tools):
        name = tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            return f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
        if name in names:
            return f"tools: Tool names must be unique ({name})"
        names.add(name)
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return f'tools.{i}.input_schema: expected a JSON schema with "type": "object"'
    return None


def request_problem(body: JsonDict | None) -> str | None:
    """Why the real API would refuse ``body`` with HTTP 400, or ``None``.

    Checked: a JSON object with ``stream: true`` (only streaming is served), ``model``, a positive
    integer ``max_tokens``, ``system`` as a string or text blocks, tools with valid names and object
    schemas, a non-empty ``messages`` list starting with ``user`` and alternating roles, non-empty
    text blocks, block types allowed for each role, valid image sources, every ``tool_use`` answered
    by a ``tool_result`` in the next message (results first, none without its ``tool_use``), thinking
    blocks unchanged and leading the continued assistant message when thinking is on, a well-formed
    ``output_config`` (structured output), at most four ``cache_control`` breakpoints.
    """
    if body is None:
        return "the request body must be a JSON object"
    if body.get("stream") is not True:
        return 'only streaming requests are supported; send "stream": true'
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    tokens = body.get("max_tokens")
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
        return "max_tokens: Field required (a positive integer)"
    system = body.get("system")
    bad_blocks = isinstance(system, list) and any(
        not isinstance(b, dict) or b.get("type") != "text" or not b.get("text") for b in system
    )
    if bad_blocks or not isinstance(system, str | list | None):
        return "system: expected a string or a list of non-empty text blocks"
    problem = _tools_problem(body.get("tools"))
    if problem:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if i == 0 and role != "user":
            return 'messages.0.role: the first message must use the "user" role'
        if i > 0 and messages[i - 1].get("role") == role:
            return (
                f'messages: roles must alternate between "user" and "assistant", but found multiple "{role}" '
                "roles in a row"
            )
        content = msg.get("content")
        if content == "" or content == [] or not isinstance(content, str | list):
            return f"messages.{i}: all messages must have non-empty content"
        for j, block in enumerate(_blocks(content)):
            problem = _block_problem(block, f"messages.{i}.content.{j}", str(role))
            if problem:
                return problem
    problem = _pairing_problem(messages) or _thinking_problem(body, messages) or anthropic_output_config_problem(body)
    if problem:
        return problem
    count = _count_breakpoints(body)
    if count > _MAX_BREAKPOINTS:
        return f"A maximum of {_MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {count}."
    return None


class AnthropicWire:
    """The Anthropic Messages API wire format (satisfies :class:`tandem.testing.wire.WireFormat`)."""

    name = "anthropic"

    def request_error(self, body: JsonDict | None) -> str | None:
        """:func:`request_problem`, prefixed with ``scripted model server:``."""
        problem = request_problem(body)
        return _PREFIX + problem if problem else None

    def cache_prefix(self, body: JsonDict) -> bytes:
        """Tools, system blocks then message blocks (with their role), ``cache_control`` stripped, up to
        the last block carrying a breakpoint: what Anthropic's prompt cache stores. Empty without one."""
        entries: list[tuple[Any, bool]] = []
        for tool in body.get("tools") or []:
            entries.append((_strip_cache(tool), isinstance(tool, dict) and "cache_control" in tool))
        for block in _blocks(body.get("system")):
            entries.append((_strip_cache(block), isinstance(block, dict) and "cache_control" in block))
        for msg in body.get("messages") or []:
            for block in _blocks(msg.get("content") if isinstance(msg, dict) else None):
                entries.append(
                    (
                        {"role": msg.get("role"), "block": _strip_cache(block)},
                        isinstance(block, dict) and "cache_control" in block,
                    )
                )
        last = max((i for i, (_, marked) in enumerate(entries) if marked), default=-1)
        return "\n".join(dumps(value) for value, _ in entries[: last + 1]).encode()

    def render(self, response: ScriptedResponse, ctx: RenderContext) -> list[SSEFrame]:
        """Expand ``response`` into the event stream described in the module docstring."""
        if response.events is not None:
            return [SSEFrame(e, raw=True) if isinstance(e, str) else SSEFrame.json(e) for e in response.events]
        n = ctx.request_number
        usage = resolve_usage(response.usage, response.output, ctx.input_bytes, ctx.cached_prefix_bytes)
        cached = min(usage.cached_tokens, usage.input_tokens)
        events: list[JsonDict] = [
            {
                "type": "message_start",
                "message": {
                    "id": response.id or f"msg_{n}",
                    "type": "message",
                    "role": "assistant",
                    "model": ctx.model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": usage.input_tokens - cached,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": cached,
                        "output_tokens": 1,
                    },
                },
            },
            {"type": "ping"},
        ]
        for index, item in enumerate(response.output):
            events.extend(_block_events(item, index, n))
        fault = response.fault
        if isinstance(fault, ResponseFailedFault):
            kind = _FAULT_TYPES.get(fault.code, fault.code)
            events.append({"type": "error", "error": {"type": kind, "message": fault.message}})
        else:
            events.append(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": _stop_reason(response), "stop_sequence": None},
                    "usage": {"output_tokens": usage.output_tokens},
                }
            )
            if not isinstance(fault, NoCompletedFault):
                events.append({"type": "message_stop"})
        return [SSEFrame.json(event) for event in events]

    def malformed_frame(self) -> SSEFrame:
        """A ``content_block_delta`` event whose JSON is cut off."""
        return SSEFrame(
            '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated',
            "content_block_delta",
        )

    def error_body(self, status: int, message: str, code: str | None) -> JsonDict:
        """``{"type": "error", "error": {"type", "message"}}`` as the Anthropic API sends it; the error
        type follows the status (429 ``rate_limit_error``, 529 ``overloaded_error``...) unless ``code``
        is already an Anthropic error type."""
        if code == "context_length_exceeded":  # how Anthropic words the neutral codes of HttpErrorFault.error
            code, message = "invalid_request_error", f"prompt is too long: 210000 tokens > 200000 maximum ({message})"
        elif code == "insufficient_quota":
            code, message = "billing_error", f"Your credit balance is too low to access the API ({message})"
        kind = (
            code
            if code and code.endswith("_error")
            else _ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")
        )
        return {"type": "error", "error": {"type": kind, "message": message}}


ANTHROPIC = AnthropicWire()
