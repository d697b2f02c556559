"""A small catalogue of models: context windows (tokens), for token accounting and auto-compaction,
and the models a picker offers with the reasoning efforts each takes (:data:`MODELS`).

Figures are the input context windows providers publish; a model that is not listed has no
known window (no automatic compaction unless ``model_context_window`` or
``model_auto_compact_token_limit`` is configured, as in Codex's config).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-5.5": 272_000,
    "gpt-5": 272_000,
    "gpt-5-codex": 272_000,
    "gpt-5-mini": 272_000,
    "gpt-5-nano": 272_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "codex-mini-latest": 200_000,
    "gpt-oss:20b": 131_072,
    "gpt-oss:120b": 131_072,
    "gpt-oss-20b": 131_072,
    "gpt-oss-120b": 131_072,
    "claude-sonnet-4-5": 200_000,
    "claude-opus-4-1": 200_000,
}


def context_window(model: str) -> int | None:
    """The context window of ``model`` in tokens: exact slug, else the longest catalogued prefix
    (``gpt-5.5-2026-03-01`` -> ``gpt-5.5``), else ``None``."""
    if model in CONTEXT_WINDOWS:
        return CONTEXT_WINDOWS[model]
    matches = [slug for slug in CONTEXT_WINDOWS if model.startswith(slug + "-")]
    return CONTEXT_WINDOWS[max(matches, key=len)] if matches else None


class ModelFamily(StrEnum):
    """Which models a provider serves, for the model picker (``tandem/model/list``)."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OPEN_WEIGHT = "open-weight"


@dataclass(frozen=True, slots=True)
class CatalogModel:
    """A model the picker offers: ``efforts`` are the reasoning efforts it takes (empty: none),
    ``default_effort`` the one the provider uses when none is sent."""

    slug: str
    display_name: str
    family: ModelFamily
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None

    @property
    def context_window(self) -> int | None:
        """The model's context window in tokens (:func:`context_window`)."""
        return context_window(self.slug)


_GPT5 = ("minimal", "low", "medium", "high")
_O_SERIES = ("low", "medium", "high")

MODELS: tuple[CatalogModel, ...] = (
    CatalogModel("gpt-5.5", "GPT-5.5", ModelFamily.OPENAI, _GPT5, "medium"),
    CatalogModel("gpt-5-codex", "GPT-5 Codex", ModelFamily.OPENAI, _O_SERIES, "medium"),
    CatalogModel("gpt-5", "GPT-5", ModelFamily.OPENAI, _GPT5, "medium"),
    CatalogModel("gpt-5-mini", "GPT-5 mini", ModelFamily.OPENAI, _GPT5, "medium"),
    CatalogModel("gpt-5-nano", "GPT-5 nano", ModelFamily.OPENAI, _GPT5, "medium"),
    CatalogModel("o3", "o3", ModelFamily.OPENAI, _O_SERIES, "medium"),
    CatalogModel("o4-mini", "o4-mini", ModelFamily.OPENAI, _O_SERIES, "medium"),
    CatalogModel("codex-mini-latest", "codex-mini", ModelFamily.OPENAI, _O_SERIES, "medium"),
    CatalogModel("gpt-4.1", "GPT-4.1", ModelFamily.OPENAI),
    CatalogModel("gpt-4.1-mini", "GPT-4.1 mini", ModelFamily.OPENAI),
    CatalogModel("gpt-4o", "GPT-4o", ModelFamily.OPENAI),
    CatalogModel("gpt-4o-mini", "GPT-4o mini", ModelFamily.OPENAI),
    CatalogModel("claude-sonnet-4-5", "Claude Sonnet 4.5", ModelFamily.ANTHROPIC, ("none", *_O_SERIES), "none"),
    CatalogModel("claude-opus-4-1", "Claude Opus 4.1", ModelFamily.ANTHROPIC, ("none", *_O_SERIES), "none"),
    CatalogModel("gpt-oss:20b", "gpt-oss 20b", ModelFamily.OPEN_WEIGHT, _O_SERIES, "medium"),
    CatalogModel("gpt-oss:120b", "gpt-oss 120b", ModelFamily.OPEN_WEIGHT, _O_SERIES, "medium"),
)
"""The picker's models, in the order offered. Efforts after Codex's model presets (OpenAI) and the
thinking budgets of :mod:`tandem.model.anthropic_request` (Anthropic: ``none`` = no extended thinking)."""


def catalog_model(model: str) -> CatalogModel | None:
    """The catalogue entry of ``model``: exact slug, else the longest catalogued prefix
    (``gpt-5-codex-2026`` -> ``gpt-5-codex``), else ``None``."""
    for entry in MODELS:
        if entry.slug == model:
            return entry
    matches = [entry for entry in MODELS if model.startswith(entry.slug + "-")]
    return max(matches, key=lambda entry: len(entry.slug)) if matches else None


def models_of(family: ModelFamily) -> list[CatalogModel]:
    """The catalogued models of one family, in offer order."""
    return [entry for entry in MODELS if entry.family is family]
