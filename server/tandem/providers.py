"""Model providers: :class:`ProviderInfo`, the built-in presets, ``[model_providers.x]`` tables merged over
them, and redaction of their credentials.

Keys follow Codex's ``[model_providers.<id>]`` tables (``name``, ``base_url``, ``env_key``,
``env_key_instructions``, ``wire_api``, ``query_params``, ``http_headers``, ``env_http_headers``,
``request_max_retries``, ``stream_max_retries``, ``stream_idle_timeout_ms``, ``requires_openai_auth``),
plus Tandem's ``auth_scheme``. :mod:`tandem.config` re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from tandem.config_enums import AuthScheme, WireApi
from tandem.errors import ConfigError

if TYPE_CHECKING:
    from tandem.config_toml import ProviderToml

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A resolved model provider.

    Attributes:
        id: the key under ``[model_providers]`` (``openai``, ``ollama``, ...).
        base_url: API root, e.g. ``https://api.openai.com/v1`` (no trailing slash); empty for a preset
            whose URL only the user knows (``azure``) until configured.
        env_key: environment variable holding the API key, or ``None`` for keyless local servers.
        wire_api: which HTTP API the endpoint speaks (``responses``, ``chat``, ``anthropic``).
        query_params: added to every request URL (Azure's ``api-version``).
        http_headers: sent as they are; env_http_headers: header name -> environment variable holding
            its value (sent only when the variable is set and not empty).
        stream_idle_timeout_s: seconds without SSE data before the stream counts as broken.
        requires_key: a missing key is a configuration error (see :func:`require_credentials`).
        env_key_instructions: how to obtain a key, shown in the missing-key error.
        auth_scheme: which header carries the key (:meth:`auth_headers`).
        override_env_keys: variables read before ``env_key`` (the ``openai`` preset reads Codex's
            ``CODEX_API_KEY`` first, as ``codex exec`` does: the Codex SDK passes its ``apiKey`` that way).
    """

    id: str
    name: str
    base_url: str
    env_key: str | None
    wire_api: WireApi
    query_params: Mapping[str, str] = field(default_factory=dict)
    http_headers: Mapping[str, str] = field(default_factory=dict)
    env_http_headers: Mapping[str, str] = field(default_factory=dict)
    request_max_retries: int = 4
    stream_max_retries: int = 5
    stream_idle_timeout_s: float = 300.0
    requires_key: bool = False
    env_key_instructions: str | None = None
    auth_scheme: AuthScheme = AuthScheme.BEARER
    override_env_keys: tuple[str, ...] = ()

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """The header(s) carrying ``api_key`` in this provider's :attr:`auth_scheme`; ``{}`` without a key.

        ``bearer`` -> ``{"Authorization": "Bearer <key>"}``; ``api-key`` -> ``{"api-key": "<key>"}`` (Azure);
        ``x-api-key`` -> ``{"x-api-key": "<key>"}`` (Anthropic). Every client (Responses, Chat, Anthropic,
        ``tandem doctor``'s probe) builds its authentication from this one method.
        """
        if not api_key:
            return {}
        if self.auth_scheme is AuthScheme.API_KEY_HEADER:
            return {"api-key": api_key}
        if self.auth_scheme is AuthScheme.X_API_KEY:
            return {"x-api-key": api_key}
        return {"Authorization": f"Bearer {api_key}"}

    def secret_env_vars(self) -> tuple[str, ...]:
        """Environment variables whose values this provider sends as credentials: ``env_key`` and the
        variables behind ``env_http_headers``. They are kept out of the commands the agent runs."""
        names = [*self.override_env_keys, *([self.env_key] if self.env_key else [])]
        return (*names, *self.env_http_headers.values())

    def secret_values(self, environ: Mapping[str, str]) -> tuple[str, ...]:
        """Every credential this provider sends, for :func:`redact`: the current values of
        :meth:`secret_env_vars` (set, non-empty ones) and the :meth:`url_secrets` of its settings."""
        return (*(environ[name] for name in self.secret_env_vars() if environ.get(name)), *self.url_secrets())

    def url_secrets(self) -> tuple[str, ...]:
        """Credentials written into the settings themselves: the user name and password of
        ``base_url`` (as written and percent-decoded), the values of ``base_url``'s own query and of
        ``query_params`` (but ``api-version``-like ones), and the values of ``http_headers`` (but
        well-known public ones such as ``User-Agent``). A provider may echo any of them back."""
        found: list[str] = []
        parts = urlsplit(self.base_url)
        for value in (parts.username, parts.password):
            if value:
                found += [value, unquote(value)]
        query = [*parse_qsl(parts.query, keep_blank_values=False), *self.query_params.items()]
        found += [value for key, value in query if key.lower() not in _PUBLIC_QUERY_KEYS and value]
        found += [value for name, value in self.http_headers.items() if name.lower() not in _PUBLIC_HEADERS and value]
        return tuple(dict.fromkeys(found))

    def display_url(self, url: str | None = None) -> str:
        """``url`` (default: ``base_url``) as it may be shown or logged: no user name or password, and
        :meth:`url_secrets` replaced by ``[REDACTED]``."""
        text = self.base_url if url is None else url
        parts = urlsplit(text)
        if parts.username is not None or parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[1]
            text = urlunsplit(parts._replace(netloc=f"{REDACTED}@{host}"))
        return redact(text, self.url_secrets())

    def api_key(self, environ: Mapping[str, str]) -> str | None:
        """The API key: the first set, non-blank one of :attr:`override_env_keys` (stripped, as Codex reads
        ``CODEX_API_KEY``), else ``environ[env_key]``; ``None`` when unset or empty."""
        for name in self.override_env_keys:
            value = (environ.get(name) or "").strip()
            if value:
                return value
        if self.env_key is None:
            return None
        return environ.get(self.env_key) or None

    def headers(self, environ: Mapping[str, str]) -> dict[str, str]:
        """Static headers plus ``env_http_headers`` whose variables are set (never the API key)."""
        headers = dict(self.http_headers)
        for header, var in self.env_http_headers.items():
            if environ.get(var):
                headers[header] = environ[var]
        return headers


REDACTED = "[REDACTED]"
_MIN_SECRET_LEN = 4
_PUBLIC_QUERY_KEYS = frozenset({"api-version", "api_version", "version", "format"})
_PUBLIC_HEADERS = frozenset(
    {
        "user-agent",
        "accept",
        "content-type",
        "anthropic-version",
        "anthropic-beta",
        "openai-beta",
        "http-referer",
        "x-title",
    }
)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``[REDACTED]``.

    Used on text that came back from a provider (error bodies may echo the key they refused) before it
    becomes an error message, an event, a log line or a rollout entry. Values shorter than 4 characters
    are left alone (redacting them would mangle ordinary text and protects nothing).
    """
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


AZURE_API_VERSION = "2025-04-01-preview"
LOCAL_PROVIDERS = ("ollama", "lmstudio")
"""Providers ``--oss`` / ``--local-provider`` may pick (open-weight models served on this machine)."""


def built_in_providers(environ: Mapping[str, str], openai_base_url: str | None = None) -> dict[str, ProviderInfo]:
    """The providers every install knows (presets); ``openai_base_url`` (Codex's config key of that name,
    which the Codex SDK passes as ``-c openai_base_url=...``), else ``OPENAI_BASE_URL``, moves the ``openai`` one.

    Wire APIs: Ollama (0.13.3 and later) and LM Studio (0.3.29 and later) serve ``/v1/responses``, and
    Codex's own ``ollama`` / ``lmstudio`` providers use it (it carries reasoning items forward and Codex
    has dropped ``wire_api = "chat"``), so those two presets use the Responses API too; an older Ollama
    answers 404 there (``-c model_providers.ollama.wire_api="chat"`` works with any version). vLLM and
    OpenRouter are used through Chat Completions, the API they implement fully. ``azure`` has no usable
    URL until the user sets ``[model_providers.azure] base_url = "https://<resource>.openai.azure.com/openai"``.
    """
    openai_url = (openai_base_url or environ.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_BASE_URL).rstrip("/")
    return {
        "openai": ProviderInfo(
            "openai",
            "OpenAI",
            openai_url,
            "OPENAI_API_KEY",
            WireApi.RESPONSES,
            env_http_headers={"OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT"},
            requires_key=openai_url == OPENAI_DEFAULT_BASE_URL,
            env_key_instructions="create a key at https://platform.openai.com/api-keys",
            override_env_keys=("CODEX_API_KEY",),
        ),
        "ollama": ProviderInfo("ollama", "Ollama", "http://localhost:11434/v1", None, WireApi.RESPONSES),
        "lmstudio": ProviderInfo("lmstudio", "LM Studio", "http://localhost:1234/v1", None, WireApi.RESPONSES),
        "vllm": ProviderInfo(
            "vllm",
            "vLLM",
            "http://localhost:8000/v1",
            "VLLM_API_KEY",
            WireApi.CHAT,
            env_key_instructions="the value given to `vllm serve --api-key` (omit when none)",
        ),
        "openrouter": ProviderInfo(
            "openrouter",
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            WireApi.CHAT,
            requires_key=True,
            env_key_instructions="create a key at https://openrouter.ai/settings/keys",
        ),
        "azure": ProviderInfo(
            "azure",
            "Azure OpenAI",
            "",
            "AZURE_OPENAI_API_KEY",
            WireApi.RESPONSES,
            query_params={"api-version": AZURE_API_VERSION},
            requires_key=True,
            env_key_instructions="copy a key from your Azure OpenAI resource (Resource Management > Keys and Endpoint)",
            auth_scheme=AuthScheme.API_KEY_HEADER,
        ),
        "anthropic": ProviderInfo(
            "anthropic",
            "Anthropic",
            "https://api.anthropic.com/v1",
            "ANTHROPIC_API_KEY",
            WireApi.ANTHROPIC,
            requires_key=True,
            env_key_instructions="create a key at https://console.anthropic.com/settings/keys",
            auth_scheme=AuthScheme.X_API_KEY,
        ),
    }


def provider_from_table(info: ProviderToml, key: str, base: ProviderInfo | None) -> ProviderInfo:
    """A ``[model_providers.<key>]`` table, merged over the built-in provider of the same id when there is one.

    Keys the table leaves out keep the built-in value; its maps are added to the built-in maps. As in
    Codex, a table that names an ``env_key`` requires that variable (``requires_openai_auth = true``
    requires the key too).

    Raises:
        ConfigError: a table that is not a preset has no ``base_url``.
    """
    if base is None and not info.base_url:
        raise ConfigError(f'model_providers.{key}: base_url is required, e.g. base_url = "http://localhost:8000/v1"')
    base = base or ProviderInfo(key, key, "", None, WireApi.RESPONSES)
    base_requires_key = base.requires_key
    if base.id == "openai" and info.base_url:  # as with OPENAI_BASE_URL: only OpenAI's own endpoint needs the key
        base_requires_key = info.base_url.rstrip("/") == OPENAI_DEFAULT_BASE_URL
    requires_key = base_requires_key or info.env_key is not None
    if info.requires_openai_auth is not None:
        requires_key = info.requires_openai_auth or info.env_key is not None
    wire_api = info.wire_api or base.wire_api
    auth_scheme = info.auth_scheme or base.auth_scheme
    if info.auth_scheme is None and wire_api is WireApi.ANTHROPIC and base.wire_api is not WireApi.ANTHROPIC:
        auth_scheme = AuthScheme.X_API_KEY  # the Messages API's own header, unless the table says otherwise
    return ProviderInfo(
        id=key,
        name=info.name or base.name,
        base_url=(info.base_url or base.base_url).rstrip("/"),
        env_key=info.env_key if info.env_key is not None else base.env_key,
        wire_api=wire_api,
        query_params={**base.query_params, **(info.query_params or {})},
        http_headers={**base.http_headers, **(info.http_headers or {})},
        env_http_headers={**base.env_http_headers, **(info.env_http_headers or {})},
        request_max_retries=min(info.request_max_retries, 100)
        if info.request_max_retries is not None
        else base.request_max_retries,
        stream_max_retries=min(info.stream_max_retries, 100)
        if info.stream_max_retries is not None
        else base.stream_max_retries,
        stream_idle_timeout_s=info.stream_idle_timeout_ms / 1000.0
        if info.stream_idle_timeout_ms
        else base.stream_idle_timeout_s,
        requires_key=requires_key,
        env_key_instructions=info.env_key_instructions or base.env_key_instructions,
        auth_scheme=auth_scheme,
        override_env_keys=base.override_env_keys if info.env_key is None else (),
    )
