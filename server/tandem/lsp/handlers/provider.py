"""``tandem/provider/*``: what an editor's first-run setup view needs from the server.

- ``tandem/provider/status`` says whether the configured provider can be used (the server knows: the
  same :func:`~tandem.config.load_config` and :func:`~tandem.config.require_credentials` a new thread
  runs) and lists the presets of ``server/tandem/providers.py`` for the view's provider dropdown.
- ``tandem/provider/test`` runs ``tandem doctor``'s provider probe (``tandem/model/probe.py``) for a
  provider, base URL and model the user is about to save.

Keys never travel in these requests: the server reads them from its environment (each provider's
``env_key`` variable), where the editor puts them when it starts the server. Handlers take
``(hub, params)``; see :mod:`tandem.lsp.app`.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tandem.config import (
    DEFAULT_ANTHROPIC_MODEL,
    DEFAULT_MODEL,
    CliOverrides,
    ProviderInfo,
    built_in_providers,
    load_config,
    require_credentials,
)
from tandem.config_enums import WireApi
from tandem.errors import ConfigError, InvalidParamsError
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.protocol.enums import ProviderState
from tandem.protocol.items import dump
from tandem.protocol.messages import (
    ProviderPreset,
    ProviderStatusParams,
    ProviderStatusResult,
    ProviderTestParams,
    ProviderTestResult,
)

SETUP_ORDER = ("openai", "anthropic", "openrouter", "azure", "ollama", "lmstudio", "vllm")
"""The order a setup view lists the presets in: hosted providers first, then local servers."""


def _preset(info: ProviderInfo) -> ProviderPreset:
    return ProviderPreset(
        id=info.id,
        name=info.name,
        base_url=info.base_url,
        env_key=info.env_key,
        requires_key=info.requires_key,
        wire_api=info.wire_api.value,
        default_model=DEFAULT_ANTHROPIC_MODEL if info.wire_api is WireApi.ANTHROPIC else DEFAULT_MODEL,
        env_key_instructions=info.env_key_instructions,
    )


def setup_presets() -> list[ProviderPreset]:
    """The built-in providers at their default URLs (``OPENAI_BASE_URL`` ignored), in :data:`SETUP_ORDER`."""
    presets = built_in_providers({})
    ordered = [presets[key] for key in SETUP_ORDER if key in presets]
    ordered += [info for key, info in presets.items() if key not in SETUP_ORDER]
    return [_preset(info) for info in ordered]


def provider_overrides(provider_id: str, base_url: str | None, wire_api: str | None) -> tuple[str, ...]:
    """``-c`` overrides (:func:`tandem.config.parse_override` syntax) that point ``provider_id`` at
    ``base_url`` and ``wire_api`` — what the VS Code extension passes as ``tandem lsp`` arguments for
    its ``tandem.baseUrl`` / ``tandem.wireApi`` settings.

    Raises:
        InvalidParamsError: ``wire_api`` is not ``responses``, ``chat`` or ``anthropic``.
    """
    overrides: list[str] = []
    if base_url:
        overrides.append(f"model_providers.{provider_id}.base_url={json.dumps(base_url.strip())}")
    if wire_api:
        try:
            api = WireApi(wire_api)
        except ValueError as exc:
            known = ", ".join(w.value for w in WireApi)
            raise InvalidParamsError(f"wireApi: {wire_api!r} is not one of {known}") from exc
        overrides.append(f'model_providers.{provider_id}.wire_api="{api.value}"')
    return tuple(overrides)


async def provider_status(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/provider/status``: the configured provider's state; no network request is made."""
    parse_params(ProviderStatusParams, request)
    presets = setup_presets()
    try:
        config = load_config(hub.root(), hub.defaults)
    except ConfigError as exc:
        return dump(ProviderStatusResult(state=ProviderState.CONFIG_ERROR, error=exc.message, presets=presets))
    provider = config.provider
    state, error = ProviderState.READY, None
    try:
        require_credentials(config)
    except ConfigError as exc:
        state, error = ProviderState.MISSING_KEY, exc.message
    return dump(
        ProviderStatusResult(
            state=state,
            provider=provider.id,
            provider_name=provider.name,
            model=config.model,
            base_url=provider.base_url,
            env_key=provider.env_key,
            key_set=provider.api_key(os.environ) is not None,
            error=error,
            presets=presets,
        )
    )


async def provider_test(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/provider/test``: probe the given provider (unset fields: the server's configuration).

    Raises:
        ConfigError: the provider cannot be resolved (unknown id, a preset without a base URL).
        InvalidParamsError: a bad ``wireApi``.
    """
    from tandem.model.probe import probe_provider  # httpx: only when a probe is asked for

    params = parse_params(ProviderTestParams, request)
    defaults = hub.defaults
    provider_id = params.provider or (
        (defaults.provider or "openai") if params.base_url or params.wire_api else defaults.provider
    )
    overrides = provider_overrides(provider_id, params.base_url, params.wire_api) if provider_id else ()
    cli = CliOverrides(
        model=params.model or defaults.model,
        provider=provider_id,
        oss=defaults.oss and provider_id is None,
        config_overrides=(*defaults.config_overrides, *overrides),
    )
    config = load_config(hub.root(), cli)
    result = await probe_provider(config.provider, config.model)
    return dump(
        ProviderTestResult(
            ok=result.ok,
            provider=result.provider_id,
            provider_name=result.provider_name,
            url=result.url,
            model=result.model,
            status=result.status,
            models=list(result.models),
            model_listed=result.model_listed,
            key_var=result.key_var,
            key_set=result.key_set,
            error=result.error,
            hint=result.hint,
            elapsed_ms=round(result.elapsed_ms, 1),
        )
    )
