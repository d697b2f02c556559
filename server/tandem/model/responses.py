"""OpenAI Responses API client: one streamed ``POST {base_url}/responses`` per request.

Format: OpenAI Responses API (``stream: true`` SSE; event types in docs/reference-facts.md §5). Requests
are stateless (``store: false``) and carry ``prompt_cache_key``; when reasoning is configured,
``include: ["reasoning.encrypted_content"]`` asks for the encrypted reasoning that the agent
carries forward in the next request's input. Retrying is the caller's job (see ``retry.py``):
this module only turns every failure into a typed :class:`~tandem.errors.ModelError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    QuotaExceededError,
    ResponseFailedError,
)
from tandem.model.retry import parse_retry_after
from tandem.model.streaming import SSEStreamingClient, parse_json_object
from tandem.model.types import (
    OUTPUT_SCHEMA_NAME,
    ModelEvent,
    ModelRequest,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningSummaryDelta,
    ReasoningTextDelta,
    ResponseCompleted,
    ResponseCreated,
    TokenUsage,
    ToolCallInputDelta,
)
from tandem.protocol import JsonDict


def build_request_body(request: ModelRequest) -> JsonDict:
    """The JSON body for ``POST /responses`` (key order fixed so bodies are byte-stable).

    With an output schema, ``text: {format: {type: "json_schema", name: "codex_output_schema",
    strict: true, schema}}`` (Structured Outputs, as Codex sends it; docs/reference-facts.md §5).
    """
    body: JsonDict = {
        "model": request.model,
        "instructions": request.instructions,
        "input": request.input,
        "tools": request.tools,
        "tool_choice": request.tool_choice,
        "parallel_tool_calls": request.parallel_tool_calls,
        "store": False,
        "stream": True,
    }
    if request.reasoning_effort or request.reasoning_summary:
        reasoning: JsonDict = {}
        if request.reasoning_effort:
            reasoning["effort"] = request.reasoning_effort
        if request.reasoning_summary:
            reasoning["summary"] = request.reasoning_summary
        body["reasoning"] = reasoning
        body["include"] = ["reasoning.encrypted_content"]
    if request.prompt_cache_key:
        body["prompt_cache_key"] = request.prompt_cache_key
    if request.output_schema is not None:
        body["text"] = {
            "format": {
                "type": "json_schema",
                "name": OUTPUT_SCHEMA_NAME,
                "strict": True,
                "schema": request.output_schema,
            }
        }
    return body


def _error_from_body(status: int, text: str, headers: Mapping[str, str]) -> ModelError:
    message, code = text.strip()[:500] or f"HTTP {status}", ""
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        message = str(err.get("message") or message)
        code = str(err.get("code") or err.get("type") or "")
    if code == "insufficient_quota":
        return QuotaExceededError(f"quota exceeded: {message}")
    if code == "context_length_exceeded":
        return ContextWindowExceededError(f"context window exceeded: {message}")
    if status in (401, 403):
        return ModelAuthError(f"the provider refused the credentials (HTTP {status}): {message}")
    retry_after = parse_retry_after(headers.get("retry-after")) or parse_retry_after(message)
    return ModelHTTPError(status, f"HTTP {status} from the model provider: {message}", retry_after)


def _failed_error(response: JsonDict) -> ModelError:
    err = response.get("error") or {}
    code = str(err.get("code") or "")
    message = str(err.get("message") or "the model provider reported a failure")
    if code == "context_length_exceeded":
        return ContextWindowExceededError(f"context window exceeded: {message}")
    if code == "insufficient_quota":
        return QuotaExceededError(f"quota exceeded: {message}")
    return ResponseFailedError(code, message, parse_retry_after(message))


def decode_event(kind: str, data: JsonDict) -> ModelEvent | None:
    """Map one Responses SSE event to a :class:`ModelEvent`; ``None`` for events we ignore.

    Raises:
        ModelError: for ``response.failed``, ``response.incomplete`` and ``error`` events.
    """
    if kind == "response.output_text.delta":
        return OutputTextDelta(str(data.get("item_id", "")), str(data.get("delta", "")))
    if kind in ("response.function_call_arguments.delta", "response.custom_tool_call_input.delta"):
        return ToolCallInputDelta(str(data.get("item_id", "")), str(data.get("delta", "")))
    if kind == "response.reasoning_summary_text.delta":
        return ReasoningSummaryDelta(
            str(data.get("item_id", "")), str(data.get("delta", "")), int(data.get("summary_index") or 0)
        )
    if kind == "response.reasoning_text.delta":
        return ReasoningTextDelta(str(data.get("item_id", "")), str(data.get("delta", "")))
    if kind == "response.output_item.added":
        return OutputItemAdded(dict(data.get("item") or {}), int(data.get("output_index") or 0))
    if kind == "response.output_item.done":
        return OutputItemDone(dict(data.get("item") or {}), int(data.get("output_index") or 0))
    if kind == "response.created":
        return ResponseCreated(str((data.get("response") or {}).get("id", "")))
    if kind == "response.completed":
        response = data.get("response") or {}
        return ResponseCompleted(str(response.get("id", "")), TokenUsage.from_responses(response.get("usage")))
    if kind == "response.failed":
        raise _failed_error(data.get("response") or {})
    if kind == "response.incomplete":
        details = (data.get("response") or {}).get("incomplete_details") or {}
        raise ModelError(f"the model stopped early: incomplete response ({details.get('reason', 'unknown')})")
    if kind == "error":
        raise ResponseFailedError(
            str(data.get("code") or ""),
            str(data.get("message") or "stream error"),
            parse_retry_after(str(data.get("message") or "")),
        )
    return None


class _ResponsesDecoder:
    """Responses SSE events -> :class:`ModelEvent` (``data: [DONE]``, sent by some proxies, is ignored)."""

    def feed(self, event: str, data: str) -> list[ModelEvent]:
        if data == "[DONE]":
            return []
        payload = parse_json_object(data)
        decoded = decode_event(str(payload.get("type") or event), payload)
        return [decoded] if decoded is not None else []

    def finish(self) -> list[ModelEvent]:
        return []


class ResponsesClient(SSEStreamingClient):
    """Streams requests to a Responses API endpoint (``POST {base_url}/responses``); see
    :class:`~tandem.model.streaming.SSEStreamingClient` for arguments, headers and errors."""

    path = "/responses"
    final_event = "response.completed"

    def body(self, request: ModelRequest) -> JsonDict:
        """The request body (:func:`build_request_body`)."""
        return build_request_body(request)

    def decoder(self, request: ModelRequest) -> _ResponsesDecoder:
        """A decoder of Responses streaming events."""
        return _ResponsesDecoder()

    def error_from_body(self, status: int, text: str, headers: Mapping[str, str]) -> ModelError:
        """OpenAI's ``{"error": {message, code}}`` as a typed error (quota, context, auth, HTTP)."""
        return _error_from_body(status, text, headers)
