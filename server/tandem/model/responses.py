"""OpenAI Responses API client: one streamed ``POST {base_url}/responses`` per request.

Format: OpenAI Responses API (``stream: true`` SSE; event types in reference-facts §5). Requests
are stateless (``store: false``) and carry ``prompt_cache_key``; when reasoning is configured,
``include: ["reasoning.encrypted_content"]`` asks for the encrypted reasoning that the agent
carries forward in the next request's input. Retrying is the caller's job (see ``retry.py``):
this module only turns every failure into a typed :class:`~tandem.errors.ModelError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from tandem.config import ProviderInfo, redact
from tandem.errors import (
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    ModelTransportError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
    StreamIdleTimeoutError,
)
from tandem.model.retry import parse_retry_after
from tandem.model.sse import SSEDecoder
from tandem.model.types import (
    JsonDict,
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

_USER_AGENT = "tandem/0.1"


def build_request_body(request: ModelRequest) -> JsonDict:
    """The JSON body for ``POST /responses`` (key order fixed so bodies are byte-stable)."""
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
        return ReasoningSummaryDelta(str(data.get("item_id", "")), str(data.get("delta", "")),
                                     int(data.get("summary_index") or 0))
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
        raise ResponseFailedError(str(data.get("code") or ""), str(data.get("message") or "stream error"),
                                  parse_retry_after(str(data.get("message") or "")))
    return None


class ResponsesClient:
    """Streams requests to a Responses API endpoint.

    Args:
        provider: where to send requests and how to authenticate.
        api_key: the key, sent as ``provider.auth_scheme`` says (:meth:`ProviderInfo.auth_headers`), or ``None``
            for keyless local servers.
        environ: where ``env_http_headers`` are read (default ``os.environ``).
    """

    def __init__(self, provider: ProviderInfo, api_key: str | None,
                 environ: Mapping[str, str] | None = None) -> None:
        self._provider = provider
        env = os.environ if environ is None else environ
        # An error body may echo the credentials it refused: they never reach an error message.
        self._secrets = (*([api_key] if api_key else []), *provider.secret_values(env))
        headers = {"User-Agent": _USER_AGENT, "Accept": "text/event-stream",
                   **provider.headers(env), **provider.auth_headers(api_key)}
        timeout = httpx.Timeout(connect=10.0, read=provider.stream_idle_timeout_s, write=30.0, pool=10.0)
        # Plain-http endpoints (local servers) never use TLS: skip loading the CA bundle (~30 ms at start-up).
        verify = not provider.base_url.startswith("http://")
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, params=dict(provider.query_params),
                                       verify=verify)

    @property
    def url(self) -> str:
        """The endpoint requests go to."""
        return f"{self._provider.base_url}/responses"

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Send ``request``; yield its events up to and including :class:`ResponseCompleted`.

        Raises:
            ModelTransportError: the connection failed before a response arrived.
            ModelHTTPError / ModelAuthError / QuotaExceededError / ContextWindowExceededError:
                a non-2xx answer.
            StreamIdleTimeoutError: no data for ``stream_idle_timeout_s`` seconds.
            StreamError: the stream broke or ended without ``response.completed``, or sent bad JSON.
            ResponseFailedError: the provider reported ``response.failed`` or an ``error`` event.
        """
        body = json.dumps(build_request_body(request), ensure_ascii=False, separators=(",", ":"))
        try:
            async with self._http.stream("POST", self.url, content=body.encode(),
                                         headers={"Content-Type": "application/json"}) as response:
                if response.status_code >= 400:
                    text = redact((await response.aread()).decode("utf-8", "replace"), self._secrets)
                    raise _error_from_body(response.status_code, text, response.headers)
                async for event in self._events(response):
                    yield event
                    if isinstance(event, ResponseCompleted):
                        return
        except httpx.ReadTimeout as exc:
            raise StreamIdleTimeoutError(
                f"no data from the model for {self._provider.stream_idle_timeout_s:g} s") from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ModelTransportError(f"cannot reach the model provider at {self.url}: {exc}") from exc
        except httpx.TransportError as exc:
            raise StreamError(f"the connection to the model provider broke: {exc or type(exc).__name__}") \
                from exc
        raise StreamError("stream closed before response.completed")

    async def _events(self, response: httpx.Response) -> AsyncIterator[ModelEvent]:
        decoder = SSEDecoder()
        async for chunk in response.aiter_text():
            for sse in decoder.feed(chunk):
                event = self._decode(sse.event, sse.data)
                if event is not None:
                    yield event
        for sse in decoder.flush():
            event = self._decode(sse.event, sse.data)
            if event is not None:
                yield event

    @staticmethod
    def _decode(kind: str, data: str) -> ModelEvent | None:
        if data == "[DONE]":
            return None
        try:
            payload: Any = json.loads(data)
        except ValueError as exc:
            raise StreamError(f"the model provider sent malformed event data: {data[:120]!r}") from exc
        if not isinstance(payload, dict):
            raise StreamError(f"the model provider sent an event that is not a JSON object: {data[:120]!r}")
        return decode_event(str(payload.get("type") or kind), payload)
