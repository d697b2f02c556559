"""``tandem/model/list``: the models a picker offers, from the catalogue (``model/catalog.py``)."""

from __future__ import annotations

from typing import Any

from tandem.config import Config
from tandem.config_enums import WireApi
from tandem.errors import NotFoundError
from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.model.catalog import CatalogModel, ModelFamily, catalog_model, context_window, models_of
from tandem.protocol.enums import ReasoningEffort
from tandem.protocol.items import dump
from tandem.protocol.messages import ModelInfo, ModelListParams, ModelListResult


def family_of(config: Config) -> ModelFamily | None:
    """Which catalogued models the configured provider serves under their catalogue slugs: OpenAI's
    (OpenAI, Azure), Anthropic's (the Anthropic wire format), the open-weight ones (Ollama's names);
    ``None`` for any other provider (OpenRouter, LM Studio, vLLM, a custom table), whose model names
    the catalogue does not know — the picker then offers the configured model only."""
    if config.provider.wire_api is WireApi.ANTHROPIC:
        return ModelFamily.ANTHROPIC
    if config.provider.id in ("openai", "azure"):
        return ModelFamily.OPENAI
    if config.provider.id == "ollama":
        return ModelFamily.OPEN_WEIGHT
    return None


def model_info(entry: CatalogModel) -> ModelInfo:
    """The wire form of a catalogue entry."""
    efforts = [ReasoningEffort(e) for e in entry.efforts]
    return ModelInfo(
        id=entry.slug,
        display_name=entry.display_name,
        supports_reasoning_effort=bool(efforts),
        efforts=efforts or None,
        default_effort=ReasoningEffort(entry.default_effort) if entry.default_effort else None,
        context_window=entry.context_window,
    )


def list_models(config: Config) -> ModelListResult:
    """The provider's catalogued models, with ``config.model`` first when the catalogue does not list
    it among them (a model the catalogue does not know takes no effort from the picker)."""
    family = family_of(config)
    models = [model_info(entry) for entry in models_of(family)] if family is not None else []
    if all(m.id != config.model for m in models):
        known = catalog_model(config.model)
        models.insert(
            0,
            model_info(known)
            if known is not None
            else ModelInfo(
                id=config.model,
                display_name=config.model,
                supports_reasoning_effort=False,
                context_window=config.model_context_window or context_window(config.model),
            ),
        )
    return ModelListResult(
        models=models,
        current=config.model,
        current_effort=config.model_reasoning_effort,
        provider=config.provider.id,
        provider_name=config.provider.name,
        approval_policy=config.approval_policy,
        sandbox_mode=config.sandbox_mode,
    )


async def model_list(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``tandem/model/list``: ``current`` is the thread's model when ``threadId`` names a loaded thread,
    else the configured one."""
    params = parse_params(ModelListParams, request)
    config = hub.settings()
    if params.thread_id is not None:
        try:
            config = hub.get(params.thread_id).config
        except NotFoundError:
            pass
    return dump(list_models(config))
