"""OpenAI Chat Completions client: one streamed ``POST {base_url}/chat/completions`` per request.

Format: OpenAI Chat Completions streaming (``stream: true``, ``stream_options: {include_usage: true}``;
the body is ``data: <chat.completion.chunk JSON>`` lines ending with ``data: [DONE]``), as OpenAI and
OpenAI-compatible servers (Ollama, LM Studio, vLLM, llama.cpp, OpenRouter) speak it.

The agent keeps its history as Responses input items (:mod:`tandem.model.types`);
:mod:`tandem.model.chat_request` turns it into the request body (its docstring has the conversion
rules; ``build_request_body`` is re-exported here). This module streams the answer back as the same
events and Responses-shaped items :mod:`tandem.model.responses` produces, so the agent loop cannot
tell the two apart: text becomes an assistant ``message`` item, ``reasoning_content`` a
``reasoning`` item, each streamed tool call a ``function_call`` item — or a ``custom_tool_call``
when it calls a freeform tool (apply_patch) that was offered as a function taking ``input``.

Retrying is the caller's job (see ``retry.py``): every failure here is a typed
:class:`~tandem.errors.ModelError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    QuotaExceededError,
    ResponseFailedError,
)
from tandem.model.chat_request import build_request_body, custom_tool_names, to_chat_messages, to_chat_tools
from tandem.model.retry import parse_retry_after
from tandem.model.streaming import SSEStreamingClient, dumps, parse_json_object
from tandem.model.types import (
    ModelEvent,
    ModelRequest,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningTextDelta,
    ResponseCompleted,
    ResponseCreated,
    TokenUsage,
    ToolCallInputDelta,
)
from tandem.protocol import JsonDict

__all__ = [
    "ChatCompletionsClient",
    "ChatStreamAssembler",
    "build_request_body",
    "custom_tool_names",
    "to_chat_messages",
    "to_chat_tools",
]

_CONTEXT_OVERFLOW = re.compile(r"maximum context length|context[ _]length[ _]exceeded|context window", re.IGNORECASE)


# --- errors ---------------------------------------------------------------------------------


def _classify(code: str, message: str) -> ModelError | None:
    if code == "insufficient_quota":
        return QuotaExceededError(f"quota exceeded: {message}")
    if code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(message):
        return ContextWindowExceededError(f"context window exceeded: {message}")
    return None


def _error_fields(payload: Any) -> tuple[str, Any] | None:
    """(message, code) from ``{"error": {...}}``, ``{"error": "text"}`` or vLLM's top-level form."""
    if not isinstance(payload, dict):
        return None
    err = payload.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or ""), err.get("code") or err.get("type")
    if isinstance(err, str):
        return err, payload.get("code") or payload.get("type")
    if payload.get("object") == "error":
        return str(payload.get("message") or ""), payload.get("code") or payload.get("type")
    return None


def _error_from_body(status: int, text: str, headers: Mapping[str, str]) -> ModelError:
    message, code = text.strip()[:500] or f"HTTP {status}", ""
    try:
        fields = _error_fields(json.loads(text))
    except ValueError:
        fields = None
    if fields is not None:
        message = fields[0] or message
        code = str(fields[1] or "")
    typed = _classify(code, message)
    if typed is not None:
        return typed
    if status in (401, 403):
        return ModelAuthError(f"the provider refused the credentials (HTTP {status}): {message}")
    retry_after = parse_retry_after(headers.get("retry-after")) or parse_retry_after(message)
    return ModelHTTPError(status, f"HTTP {status} from the model provider: {message}", retry_after)


def _stream_error(payload: JsonDict) -> ModelError:
    """An error a server sent inside the stream (``data: {"error": {...}}``)."""
    message, raw_code = _error_fields(payload) or ("", "")
    message = message or "the model provider reported a failure"
    if isinstance(raw_code, int):
        code = "rate_limit_exceeded" if raw_code == 429 else "server_error" if raw_code >= 500 else str(raw_code)
    else:
        code = str(raw_code or "")
    return _classify(code, message) or ResponseFailedError(code, message, parse_retry_after(message))


# --- stream assembly -------------------------------------------------------------------------


@dataclass(slots=True)
class _Call:
    item_id: str
    output_index: int
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    announced: bool = False


@dataclass(slots=True)
class _Text:
    item_id: str
    output_index: int
    parts: list[str] = field(default_factory=list)


def _usage(usage: JsonDict) -> TokenUsage:
    """A chat ``usage`` object (``prompt_tokens``, ``completion_tokens``, ``*_details``); garbage counts as 0."""

    def count(value: Any) -> int:
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    def detail(key: str, name: str) -> int:
        details = usage.get(key)
        return count(details.get(name)) if isinstance(details, dict) else 0

    prompt, completion = count(usage.get("prompt_tokens")), count(usage.get("completion_tokens"))
    return TokenUsage(
        input_tokens=prompt,
        cached_input_tokens=detail("prompt_tokens_details", "cached_tokens"),
        output_tokens=completion,
        reasoning_output_tokens=detail("completion_tokens_details", "reasoning_tokens"),
        total_tokens=count(usage.get("total_tokens")) or prompt + completion,
    )


class ChatStreamAssembler:
    """Turn ``chat.completion.chunk`` objects into :class:`ModelEvent` objects (no I/O).

    Text deltas open an assistant ``message`` item, ``reasoning_content``/``reasoning`` deltas a
    ``reasoning`` item, and tool call deltas (keyed by ``index``; id and name first, arguments in
    pieces, several calls possibly interleaved) one ``function_call`` item each, or a
    ``custom_tool_call`` for a tool in ``custom_tools``. Items end when a ``finish_reason`` arrives
    (or at ``[DONE]``); :meth:`done` then gives :class:`ResponseCompleted` with the last ``usage``.

    Args:
        custom_tools: names of freeform tools offered as ``{input}`` functions.
    """

    def __init__(self, custom_tools: frozenset[str] = frozenset()) -> None:
        self._custom = custom_tools
        self._response_id: str | None = None
        self._reasoning: _Text | None = None
        self._message: _Text | None = None
        self._calls: dict[int, _Call] = {}
        self._outputs = 0
        self._usage = TokenUsage()
        self.finish_reason: str | None = None

    @property
    def finished(self) -> bool:
        """Whether a ``finish_reason`` arrived (its items are complete)."""
        return self.finish_reason is not None

    def feed(self, chunk: JsonDict) -> list[ModelEvent]:
        """Events for one chunk.

        Raises:
            ModelError: the chunk carries an ``error``; or it finished with ``length`` or
                ``content_filter`` before producing any text or tool call.
        """
        if chunk.get("error") is not None:
            raise _stream_error(chunk)
        events: list[ModelEvent] = []
        if self._response_id is None:
            self._response_id = str(chunk.get("id") or "chatcmpl")
            events.append(ResponseCreated(self._response_id))
        if isinstance(chunk.get("usage"), dict):
            self._usage = _usage(chunk["usage"])
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict) or (choice.get("index") or 0) != 0 or self.finished:
                continue
            delta = choice["delta"] if isinstance(choice.get("delta"), dict) else {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                events += self._text_delta("reasoning", reasoning)
            for key in ("content", "refusal"):
                if isinstance(delta.get(key), str) and delta[key]:
                    events += self._text_delta("message", delta[key])
            for call in delta.get("tool_calls") or []:
                if isinstance(call, dict):
                    events += self._call_delta(call)
            if choice.get("finish_reason"):
                events += self._finish(str(choice["finish_reason"]))
        return events

    def done(self) -> list[ModelEvent]:
        """``[DONE]`` arrived (or a finished stream closed): close open items, then :class:`ResponseCompleted`."""
        events = [] if self.finished else self._finish("stop")
        return [*events, ResponseCompleted(self._response_id or "", self._usage)]

    # --- internals ---------------------------------------------------------------------------

    def _next_index(self) -> int:
        self._outputs += 1
        return self._outputs - 1

    def _text_delta(self, kind: str, delta: str) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        state = self._reasoning if kind == "reasoning" else self._message
        if state is None:
            state = _Text(f"{self._response_id}_{'rs' if kind == 'reasoning' else 'msg'}", self._next_index())
            if kind == "reasoning":
                self._reasoning = state
                added: JsonDict = {"type": "reasoning", "id": state.item_id, "summary": []}
            else:
                self._message = state
                added = {"type": "message", "role": "assistant", "id": state.item_id, "content": []}
            events.append(OutputItemAdded(added, state.output_index))
        state.parts.append(delta)
        events.append(
            ReasoningTextDelta(state.item_id, delta) if kind == "reasoning" else OutputTextDelta(state.item_id, delta)
        )
        return events

    def _call_delta(self, delta: JsonDict) -> list[ModelEvent]:
        index = delta.get("index")
        call_id = delta["id"] if isinstance(delta.get("id"), str) else ""
        if not isinstance(index, int):  # some servers leave it out: a new id starts a new call
            known = {call.call_id for call in self._calls.values()}
            new = not self._calls or bool(call_id and call_id not in known)
            index = (max(self._calls, default=-1) + 1) if new else max(self._calls)
        function = delta["function"] if isinstance(delta.get("function"), dict) else {}
        events: list[ModelEvent] = []
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _Call(f"{self._response_id}_fc_{index}", self._next_index())
        call.call_id = call.call_id or call_id
        if not call.name and isinstance(function.get("name"), str):
            call.name = function["name"]
        if call.name and not call.announced:
            call.announced = True
            events.append(OutputItemAdded(self._call_item(call, added=True), call.output_index))
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a few servers send an object instead of JSON text
            arguments = dumps(arguments)
        if isinstance(arguments, str) and arguments:
            call.arguments.append(arguments)
            if call.name not in self._custom:
                events.append(ToolCallInputDelta(call.item_id, arguments))
        return events

    def _call_item(self, call: _Call, added: bool = False) -> JsonDict:
        """The call as a Responses item; ``added`` gives the empty in-progress form."""
        arguments = "" if added else "".join(call.arguments)
        call_id = call.call_id or f"call_{call.item_id}"
        if call.name not in self._custom:
            return {
                "type": "function_call",
                "id": call.item_id,
                "call_id": call_id,
                "name": call.name,
                "arguments": arguments,
            }
        try:
            parsed = json.loads(arguments) if arguments else None
        except ValueError:
            parsed = None
        text = parsed["input"] if isinstance(parsed, dict) and isinstance(parsed.get("input"), str) else arguments
        return {"type": "custom_tool_call", "id": call.item_id, "call_id": call_id, "name": call.name, "input": text}

    def _finish(self, reason: str) -> list[ModelEvent]:
        self.finish_reason = reason
        if reason in ("length", "content_filter") and self._message is None and not self._calls:
            why = "reached its output token limit" if reason == "length" else "was stopped by a content filter"
            raise ModelError(f'the model stopped early: it {why} before answering (finish_reason "{reason}")')
        events: list[ModelEvent] = []
        if self._reasoning is not None:
            text = "".join(self._reasoning.parts)
            events.append(
                OutputItemDone(
                    {
                        "type": "reasoning",
                        "id": self._reasoning.item_id,
                        "summary": [],
                        "content": [{"type": "reasoning_text", "text": text}],
                    },
                    self._reasoning.output_index,
                )
            )
        if self._message is not None:
            text = "".join(self._message.parts)
            events.append(
                OutputItemDone(
                    {
                        "type": "message",
                        "role": "assistant",
                        "id": self._message.item_id,
                        "content": [{"type": "output_text", "text": text}],
                    },
                    self._message.output_index,
                )
            )
        for index in sorted(self._calls):
            call = self._calls[index]
            events.append(OutputItemDone(self._call_item(call), call.output_index))
        return events


# --- client ---------------------------------------------------------------------------------


class _ChatDecoder:
    """Chat Completions chunks -> :class:`ModelEvent` through a :class:`ChatStreamAssembler`."""

    def __init__(self, assembler: ChatStreamAssembler) -> None:
        self._assembler = assembler

    def feed(self, event: str, data: str) -> list[ModelEvent]:
        if data.strip() == "[DONE]":
            return self._assembler.done()
        return self._assembler.feed(parse_json_object(data))

    def finish(self) -> list[ModelEvent]:
        # Closed without [DONE] but after a finish_reason: the answer was complete.
        return self._assembler.done() if self._assembler.finished else []


class ChatCompletionsClient(SSEStreamingClient):
    """Streams requests to an OpenAI-compatible Chat Completions endpoint (``POST {base_url}/chat/completions``);
    see :class:`~tandem.model.streaming.SSEStreamingClient` for arguments, headers and errors. Besides those,
    a ``finish_reason`` of ``length``/``content_filter`` before any text or tool call is a :class:`ModelError`,
    and an ``error`` object inside the stream a :class:`ResponseFailedError`."""

    path = "/chat/completions"
    final_event = "[DONE] and without a finish_reason"

    def body(self, request: ModelRequest) -> JsonDict:
        """The request body (:func:`build_request_body`)."""
        return build_request_body(request)

    def decoder(self, request: ModelRequest) -> _ChatDecoder:
        """A decoder assembling this response's chunks (custom tools come back as ``custom_tool_call``)."""
        return _ChatDecoder(ChatStreamAssembler(custom_tool_names(request.tools)))

    def error_from_body(self, status: int, text: str, headers: Mapping[str, str]) -> ModelError:
        """OpenAI's (or vLLM's) error body as a typed error."""
        return _error_from_body(status, text, headers)
