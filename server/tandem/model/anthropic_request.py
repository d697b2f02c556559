"""Build Anthropic Messages API request bodies from Tandem's Responses-form history.

Format: Anthropic Messages API (``POST /v1/messages``, ``anthropic-version: 2023-06-01``).
Conversion rules, Responses input item -> Anthropic content block:

- ``instructions`` -> top-level ``system`` (one text block);
- ``message`` (user/developer/system role) -> user ``text`` / ``image`` blocks; ``message``
  (assistant role) -> assistant ``text`` blocks;
- ``reasoning`` whose ``encrypted_content`` holds an Anthropic thinking block (JSON
  ``{"type": "thinking", "thinking", "signature"}`` or ``{"type": "redacted_thinking", "data"}``,
  as :mod:`tandem.model.anthropic` stores it) -> that block, unchanged; other reasoning is dropped;
- ``function_call`` -> ``tool_use {id, name, input: <arguments parsed>}``; ``custom_tool_call`` ->
  ``tool_use`` with ``input: {"input": <text>}`` (freeform tools are offered with one string property);
- ``function_call_output`` / ``custom_tool_call_output`` -> user ``tool_result {tool_use_id, content}``.

Consecutive blocks of one role form one message (the API requires user/assistant alternation), and
``tool_result`` blocks come first in their user message. Prompt caching: ``cache_control:
{"type": "ephemeral"}`` on the system block, the last tool, and the last block of the last two
user messages (four breakpoints at most, the API's limit). Key order is fixed so bodies are
byte-stable; a request that extends the history only appends to ``messages``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tandem.model.types import ModelRequest
from tandem.protocol import JsonDict

DEFAULT_MAX_TOKENS = 32_000
"""``max_tokens`` for models not in :data:`MAX_OUTPUT_TOKENS`."""

MAX_OUTPUT_TOKENS: dict[str, int] = {
    "claude-3-haiku": 4_096,
    "claude-3-5-haiku": 8_192,
    "claude-3-5-sonnet": 8_192,
    "claude-3-7-sonnet": 64_000,
    "claude-sonnet-4": 64_000,
    "claude-haiku-4": 64_000,
    "claude-opus-4": 32_000,
    "claude-opus-4-5": 64_000,
}
"""Published output limits by model-slug prefix (the longest matching prefix wins)."""

THINKING_BUDGETS: dict[str, int] = {"minimal": 1_024, "low": 4_096, "medium": 10_000, "high": 24_000, "xhigh": 48_000}
"""``reasoning_effort`` -> extended-thinking ``budget_tokens`` (capped below ``max_tokens``)."""

CUSTOM_INPUT_PROPERTY = "input"
"""The one string property a freeform (custom) tool is offered with."""

_EPHEMERAL: JsonDict = {"type": "ephemeral"}
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)
_BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def max_tokens_for(model: str) -> int:
    """The ``max_tokens`` to request for ``model``: its published output limit, else 32000."""
    matches = [prefix for prefix in MAX_OUTPUT_TOKENS if model == prefix or model.startswith(prefix + "-")]
    return MAX_OUTPUT_TOKENS[max(matches, key=len)] if matches else DEFAULT_MAX_TOKENS


def custom_tool_names(tools: list[JsonDict]) -> frozenset[str]:
    """Names of the freeform (``{"type": "custom"}``) tools among Responses tool definitions."""
    return frozenset(str(tool.get("name")) for tool in tools if tool.get("type") == "custom")


def tool_use_id(call_id: str) -> str:
    """``call_id`` as a valid ``tool_use`` id (``^[A-Za-z0-9_-]+$``; other characters become ``_``)."""
    return _BAD_ID_CHARS.sub("_", call_id) or "call"


def convert_tools(tools: list[JsonDict]) -> list[JsonDict]:
    """Responses tool definitions -> Anthropic ``{name, description, input_schema}`` tools.

    Function tools keep their JSON schema; a custom (freeform) tool gets a schema with one string
    property ``input``; other tool types (e.g. hosted web search) are not offered.
    """
    out: list[JsonDict] = []
    for tool in tools:
        kind = tool.get("type")
        if kind == "function":
            schema = tool.get("parameters") or {"type": "object", "properties": {}}
        elif kind == "custom":
            schema = {
                "type": "object",
                "properties": {
                    CUSTOM_INPUT_PROPERTY: {
                        "type": "string",
                        "description": "The raw input text of this freeform tool.",
                    }
                },
                "required": [CUSTOM_INPUT_PROPERTY],
            }
        else:
            continue
        entry: JsonDict = {"name": str(tool.get("name", ""))}
        if tool.get("description"):
            entry["description"] = str(tool["description"])
        entry["input_schema"] = schema
        out.append(entry)
    return out


def _image_block(url: str) -> JsonDict | None:
    match = _DATA_URL.match(url)
    if match:
        return {"type": "image", "source": {"type": "base64", "media_type": match["mime"], "data": match["data"]}}
    if url.startswith(("https://", "http://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    return None


def _content_blocks(content: Any) -> list[JsonDict]:
    """Responses message content (a string or parts) -> Anthropic text/image blocks (empty text dropped)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[JsonDict] = []
    for part in content or []:
        if not isinstance(part, dict):
            continue
        if part.get("type") in ("input_image", "image"):
            url = part.get("image_url")
            image = _image_block(url.get("url", "") if isinstance(url, dict) else str(url or ""))
            if image is not None:
                blocks.append(image)
        elif isinstance(part.get("text"), str) and part["text"]:
            blocks.append({"type": "text", "text": part["text"]})
    return blocks


def _tool_input(item: JsonDict, custom: bool) -> JsonDict:
    if custom:
        return {CUSTOM_INPUT_PROPERTY: str(item.get("input") or "")}
    raw = item.get("arguments")
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"arguments": raw}


def _tool_result(item: JsonDict) -> JsonDict:
    block: JsonDict = {"type": "tool_result", "tool_use_id": tool_use_id(str(item.get("call_id", "")))}
    output = item.get("output")
    if isinstance(output, list):
        parts = _content_blocks(output)
        if parts:
            block["content"] = parts
    elif output:
        block["content"] = str(output)
    return block


def thinking_block(item: JsonDict) -> JsonDict | None:
    """The Anthropic thinking block a reasoning item carries in ``encrypted_content``, else ``None``."""
    raw = item.get("encrypted_content")
    if not isinstance(raw, str) or not raw.startswith("{"):
        return None
    try:
        block = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(block, dict):
        return None
    if (
        block.get("type") == "thinking"
        and isinstance(block.get("thinking"), str)
        and isinstance(block.get("signature"), str)
    ):
        return {"type": "thinking", "thinking": block["thinking"], "signature": block["signature"]}
    if block.get("type") == "redacted_thinking" and isinstance(block.get("data"), str):
        return {"type": "redacted_thinking", "data": block["data"]}
    return None


def _item_blocks(item: JsonDict) -> tuple[str, list[JsonDict]]:
    """(role, blocks) for one Responses input item; role ``""`` for items with nothing to send."""
    kind = item.get("type", "message" if "role" in item else None)
    if kind == "message":
        role = "assistant" if item.get("role") == "assistant" else "user"
        return role, _content_blocks(item.get("content"))
    if kind == "reasoning":
        block = thinking_block(item)
        return ("assistant", [block]) if block is not None else ("", [])
    if kind in ("function_call", "custom_tool_call"):
        return "assistant", [
            {
                "type": "tool_use",
                "id": tool_use_id(str(item.get("call_id", ""))),
                "name": str(item.get("name", "")),
                "input": _tool_input(item, kind == "custom_tool_call"),
            }
        ]
    if kind in ("function_call_output", "custom_tool_call_output"):
        return "user", [_tool_result(item)]
    return "", []


def convert_messages(items: list[JsonDict]) -> list[JsonDict]:
    """Responses input items -> alternating Anthropic ``messages`` (see the module docstring)."""
    messages: list[JsonDict] = []
    for item in items:
        role, blocks = _item_blocks(item)
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": list(blocks)})
    for msg in messages:
        if msg["role"] == "user":
            content = msg["content"]
            msg["content"] = [b for b in content if b["type"] == "tool_result"] + [
                b for b in content if b["type"] != "tool_result"
            ]
    return messages


def _mark_cache(messages: list[JsonDict]) -> None:
    """Breakpoints on the last block of the last two user messages (copies the marked blocks)."""
    marked = 0
    for msg in reversed(messages):
        if msg["role"] != "user" or not msg["content"]:
            continue
        msg["content"][-1] = {**msg["content"][-1], "cache_control": dict(_EPHEMERAL)}
        marked += 1
        if marked == 2:
            return


def _thinking(request: ModelRequest, max_tokens: int) -> JsonDict | None:
    effort = (request.reasoning_effort or "").lower()
    if not effort or effort == "none":
        return None
    budget = THINKING_BUDGETS.get(effort, THINKING_BUDGETS["medium"])
    return {"type": "enabled", "budget_tokens": max(1_024, min(budget, max_tokens - 1_024))}


def build_request_body(request: ModelRequest, max_tokens: int | None = None) -> JsonDict:
    """The JSON body for ``POST /v1/messages`` (Anthropic Messages API, streamed).

    Shape (keys in this order, absent ones omitted): ``model``, ``max_tokens``, ``system`` (one text
    block with ``cache_control``), ``messages``, ``tools`` (last one with ``cache_control``),
    ``tool_choice`` (``{"type": "auto"|"none"}``, ``disable_parallel_tool_use`` when parallel calls
    are off), ``thinking`` (``{"type": "enabled", "budget_tokens"}`` when ``reasoning_effort`` is
    set), ``output_config`` (``{"format": {"type": "json_schema", "schema"}}``, Anthropic's structured
    outputs, when the request has an output schema: the final text block is the JSON), ``stream: true``.

    Args:
        request: the provider-neutral request (history as Responses input items).
        max_tokens: output limit; default :func:`max_tokens_for` the model.
    """
    limit = max_tokens or max_tokens_for(request.model)
    body: JsonDict = {"model": request.model, "max_tokens": limit}
    if request.instructions:
        body["system"] = [{"type": "text", "text": request.instructions, "cache_control": dict(_EPHEMERAL)}]
    messages = convert_messages(request.input)
    _mark_cache(messages)
    body["messages"] = messages
    tools = convert_tools(request.tools)
    if tools:
        tools[-1] = {**tools[-1], "cache_control": dict(_EPHEMERAL)}
        body["tools"] = tools
        choice: JsonDict = {"type": "none" if request.tool_choice == "none" else "auto"}
        if not request.parallel_tool_calls and choice["type"] == "auto":
            choice["disable_parallel_tool_use"] = True
        body["tool_choice"] = choice
    thinking = _thinking(request, limit)
    if thinking is not None:
        body["thinking"] = thinking
    if request.output_schema is not None:
        body["output_config"] = {"format": {"type": "json_schema", "schema": request.output_schema}}
    body["stream"] = True
    return body
