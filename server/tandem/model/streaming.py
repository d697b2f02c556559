"""What the three model clients share: one streamed ``POST`` whose Server-Sent Events become :class:`ModelEvent`s.

A wire API (Responses, Chat Completions, Anthropic Messages) supplies the endpoint path, the JSON
body, a per-response :class:`EventDecoder` and the mapping of an error body to a typed
:class:`~tandem.errors.ModelError`; :class:`SSEStreamingClient` does the rest the same way for all
of them: headers (static, from the environment, and the key as ``auth_scheme`` says), timeouts (the
read timeout is the provider's ``stream_idle_timeout_ms``), TLS only for https, redaction of the
credentials from error bodies, transport failures mapped to typed errors, and the rule that a
stream must end with its completion event. Retrying is the caller's job (``retry.py``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, ClassVar, Protocol

import httpx

from tandem.config import ProviderInfo, redact
from tandem.errors import ModelError, ModelTransportError, StreamError, StreamIdleTimeoutError
from tandem.model.sse import SSEDecoder
from tandem.model.types import ModelEvent, ModelRequest, ResponseCompleted
from tandem.protocol import JsonDict

log = logging.getLogger(__name__)

USER_AGENT = "tandem/0.1"


class EventDecoder(Protocol):
    """Turns one response's SSE events into :class:`ModelEvent` objects (no I/O)."""

    def feed(self, event: str, data: str) -> Iterable[ModelEvent]:
        """One SSE event (``event`` field, ``data`` text).

        Raises:
            ModelError: the event reports a failure, or its data is malformed (:class:`StreamError`).
        """
        ...

    def finish(self) -> Iterable[ModelEvent]:
        """The body ended: whatever the wire format completes at that point (often nothing)."""
        ...


def parse_json_object(data: str) -> JsonDict:
    """An SSE ``data`` text as a JSON object.

    Raises:
        StreamError: malformed JSON, or JSON that is not an object.
    """
    try:
        payload: Any = json.loads(data)
    except ValueError as exc:
        raise StreamError(f"the model provider sent malformed event data: {data[:120]!r}") from exc
    if not isinstance(payload, dict):
        raise StreamError(f"the model provider sent an event that is not a JSON object: {data[:120]!r}")
    return payload


def dumps(value: Any) -> str:
    """Compact JSON with non-ASCII kept: request bodies stay byte-stable for prompt caching."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SSEStreamingClient:
    """Base of the model clients (each satisfies :class:`~tandem.model.types.ModelClient`).

    Subclasses set :attr:`path` and :attr:`final_event` and implement :meth:`body`,
    :meth:`decoder` and :meth:`error_from_body`.

    Args:
        provider: where to send requests and how to authenticate.
        api_key: the key, sent as ``provider.auth_scheme`` says (:meth:`ProviderInfo.auth_headers`), or
            ``None`` for keyless local servers.
        environ: where ``env_http_headers`` are read (default ``os.environ``).
        extra_headers: headers the wire API requires (e.g. ``anthropic-version``).
    """

    path: ClassVar[str]
    """The endpoint below ``base_url``, e.g. ``/responses``."""
    final_event: ClassVar[str]
    """What a complete stream ends with, for the error message when it does not."""

    def __init__(
        self,
        provider: ProviderInfo,
        api_key: str | None,
        environ: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._provider = provider
        env = os.environ if environ is None else environ
        # An error body may echo the credentials it refused: they never reach an error message.
        self._secrets = (*([api_key] if api_key else []), *provider.secret_values(env))
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream",
            **(extra_headers or {}),
            **provider.headers(env),
            **provider.auth_headers(api_key),
        }
        timeout = httpx.Timeout(connect=10.0, read=provider.stream_idle_timeout_s, write=30.0, pool=10.0)
        # Plain-http endpoints (local servers) never use TLS: skip loading the CA bundle (~30 ms at start-up).
        verify = not provider.base_url.startswith("http://")
        self._http = httpx.AsyncClient(
            headers=headers, timeout=timeout, params=dict(provider.query_params), verify=verify
        )

    @property
    def url(self) -> str:
        """The endpoint requests go to."""
        return f"{self._provider.base_url}{self.path}"

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()

    def body(self, request: ModelRequest) -> JsonDict:
        """The JSON body for ``request`` (key order fixed)."""
        raise NotImplementedError

    def decoder(self, request: ModelRequest) -> EventDecoder:
        """A fresh decoder for the response to ``request``."""
        raise NotImplementedError

    def error_from_body(self, status: int, text: str, headers: Mapping[str, str]) -> ModelError:
        """The typed error for a non-2xx answer (``text``: its body, credentials already redacted)."""
        raise NotImplementedError

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Send ``request``; yield its events up to and including :class:`ResponseCompleted`.

        Raises:
            ModelTransportError: the connection failed before a response arrived.
            ModelHTTPError / ModelAuthError / QuotaExceededError / ContextWindowExceededError:
                a non-2xx answer (see :meth:`error_from_body`).
            StreamIdleTimeoutError: no data for ``stream_idle_timeout_s`` seconds.
            StreamError: the stream broke or ended without :attr:`final_event`, or sent bad JSON.
            ModelError: whatever the wire's decoder raises for a reported failure.
        """
        content = dumps(self.body(request)).encode()
        decoder = self.decoder(request)
        started = time.monotonic()
        shown = self._provider.display_url(self.url)  # no credentials in messages and logs
        log.debug("model request: POST %s model=%s bytes=%d", shown, request.model, len(content))
        try:
            async with self._http.stream(
                "POST", self.url, content=content, headers={"Content-Type": "application/json"}
            ) as response:
                if response.status_code >= 400:
                    text = redact((await response.aread()).decode("utf-8", "replace"), self._secrets)
                    raise self.error_from_body(response.status_code, text, response.headers)
                async for event in self._events(response, decoder):
                    yield event
                    if isinstance(event, ResponseCompleted):
                        usage = event.usage
                        log.debug(
                            "model response: status=%d in=%d cached=%d out=%d in %.0f ms",
                            response.status_code,
                            usage.input_tokens,
                            usage.cached_input_tokens,
                            usage.output_tokens,
                            (time.monotonic() - started) * 1000,
                        )
                        return
        except ModelError as exc:  # a failure reported inside the stream may quote the credentials too
            cleaned = redact(exc.message, self._secrets)
            if cleaned != exc.message:
                exc.message, exc.args = cleaned, (cleaned,)
            log.debug("model request failed after %.0f ms: %s", (time.monotonic() - started) * 1000, cleaned)
            raise
        except httpx.ReadTimeout as exc:
            raise StreamIdleTimeoutError(
                f"no data from the model for {self._provider.stream_idle_timeout_s:g} s"
            ) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            reason = redact(str(exc), self._secrets)
            raise ModelTransportError(f"cannot reach the model provider at {shown}: {reason}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:  # never worth a retry (config checks first)
            raise ModelError(
                f"the model provider's base_url is not a usable http(s) URL: {redact(str(exc), self._secrets)}"
            ) from exc
        except httpx.TransportError as exc:
            reason = redact(str(exc) or type(exc).__name__, self._secrets)
            raise StreamError(f"the connection to the model provider broke: {reason}") from exc
        raise StreamError(f"stream closed before {self.final_event}")

    @staticmethod
    async def _events(response: httpx.Response, decoder: EventDecoder) -> AsyncIterator[ModelEvent]:
        sse = SSEDecoder()
        async for chunk in response.aiter_text():
            for event in sse.feed(chunk):
                for out in decoder.feed(event.event, event.data):
                    yield out
        for event in sse.flush():
            for out in decoder.feed(event.event, event.data):
                yield out
        for out in decoder.finish():
            yield out
