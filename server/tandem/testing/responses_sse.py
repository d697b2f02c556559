"""Expand scripted output items into OpenAI Responses API streaming events.

Format: OpenAI Responses API streaming events (``POST /v1/responses`` with ``stream: true``; see
docs/reference-facts.md §5). Every event carries ``type`` and ``sequence_number`` (0, 1, 2, ...), and
item events carry ``output_index`` and ``item_id`` as the real API does. The stream is::

    response.created {response: {id, status: in_progress, output: []}}
    per output item (output_index = position in the script's list):
      response.output_item.added {item (in progress, empty)}
      message:          response.content_part.added, response.output_text.delta*, response.output_text.done,
                        response.content_part.done
      reasoning:        (raw text)  response.reasoning_text.delta*, response.reasoning_text.done
                        (per summary part) response.reasoning_summary_part.added,
                        response.reasoning_summary_text.delta*, response.reasoning_summary_text.done,
                        response.reasoning_summary_part.done
      function_call:    response.function_call_arguments.delta*, response.function_call_arguments.done
      custom_tool_call: response.custom_tool_call_input.delta*, response.custom_tool_call_input.done
      response.output_item.done {item}
    response.completed {response: {id, status: completed, output: [items], usage}}

Deltas are chunks of a few words (at most 48 characters) whose concatenation is the full text.
Ids are derived from the 1-based request number ``n`` and the item's output index ``i`` unless the
script gives them: response ``resp_<n>``, items ``msg_<n>_<i>`` / ``rs_<n>_<i>`` / ``fc_<n>_<i>`` /
``ctc_<n>_<i>``, call ids ``call_<n>_<i>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tandem.protocol import JsonDict
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
from tandem.testing.structured import responses_text_problem
from tandem.testing.usage import Usage, resolve_usage
from tandem.testing.wire import RenderContext, SSEFrame, dumps

WORDS_PER_DELTA = 3
MAX_DELTA_CHARS = 48
_WORD = re.compile(r"\S+\s*|\s+")


def split_deltas(text: str) -> list[str]:
    """Split ``text`` into streaming chunks of a few words; ``"".join(result) == text``."""
    words = _WORD.findall(text)
    chunks: list[str] = []
    for start in range(0, len(words), WORDS_PER_DELTA):
        piece = "".join(words[start : start + WORDS_PER_DELTA])
        chunks += [piece[i : i + MAX_DELTA_CHARS] for i in range(0, len(piece), MAX_DELTA_CHARS)]
    return chunks


def _item_ids(item: OutputItem, n: int, index: int) -> tuple[str, str]:
    """(item id, call id) for an item; the call id is empty for items without one."""
    prefix = {"reasoning": "rs", "message": "msg", "function_call": "fc", "custom_tool_call": "ctc"}[item.type]
    item_id = item.id or f"{prefix}_{n}_{index}"
    call_id = ""
    if isinstance(item, FunctionCallItem | CustomToolCallItem):
        call_id = item.call_id or f"call_{n}_{index}"
    return item_id, call_id


def final_item(item: OutputItem, item_id: str, call_id: str) -> JsonDict:
    """The completed item as ``response.output_item.done`` and ``response.completed`` carry it."""
    if isinstance(item, MessageItem):
        return {
            "type": "message",
            "id": item_id,
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": item.text, "annotations": []}],
        }
    if isinstance(item, ReasoningItem):
        done: JsonDict = {
            "type": "reasoning",
            "id": item_id,
            "summary": [{"type": "summary_text", "text": part} for part in item.summary_parts],
        }
        if item.text is not None:
            done["content"] = [{"type": "reasoning_text", "text": item.text}]
        if item.encrypted_content is not None:
            done["encrypted_content"] = item.encrypted_content
        return done
    if isinstance(item, FunctionCallItem):
        return {
            "type": "function_call",
            "id": item_id,
            "call_id": call_id,
            "name": item.name,
            "arguments": item.arguments_json,
            "status": "completed",
        }
    return {"type": "custom_tool_call", "id": item_id, "call_id": call_id, "name": item.name, "input": item.input}


def _added_item(item: OutputItem, item_id: str, call_id: str) -> JsonDict:
    if isinstance(item, MessageItem):
        return {"type": "message", "id": item_id, "status": "in_progress", "role": "assistant", "content": []}
    if isinstance(item, ReasoningItem):
        return {"type": "reasoning", "id": item_id, "summary": []}
    if isinstance(item, FunctionCallItem):
        return {
            "type": "function_call",
            "id": item_id,
            "call_id": call_id,
            "name": item.name,
            "arguments": "",
            "status": "in_progress",
        }
    return {"type": "custom_tool_call", "id": item_id, "call_id": call_id, "name": item.name, "input": ""}


def _item_events(item: OutputItem, base: JsonDict, added: JsonDict, done: JsonDict) -> Iterator[JsonDict]:
    """Events for one item, without ``sequence_number``. ``base`` = {output_index, item_id}."""
    yield {"type": "response.output_item.added", "output_index": base["output_index"], "item": added}
    if isinstance(item, MessageItem):
        part: JsonDict = {"type": "output_text", "text": "", "annotations": []}
        yield {"type": "response.content_part.added", **base, "content_index": 0, "part": part}
        for delta in split_deltas(item.text):
            yield {"type": "response.output_text.delta", **base, "content_index": 0, "delta": delta, "logprobs": []}
        yield {"type": "response.output_text.done", **base, "content_index": 0, "text": item.text, "logprobs": []}
        yield {"type": "response.content_part.done", **base, "content_index": 0, "part": {**part, "text": item.text}}
    elif isinstance(item, ReasoningItem):
        if item.text is not None:
            for delta in split_deltas(item.text):
                yield {"type": "response.reasoning_text.delta", **base, "content_index": 0, "delta": delta}
            yield {"type": "response.reasoning_text.done", **base, "content_index": 0, "text": item.text}
        for index, text in enumerate(item.summary_parts):
            summary = {**base, "summary_index": index}
            yield {
                "type": "response.reasoning_summary_part.added",
                **summary,
                "part": {"type": "summary_text", "text": ""},
            }
            for delta in split_deltas(text):
                yield {"type": "response.reasoning_summary_text.delta", **summary, "delta": delta}
            yield {"type": "response.reasoning_summary_text.done", **summary, "text": text}
            yield {
                "type": "response.reasoning_summary_part.done",
                **summary,
                "part": {"type": "summary_text", "text": text},
            }
    elif isinstance(item, FunctionCallItem):
        for delta in split_deltas(item.arguments_json):
            yield {"type": "response.function_call_arguments.delta", **base, "delta": delta}
        yield {
            "type": "response.function_call_arguments.done",
            **base,
            "name": item.name,
            "arguments": item.arguments_json,
        }
    else:
        for delta in split_deltas(item.input):
            yield {"type": "response.custom_tool_call_input.delta", **base, "delta": delta}
        yield {"type": "response.custom_tool_call_input.done", **base, "input": item.input}
    yield {"type": "response.output_item.done", "output_index": base["output_index"], "item": done}


def usage_json(usage: Usage) -> JsonDict:
    """A Responses API ``usage`` object."""
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


class ResponsesWire:
    """The Responses API wire format (satisfies :class:`tandem.testing.wire.WireFormat`)."""

    name = "responses"

    def request_error(self, body: JsonDict | None) -> str | None:
        """Requests must be JSON objects with ``"stream": true`` and, when they ask for structured
        output, a well-formed ``text.format`` (:func:`tandem.testing.structured.responses_text_problem`)."""
        if body is None:
            return "scripted model server: the request body must be a JSON object"
        if body.get("stream") is not True:
            return 'scripted model server: only streaming requests are supported; send "stream": true'
        problem = responses_text_problem(body)
        return f"scripted model server: {problem}" if problem else None

    def cache_prefix(self, body: JsonDict) -> bytes:
        """``tools``, ``instructions`` then ``input``, serialized: the order a provider renders the
        prompt in, so a request that only appends input items reuses the whole earlier prompt."""
        parts = (dumps(body.get(key)) for key in ("tools", "instructions", "input"))
        return "\n".join(parts).encode()

    def render(self, response: ScriptedResponse, ctx: RenderContext) -> list[SSEFrame]:
        """Expand ``response`` into the event stream described in the module docstring."""
        if response.events is not None:
            return [SSEFrame(e, raw=True) if isinstance(e, str) else SSEFrame.json(e) for e in response.events]
        n = ctx.request_number
        shell: JsonDict = {
            "id": response.id or f"resp_{n}",
            "object": "response",
            "created_at": ctx.created_at,
            "model": ctx.model,
        }
        events: list[JsonDict] = [
            {
                "type": "response.created",
                "response": {
                    **shell,
                    "status": "in_progress",
                    "output": [],
                    "usage": None,
                    "error": None,
                    "incomplete_details": None,
                },
            }
        ]
        fault = response.fault
        output: list[JsonDict] = []
        for index, item in enumerate(response.output):
            item_id, call_id = _item_ids(item, n, index)
            done = final_item(item, item_id, call_id)
            base = {"output_index": index, "item_id": item_id}
            events.extend(_item_events(item, base, _added_item(item, item_id, call_id), done))
            output.append(done)
        usage = usage_json(resolve_usage(response.usage, response.output, ctx.input_bytes, ctx.cached_prefix_bytes))
        final: Any
        if isinstance(fault, ResponseFailedFault):
            final = {
                "type": "response.failed",
                "response": {
                    **shell,
                    "status": "failed",
                    "output": output,
                    "usage": None,
                    "error": {"code": fault.code, "message": fault.message},
                    "incomplete_details": None,
                },
            }
        elif isinstance(fault, IncompleteFault):
            final = {
                "type": "response.incomplete",
                "response": {
                    **shell,
                    "status": "incomplete",
                    "output": output,
                    "usage": usage,
                    "error": None,
                    "incomplete_details": {"reason": fault.reason},
                },
            }
        elif isinstance(fault, NoCompletedFault):
            final = None
        else:
            final = {
                "type": "response.completed",
                "response": {
                    **shell,
                    "status": "completed",
                    "output": output,
                    "usage": usage,
                    "error": None,
                    "incomplete_details": None,
                },
            }
        if final is not None:
            events.append(final)
        return [SSEFrame.json({"type": e["type"], "sequence_number": seq, **e}) for seq, e in enumerate(events)]

    def malformed_frame(self) -> SSEFrame:
        """A ``response.output_text.delta`` event whose JSON is cut off."""
        return SSEFrame('{"type":"response.output_text.delta","delta":"unterminated', "response.output_text.delta")

    def error_body(self, status: int, message: str, code: str | None) -> JsonDict:
        """``{"error": {message, type, param, code}}`` as the OpenAI API sends it."""
        kind = "invalid_request_error" if 400 <= status < 500 else "server_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}


RESPONSES = ResponsesWire()
