"""A small catalogue of models' context windows (tokens), for token accounting and auto-compaction.

Figures are the input context windows providers publish; a model that is not listed has no
known window (no automatic compaction unless ``model_context_window`` or
``model_auto_compact_token_limit`` is configured, as in Codex's config).
"""

from __future__ import annotations

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
