"""Anthropic Messages API client: one streamed ``POST {base_url}/messages`` per request.

Format: Anthropic Messages API streaming (``stream: true`` SSE). Events: ``message_start
{message: {id, usage}}``, then per content block ``content_block_start {index, content_block}``,
``content_block_delta {index, delta: text_delta | input_json_delta | thinking_delta |
signature_delta}``, ``content_block_stop {index}``; then ``message_delta {delta: {stop_reason},
usage: {output_tokens}}`` and ``message_stop``. ``ping`` is ignored; ``error {error: {type,
message}}`` ends the stream with a typed error. Authentication is ``x-api-key`` (never a bearer
token) plus ``anthropic-version: 2023-06-01``.

Events are re-shaped as Responses-form items so the agent loop stays provider-neutral: a ``text``
block becomes a ``message`` item, ``tool_use`` a ``function_call`` (or ``custom_tool_call`` for a
tool offered as freeform), and a ``thinking`` / ``redacted_thinking`` block a ``reasoning`` item
whose ``encrypted_content`` holds the block as JSON, so it goes back unchanged (signature
included) in the next request (see :mod:`tandem.model.anthropic_request`). Retrying is the
caller's job: this module only turns every failure into a typed :class:`~tandem.errors.ModelError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from tandem.config import ProviderInfo
from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    QuotaExceededError,
    ResponseFailedError,
)
from tandem.model.anthropic_request import CUSTOM_INPUT_PROPERTY, build_request_body, custom_tool_names
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

__all__ = ["ANTHROPIC_VERSION", "AnthropicClient", "AnthropicStreamDecoder", "build_request_body", "error_for"]

ANTHROPIC_VERSION = "2023-06-01"
_RETRYABLE_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})
_INCOMPLETE_STOPS = frozenset({"max_tokens", "model_context_window_exceeded"})


def error_for(kind: str, message: str, status: int | None = None, retry_after: float | None = None) -> ModelError:
    """The typed error for an Anthropic error ``{type, message}``.

    Args:
        kind: the error ``type`` (``overloaded_error``, ``rate_limit_error``, ``invalid_request_error``...).
        message: the provider's message.
        status: the HTTP status for an HTTP error; ``None`` for an ``error`` event inside a stream.
        retry_after: seconds from ``Retry-After``, when given.

    Returns:
        ContextWindowExceededError for "prompt is too long" / ``request_too_large``;
        QuotaExceededError for ``billing_error`` or a low credit balance; ModelAuthError for
        ``authentication_error`` / ``permission_error`` / HTTP 401/403; else ModelHTTPError (HTTP,
        retryable per status: 429, 5xx, 529) or ResponseFailedError (stream; retryable for
        overloaded, api, rate-limit and timeout errors).
    """
    lowered = message.lower()
    if (
        kind == "request_too_large"
        or status == 413
        or "prompt is too long" in lowered
        or "context window" in lowered
        or "context length" in lowered
        or "context limit" in lowered
    ):
        return ContextWindowExceededError(f"context window exceeded: {message}")
    if kind == "billing_error" or status == 402 or "credit balance" in lowered:
        return QuotaExceededError(f"quota exceeded: {message}")
    if kind in ("authentication_error", "permission_error") or status in (401, 403):
        label = f"HTTP {status}" if status else kind
        return ModelAuthError(f"the provider refused the credentials ({label}): {message}")
    retry_after = retry_after if retry_after is not None else parse_retry_after(message)
    if status is not None:
        return ModelHTTPError(status, f"HTTP {status} from the model provider: {message}", retry_after)
    error = ResponseFailedError(kind, message, retry_after)
    error.retryable = kind in _RETRYABLE_TYPES or retry_after is not None
    return error


def _error_from_body(status: int, text: str, headers: Mapping[str, str]) -> ModelError:
    message, kind = text.strip()[:500] or f"HTTP {status}", ""
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        message = str(err.get("message") or message)
        kind = str(err.get("type") or err.get("code") or "")
    return error_for(kind, message, status, parse_retry_after(headers.get("retry-after")))


@dataclass(slots=True)
class _Block:
    """One content block being streamed."""

    kind: str
    item_id: str
    call_id: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""


class AnthropicStreamDecoder:
    """Turns Anthropic stream events into :class:`ModelEvent` objects (no I/O; one per response).

    Args:
        custom_tools: names of tools offered as freeform; their ``tool_use`` becomes a
            ``custom_tool_call`` whose ``input`` is the ``input`` string property.
    """

    def __init__(self, custom_tools: frozenset[str] = frozenset()) -> None:
        self._custom = custom_tools
        self._message_id = ""
        self._blocks: dict[int, _Block] = {}
        self._usage: JsonDict = {}
        self._stop_reason: str | None = None
        self.completed = False

    def feed(self, kind: str, data: JsonDict) -> list[ModelEvent]:
        """The events for one SSE event (``kind`` is its ``type``).

        Raises:
            ModelError: an ``error`` event (typed by :func:`error_for`), or a response cut short
                by ``max_tokens`` (not retryable: the same request would stop again).
        """
        if kind == "message_start":
            message = data.get("message") or {}
            self._message_id = str(message.get("id") or "")
            self._usage.update(message.get("usage") or {})
            return [ResponseCreated(self._message_id)]
        if kind == "content_block_start":
            return self._start(int(data.get("index") or 0), data.get("content_block") or {})
        if kind == "content_block_delta":
            return self._delta(int(data.get("index") or 0), data.get("delta") or {})
        if kind == "content_block_stop":
            return self._stop(int(data.get("index") or 0))
        if kind == "message_delta":
            self._stop_reason = (data.get("delta") or {}).get("stop_reason") or self._stop_reason
            self._usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            return []
        if kind == "message_stop":
            if self._stop_reason in _INCOMPLETE_STOPS:
                raise ModelError(f"the model stopped early: incomplete response ({self._stop_reason})")
            self.completed = True
            return [ResponseCompleted(self._message_id, self.usage())]
        if kind == "error":
            err = data.get("error") or {}
            raise error_for(str(err.get("type") or ""), str(err.get("message") or "stream error"))
        return []  # ping and event types added later

    def usage(self) -> TokenUsage:
        """Usage so far: input = input + cache read + cache creation tokens; cached = cache read."""
        read = int(self._usage.get("cache_read_input_tokens") or 0)
        inp = (
            int(self._usage.get("input_tokens") or 0) + read + int(self._usage.get("cache_creation_input_tokens") or 0)
        )
        out = int(self._usage.get("output_tokens") or 0)
        return TokenUsage(input_tokens=inp, cached_input_tokens=read, output_tokens=out, total_tokens=inp + out)

    def _start(self, index: int, block: JsonDict) -> list[ModelEvent]:
        kind = str(block.get("type") or "")
        item_id = f"{self._message_id or 'msg'}_{index}"
        if kind == "text":
            state = self._blocks[index] = _Block("text", item_id)
            if block.get("text"):
                state.parts.append(str(block["text"]))
            return [
                OutputItemAdded(
                    {"type": "message", "role": "assistant", "id": item_id, "status": "in_progress", "content": []},
                    index,
                )
            ]
        if kind in ("thinking", "redacted_thinking"):
            self._blocks[index] = _Block(
                kind, item_id, signature=str(block.get("signature") or ""), data=str(block.get("data") or "")
            )
            if block.get("thinking"):
                self._blocks[index].parts.append(str(block["thinking"]))
            return [OutputItemAdded({"type": "reasoning", "id": item_id, "summary": []}, index)]
        if kind == "tool_use":
            name = str(block.get("name") or "")
            state = self._blocks[index] = _Block("tool_use", item_id, call_id=str(block.get("id") or ""), name=name)
            if block.get("input"):
                state.parts.append(dumps(block["input"]))
            if name in self._custom:
                added: JsonDict = {
                    "type": "custom_tool_call",
                    "id": item_id,
                    "call_id": state.call_id,
                    "name": name,
                    "input": "",
                }
            else:
                added = {
                    "type": "function_call",
                    "id": item_id,
                    "call_id": state.call_id,
                    "name": name,
                    "arguments": "",
                    "status": "in_progress",
                }
            return [OutputItemAdded(added, index)]
        return []  # server tool results and block types we do not use

    def _delta(self, index: int, delta: JsonDict) -> list[ModelEvent]:
        state = self._blocks.get(index)
        if state is None:
            return []
        kind = delta.get("type")
        if kind == "text_delta":
            text = str(delta.get("text") or "")
            state.parts.append(text)
            return [OutputTextDelta(state.item_id, text)] if text else []
        if kind == "thinking_delta":
            text = str(delta.get("thinking") or "")
            state.parts.append(text)
            return [ReasoningTextDelta(state.item_id, text)] if text else []
        if kind == "signature_delta":
            state.signature += str(delta.get("signature") or "")
        elif kind == "input_json_delta":
            piece = str(delta.get("partial_json") or "")
            state.parts.append(piece)
            if piece and state.name not in self._custom:
                return [ToolCallInputDelta(state.item_id, piece)]
        return []

    def _stop(self, index: int) -> list[ModelEvent]:
        state = self._blocks.pop(index, None)
        if state is None:
            return []
        text = "".join(state.parts)
        if state.kind == "text":
            return [
                OutputItemDone(
                    {
                        "type": "message",
                        "role": "assistant",
                        "id": state.item_id,
                        "status": "completed",
                        "content": [{"type": "output_text", "text": text}],
                    },
                    index,
                )
            ]
        if state.kind == "thinking":
            block: JsonDict = {"type": "thinking", "thinking": text, "signature": state.signature}
            return [
                OutputItemDone(
                    {
                        "type": "reasoning",
                        "id": state.item_id,
                        "summary": [],
                        "content": [{"type": "reasoning_text", "text": text}],
                        "encrypted_content": dumps(block),
                    },
                    index,
                )
            ]
        if state.kind == "redacted_thinking":
            return [
                OutputItemDone(
                    {
                        "type": "reasoning",
                        "id": state.item_id,
                        "summary": [],
                        "encrypted_content": dumps({"type": "redacted_thinking", "data": state.data}),
                    },
                    index,
                )
            ]
        if state.name in self._custom:
            return [
                OutputItemDone(
                    {
                        "type": "custom_tool_call",
                        "id": state.item_id,
                        "call_id": state.call_id,
                        "name": state.name,
                        "input": _custom_input(text),
                    },
                    index,
                )
            ]
        return [
            OutputItemDone(
                {
                    "type": "function_call",
                    "id": state.item_id,
                    "call_id": state.call_id,
                    "name": state.name,
                    "arguments": text or "{}",
                    "status": "completed",
                },
                index,
            )
        ]


def _custom_input(raw: str) -> str:
    """The freeform text of a custom tool's ``tool_use`` input ``{"input": "..."}`` (raw JSON if not so)."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return raw
    if isinstance(value, dict) and isinstance(value.get(CUSTOM_INPUT_PROPERTY), str):
        return str(value[CUSTOM_INPUT_PROPERTY])
    return raw


class _AnthropicEvents:
    """SSE events -> :class:`AnthropicStreamDecoder` (the event type is the payload's ``type``)."""

    def __init__(self, decoder: AnthropicStreamDecoder) -> None:
        self._decoder = decoder

    def feed(self, event: str, data: str) -> list[ModelEvent]:
        payload = parse_json_object(data)
        return self._decoder.feed(str(payload.get("type") or event), payload)

    def finish(self) -> list[ModelEvent]:
        return []


class AnthropicClient(SSEStreamingClient):
    """Streams requests to an Anthropic Messages API endpoint (``POST {base_url}/messages`` with
    ``anthropic-version``); see :class:`~tandem.model.streaming.SSEStreamingClient` for the rest.

    Args:
        provider: where to send requests (``base_url`` such as ``https://api.anthropic.com/v1``); the
            ``anthropic`` preset and tables with ``wire_api = "anthropic"`` send the key as ``x-api-key``.
        api_key: the key; ``None`` for keyless proxies.
        environ: where ``env_http_headers`` are read (default ``os.environ``).
        max_tokens: output limit per request; default per model (see ``anthropic_request.max_tokens_for``).

    Besides the shared errors: 429 and 529 are retryable ModelHTTPErrors (with ``retry_after``), an
    ``error`` event is a ResponseFailedError (retryable when overloaded / rate limited), and a
    response that stopped at ``max_tokens`` is a ModelError.
    """

    path = "/messages"
    final_event = "message_stop"

    def __init__(
        self,
        provider: ProviderInfo,
        api_key: str | None,
        environ: Mapping[str, str] | None = None,
        max_tokens: int | None = None,
    ) -> None:
        super().__init__(provider, api_key, environ, {"anthropic-version": ANTHROPIC_VERSION})
        self._max_tokens = max_tokens

    def body(self, request: ModelRequest) -> JsonDict:
        """The request body (:func:`build_request_body`)."""
        return build_request_body(request, self._max_tokens)

    def decoder(self, request: ModelRequest) -> _AnthropicEvents:
        """A decoder of this response's events (freeform tools come back as ``custom_tool_call``)."""
        return _AnthropicEvents(AnthropicStreamDecoder(custom_tool_names(request.tools)))

    def error_from_body(self, status: int, text: str, headers: Mapping[str, str]) -> ModelError:
        """Anthropic's ``{"type": "error", "error": {type, message}}`` as a typed error."""
        return _error_from_body(status, text, headers)
