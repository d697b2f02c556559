"""Chat Completions requests: the agent's Responses-form history and tools as a chat request body.

Format: OpenAI Chat Completions (``POST /chat/completions`` request body; ``messages`` with roles
``system``/``user``/``assistant``/``tool``, assistant ``tool_calls``, ``image_url`` content parts,
function ``tools``). The rules:

- instructions and the developer/system messages before the first conversation item become one
  leading ``system`` message; later developer messages become ``system`` messages;
- an assistant message and the tool calls that follow it merge into one ``assistant`` message with
  ``tool_calls``, and the outputs of those calls follow it at once as ``role: tool`` messages (so a
  ``view_image`` follow-up never lands between two tool messages; a call without an output gets
  ``aborted``, an output without its call is dropped);
- reasoning items are dropped (the agent records reasoning only when it is encrypted, which chat
  providers never send, and several providers reject ``reasoning_content`` in requests);
- freeform ``custom`` tools (apply_patch) are offered as function tools taking one string ``input``
  (:mod:`tandem.model.chat` maps calls to them back to ``custom_tool_call`` items);
- text-only content is sent as a plain string (the form every OpenAI-compatible server accepts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tandem.model.streaming import dumps
from tandem.model.types import OUTPUT_SCHEMA_NAME, ModelRequest
from tandem.protocol import JsonDict

_TOOL_OUTPUTS = ("function_call_output", "custom_tool_call_output")
_TEXT_PARTS = ("input_text", "output_text", "text")
_CUSTOM_PARAMETERS: JsonDict = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "The tool's whole freeform input."}},
    "required": ["input"],
    "additionalProperties": False,
}


def custom_tool_names(tools: Iterable[JsonDict]) -> frozenset[str]:
    """Names of the freeform (``{"type": "custom"}``) tools among Responses tool definitions."""
    return frozenset(str(tool.get("name")) for tool in tools if tool.get("type") == "custom")


def to_chat_tools(tools: Iterable[JsonDict]) -> list[JsonDict]:
    """Responses tool definitions -> chat ``tools`` (``{"type": "function", "function": {...}}``).

    Function tools keep name, description and parameters (``strict`` only when true); custom tools
    become functions with one string parameter ``input``; hosted tools (web search, ...) have no chat
    form and are left out.
    """
    out: list[JsonDict] = []
    for tool in tools:
        kind = tool.get("type")
        description = str(tool.get("description") or "")
        if kind == "function":
            function: JsonDict = {
                "name": tool.get("name"),
                "description": description,
                "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
            }
            if tool.get("strict") is True:
                function["strict"] = True
        elif kind == "custom":
            function = {
                "name": tool.get("name"),
                "description": f"{description}\n\nPass the whole input as the string parameter `input`.",
                "parameters": _CUSTOM_PARAMETERS,
            }
        else:
            continue
        out.append({"type": "function", "function": function})
    return out


def _parts(content: Any) -> list[JsonDict]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    return [part for part in content or [] if isinstance(part, dict)]


def _text(content: Any) -> str:
    return "\n".join(str(part.get("text") or "") for part in _parts(content) if part.get("type") in _TEXT_PARTS)


def _user_content(content: Any) -> str | list[JsonDict]:
    """A plain string for text, a list of ``text``/``image_url`` parts when there are images."""
    parts = _parts(content)
    if not any(part.get("type") == "input_image" for part in parts):
        return _text(parts)
    out: list[JsonDict] = []
    for part in parts:
        if part.get("type") in _TEXT_PARTS:
            out.append({"type": "text", "text": str(part.get("text") or "")})
        elif part.get("type") == "input_image" and isinstance(part.get("image_url"), str):
            image: JsonDict = {"url": part["image_url"]}
            if part.get("detail") in ("low", "high"):
                image["detail"] = part["detail"]
            out.append({"type": "image_url", "image_url": image})
    return out


def _output_text(output: Any) -> str:
    return output if isinstance(output, str) else _text(output)


def to_chat_messages(instructions: str, items: Sequence[JsonDict]) -> list[JsonDict]:
    """Convert Responses input items to chat ``messages`` (rules in the module docstring).

    Deterministic: the same history always gives the same messages, and a history that only grows
    gives messages that only grow (after the last assistant message), so prompt caches keep hitting.
    """
    outputs = {str(item.get("call_id")): item for item in items if item.get("type") in _TOOL_OUTPUTS}
    system = [instructions] if instructions else []
    messages: list[JsonDict] = []
    assistant: JsonDict | None = None
    leading = True

    def flush() -> None:
        nonlocal assistant
        if assistant is None:
            return
        messages.append(assistant)
        for call in assistant.get("tool_calls", []):
            output = outputs.get(call["id"])
            text = _output_text(output.get("output")) if output is not None else "aborted"
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": text})
        assistant = None

    for item in items:
        kind = item.get("type", "message")
        role = item.get("role")
        if kind == "message" and role in ("system", "developer"):
            if leading:
                system.append(_text(item.get("content")))
            else:
                flush()
                messages.append({"role": "system", "content": _text(item.get("content"))})
            continue
        if kind == "reasoning":
            continue
        leading = False
        if kind in ("function_call", "custom_tool_call") or (kind == "message" and role == "assistant"):
            if assistant is None:
                assistant = {"role": "assistant", "content": None}
            if kind == "message":
                text = _text(item.get("content"))
                assistant["content"] = text if assistant["content"] is None else f"{assistant['content']}\n{text}"
                continue
            arguments = (
                str(item.get("arguments") or "")
                if kind == "function_call"
                else dumps({"input": str(item.get("input") or "")})
            )
            assistant.setdefault("tool_calls", []).append(
                {
                    "id": str(item.get("call_id") or ""),
                    "type": "function",
                    "function": {"name": str(item.get("name") or ""), "arguments": arguments},
                }
            )
        elif kind in _TOOL_OUTPUTS:
            flush()  # an output ends the assistant turn; its text went out right after its call
        elif kind == "message":
            flush()
            messages.append({"role": "user", "content": _user_content(item.get("content"))})
        # other item types (hosted tool calls, compaction markers) have no chat form
    flush()
    if system:
        messages.insert(0, {"role": "system", "content": "\n\n".join(system)})
    return messages


def build_request_body(request: ModelRequest) -> JsonDict:
    """The JSON body for ``POST /chat/completions`` (key order fixed so bodies are byte-stable).

    Shape: ``{model, messages, tools?, tool_choice?, parallel_tool_calls?, stream: true,
    stream_options: {include_usage: true}, reasoning_effort?, response_format?}``; the tool keys are
    left out when there are no tools (OpenAI rejects an empty ``tools`` list). An output schema is sent
    as ``response_format: {type: "json_schema", json_schema: {name, strict: true, schema}}``.
    ``prompt_cache_key`` and the reasoning summary have no portable chat equivalent and are not sent.
    """
    body: JsonDict = {"model": request.model, "messages": to_chat_messages(request.instructions, request.input)}
    tools = to_chat_tools(request.tools)
    if tools:
        body["tools"] = tools
        body["tool_choice"] = request.tool_choice
        body["parallel_tool_calls"] = request.parallel_tool_calls
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    if request.reasoning_effort:
        body["reasoning_effort"] = request.reasoning_effort
    if request.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": OUTPUT_SCHEMA_NAME, "strict": True, "schema": request.output_schema},
        }
    return body
