"""Checking a model provider from this machine: ``GET {base_url}/models`` (``tandem doctor``).

The request carries exactly what a model request would (the provider's auth header from
:meth:`~tandem.config.ProviderInfo.auth_headers`, ``http_headers``, ``env_http_headers``,
``query_params``), so a success means the URL, the network path and the credentials all work.

Answer formats read (both list ids under ``data[].id``):

* OpenAI-compatible servers (OpenAI, Azure, Ollama, LM Studio, vLLM, OpenRouter):
  ``{"object": "list", "data": [{"id": "gpt-5.5", "object": "model"}, ...]}``;
* Anthropic (``GET /v1/models`` with ``x-api-key`` and ``anthropic-version``):
  ``{"data": [{"id": "claude-sonnet-4-5", "type": "model"}, ...], "has_more": false}``.

No key or header value is ever part of a result: any text taken from the server's answer goes
through :func:`~tandem.config.redact` first.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from tandem.config import ProviderInfo, redact
from tandem.config_enums import WireApi
from tandem.model.anthropic import ANTHROPIC_VERSION

DEFAULT_TIMEOUT_S = 5.0
MAX_LISTED = 20

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})

_START_HINTS: dict[str, str] = {
    "ollama": "is Ollama running? Start it with `ollama serve` (and `ollama pull <model>`)",
    "lmstudio": "is LM Studio's server running? Start it with `lms server start` (or Developer > Start Server)",
    "vllm": "is vLLM running? Start it with `vllm serve <model>`",
}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What ``GET {base_url}/models`` showed.

    Attributes:
        provider_id, provider_name: the provider checked.
        url: the models URL as shown (query parameters included, credentials redacted).
        model: the configured model, looked for in the list.
        reachable: an HTTP answer arrived (any status).
        status: its HTTP status, ``None`` when unreachable.
        models: model ids listed (all of them, in the server's order).
        error: why it failed, redacted, ``None`` on success.
        hint: what to try next, ``None`` on success.
        key_var: the provider's ``env_key`` variable; key_set: whether it holds a value.
        elapsed_ms: round-trip time.
    """

    provider_id: str
    provider_name: str
    url: str
    model: str
    reachable: bool
    status: int | None = None
    models: tuple[str, ...] = ()
    error: str | None = None
    hint: str | None = None
    key_var: str | None = None
    key_set: bool = False
    elapsed_ms: float = 0.0
    wire_url: str | None = None
    wire_status: int | None = None
    wire_missing: bool = False

    @property
    def listed_ok(self) -> bool:
        """The models endpoint answered 2xx."""
        return self.reachable and self.status is not None and 200 <= self.status < 300

    @property
    def ok(self) -> bool:
        """The models endpoint answered 2xx and the wire API's endpoint exists."""
        return self.listed_ok and not self.wire_missing

    @property
    def model_listed(self) -> bool | None:
        """Whether :attr:`model` is in the list; ``None`` when there is no list to look in."""
        if not self.listed_ok or not self.models:
            return None
        return self.model in self.models


def is_local(base_url: str) -> bool:
    """Whether ``base_url`` points at this machine (``localhost``, ``127.0.0.1``, ``::1``)."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host in _LOCAL_HOSTS or host.startswith("127.")


def _url(provider: ProviderInfo, path: str) -> str:
    url = httpx.URL(f"{provider.base_url}/{path}")
    return str(url.copy_merge_params(dict(provider.query_params))) if provider.query_params else str(url)


def models_url(provider: ProviderInfo) -> str:
    """``{base_url}/models`` plus the provider's query parameters."""
    return _url(provider, "models")


WIRE_PATHS: dict[WireApi, str] = {
    WireApi.RESPONSES: "responses",
    WireApi.CHAT: "chat/completions",
    WireApi.ANTHROPIC: "messages",
}
"""Where each wire API's requests go, relative to ``base_url``."""


def _model_ids(payload: Any) -> tuple[str, ...]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        data = payload.get("models") if isinstance(payload, dict) else None  # Ollama's native /api/tags shape
    if not isinstance(data, list):
        return ()
    ids = []
    for entry in data:
        if isinstance(entry, dict):
            value = entry.get("id") or entry.get("name")
            if isinstance(value, str) and value:
                ids.append(value)
    return tuple(ids)


def _server_message(text: str) -> str:
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
        if isinstance(err, str):
            return err[:300]
        if payload.get("message"):
            return str(payload["message"])[:300]
    return " ".join(text.split())[:300]


def _refused(exc: BaseException) -> bool:
    """Whether a connect error was a refusal (nothing listens there), looking through its causes."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        causes = getattr(seen, "exceptions", None)  # anyio may group the attempts of each address
        if causes and any(_refused(cause) for cause in causes):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _wire_hint(provider: ProviderInfo) -> str:
    path = WIRE_PATHS[provider.wire_api]
    since = {"ollama": "Ollama 0.13.3", "lmstudio": "LM Studio 0.3.29"}.get(provider.id)
    if since and provider.wire_api is WireApi.RESPONSES:
        return (
            f"this server has no /{path} (added in {since}): upgrade it, or use Chat Completions with "
            f'-c model_providers.{provider.id}.wire_api="chat"'
        )
    return (
        f'the server has no /{path} endpoint for wire_api = "{provider.wire_api}": set wire_api in '
        f"[model_providers.{provider.id}] to the API it speaks (responses, chat or anthropic)"
    )


def _unreachable_hint(provider: ProviderInfo, refused: bool) -> str:
    if is_local(provider.base_url):
        start = _START_HINTS.get(provider.id, f"is the model server running at {provider.display_url()}?")
        return start if refused else f"{start}; nothing answered in time"
    if provider.id == "azure":
        return "check base_url (https://<resource>.openai.azure.com/openai), DNS and your network or proxy"
    return "check base_url, DNS and your network; behind a proxy set HTTPS_PROXY"


def _status_hint(provider: ProviderInfo, status: int, key_set: bool) -> str:
    var = provider.env_key
    if status in (401, 403):
        if var is None:
            return (
                f"the provider refused the request (HTTP {status}) and {provider.id!r} sends no key: "
                f"set env_key in [model_providers.{provider.id}]"
            )
        if not key_set:
            return f"the provider wants a key: set {var}"
        return f"the provider refused the key in {var}: check that it is current and meant for {provider.display_url()}"
    if status == 404:
        if provider.id == "azure":
            return "no models endpoint there: base_url should end in /openai and api-version must be one Azure knows"
        return "no /models endpoint there: check base_url (OpenAI-compatible servers usually end in /v1)"
    if status == 429:
        return "rate limited or out of quota: check the account's limits and billing"
    if status >= 500:
        return "the provider has a problem right now: try again later"
    if status == 400 and provider.id == "azure":
        return "Azure rejected the request: check the api-version query parameter"
    return f"unexpected HTTP {status}: check base_url and the provider's documentation"


async def probe_provider(
    provider: ProviderInfo, model: str, environ: Mapping[str, str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> ProbeResult:
    """``GET {base_url}/models`` with the provider's credentials and headers; never raises.

    Args:
        provider: the provider to check; model: the configured model, looked for in the list.
        environ: where the key and ``env_http_headers`` are read (default ``os.environ``).
        timeout_s: seconds for connecting and for the answer.
    """
    env = os.environ if environ is None else environ
    key = provider.api_key(env)
    secrets = (*([key] if key else []), *provider.secret_values(env))
    headers = {
        "Accept": "application/json",
        "User-Agent": "tandem-doctor",
        **provider.headers(env),
        **provider.auth_headers(key),
    }
    if provider.wire_api is WireApi.ANTHROPIC and not any(h.lower() == "anthropic-version" for h in headers):
        headers["anthropic-version"] = ANTHROPIC_VERSION
    url = models_url(provider)
    result = ProbeResult(
        provider.id,
        provider.name,
        provider.display_url(url),
        model,
        reachable=False,
        key_var=provider.env_key,
        key_set=key is not None,
    )
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(
            timeout=timeout_s, verify=not provider.base_url.startswith("http://"), follow_redirects=True
        ) as http:
            response = await http.get(url, headers=headers)
            text = response.text
            if 200 <= response.status_code < 300:
                result = await _check_wire_endpoint(http, provider, headers, result)
    except httpx.TransportError as exc:  # connect errors, timeouts, protocol errors
        refused = isinstance(exc, httpx.ConnectError) and _refused(exc)
        reason = (
            "connection refused"
            if refused
            else (
                f"no answer within {timeout_s:g} s"
                if isinstance(exc, httpx.TimeoutException)
                else redact(str(exc) or type(exc).__name__, secrets)
            )
        )
        return replace(
            result,
            error=reason,
            hint=_unreachable_hint(provider, refused),
            elapsed_ms=(time.monotonic() - started) * 1000,
        )
    result = replace(
        result, reachable=True, status=response.status_code, elapsed_ms=(time.monotonic() - started) * 1000
    )
    if response.status_code >= 300:
        message = redact(_server_message(text), secrets)
        return replace(
            result,
            error=f"HTTP {response.status_code}" + (f": {message}" if message else ""),
            hint=_status_hint(provider, response.status_code, key is not None),
        )
    try:
        return replace(result, models=_model_ids(json.loads(text)))
    except ValueError:
        return result


async def _check_wire_endpoint(
    http: httpx.AsyncClient, provider: ProviderInfo, headers: Mapping[str, str], result: ProbeResult
) -> ProbeResult:
    """``POST {base_url}/<wire path>`` with an empty JSON object: a server that has the endpoint rejects
    the body (400/422, nothing is generated or billed); 404/405 without a word about a model means the
    server does not speak this wire API (e.g. an Ollama older than 0.13.3 for ``/v1/responses``)."""
    url = _url(provider, WIRE_PATHS[provider.wire_api])
    try:
        answer = await http.post(url, headers={**headers, "Content-Type": "application/json"}, content=b"{}")
    except httpx.TransportError:
        return replace(result, wire_url=provider.display_url(url))
    missing = answer.status_code in (404, 405) and "model" not in answer.text.lower()
    return replace(
        result,
        wire_url=provider.display_url(url),
        wire_status=answer.status_code,
        wire_missing=missing,
        hint=_wire_hint(provider) if missing else result.hint,
    )


def _model_hint(result: ProbeResult) -> str:
    if result.provider_id == "ollama":
        return f"download it with `ollama pull {result.model}`, or pick a listed one with -m"
    if result.provider_id == "lmstudio":
        return f"download and load it in LM Studio (`lms get {result.model}`), or pick a listed one with -m"
    return "pick a listed model with -m (or `model` in config.toml); some providers accept unlisted aliases"


def render(result: ProbeResult, out: TextIO, max_listed: int = MAX_LISTED) -> None:
    """Write ``result`` as ``tandem doctor``'s aligned ``label: value`` lines (the same style as the sandbox report)."""
    out.write(f"provider:     {result.provider_id} ({result.provider_name})\n")
    out.write(f"endpoint:     GET {result.url}\n")
    if result.key_var:
        out.write(f"api key:      {result.key_var} {'is set' if result.key_set else 'is NOT set'}\n")
    else:
        out.write("api key:      none (this provider sends no key)\n")
    if not result.reachable:
        out.write(f"reachable:    no ({result.error})\n")
    else:
        out.write(f"reachable:    yes, HTTP {result.status} in {result.elapsed_ms:.0f} ms\n")
    if result.wire_url is not None:
        state = "missing" if result.wire_missing else "present"
        status = f"HTTP {result.wire_status}" if result.wire_status is not None else "no answer"
        out.write(f"wire api:     {state}: POST {result.wire_url} (empty body) -> {status}\n")
    if result.listed_ok:
        shown = ", ".join(result.models[:max_listed]) or "(none listed)"
        more = f" (+{len(result.models) - max_listed} more)" if len(result.models) > max_listed else ""
        out.write(f"models:       {shown}{more}\n")
        listed = result.model_listed
        verdict = "listed" if listed else ("NOT listed" if listed is False else "unknown (the server lists none)")
        if listed is False and result.provider_id == "azure":
            verdict = "not in the list (Azure lists base models; the model must name your deployment)"
        out.write(f"model:        {result.model}: {verdict}\n")
        if listed is False and result.provider_id != "azure":
            out.write(f"hint:         {_model_hint(result)}\n")
    elif result.reachable:
        out.write(f"error:        {result.error}\n")
    if result.hint:
        out.write(f"hint:         {result.hint}\n")
