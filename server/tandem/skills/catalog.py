"""The ``<skills_instructions>`` section of the prompt: the skills the model may open on its own.

The text is Codex's (docs/reference-facts.md §10): a ``## Skills`` heading, one line per skill
``- name: description (file: /abs/path/SKILL.md)`` under ``### Available skills``, then
``### How to use skills`` with Codex's rules on when to open a skill and how. It goes in a
``developer`` message of the thread's initial context, like Codex's developer sections.

Only enabled skills the model may invoke are listed (``disable-model-invocation`` or
``policy.allow_implicit_invocation: false`` keep a skill out). The order is discovery's (scope,
name, path): stable, so the prompt-cache prefix is too.

Budget (Tandem's): each description at most :data:`MAX_DESCRIPTION_CHARS` characters in the catalog
(cut with ``…``); the whole section at most :data:`CATALOG_WINDOW_FRACTION` of the context window
(estimated at 4 characters per token; a model without a known window is budgeted as
:data:`DEFAULT_WINDOW_TOKENS`). Over budget, skills are dropped from the end — the user scope before
the repository's — and :attr:`Catalog.omitted` says how many, for the warning the user sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tandem.skills.discovery import Invocation, Skill

OPEN_TAG = "<skills_instructions>"
CLOSE_TAG = "</skills_instructions>"
MAX_DESCRIPTION_CHARS = 1536
CATALOG_WINDOW_FRACTION = 0.02
DEFAULT_WINDOW_TOKENS = 128_000
CHARS_PER_TOKEN = 4

_INTRO = (
    "A skill is a set of local instructions to follow that is stored in a `SKILL.md` file. Below is the "
    "list of skills that can be used. Each entry includes a name, description, and file path so you can "
    "open the source for full instructions when using a specific skill."
)


@cache
def how_to_use_skills() -> str:
    """Codex's ``### How to use skills`` rules, verbatim (``how_to_use_skills.md`` beside this module)."""
    return resources.files("tandem.skills").joinpath("how_to_use_skills.md").read_text("utf-8").rstrip("\n")


@dataclass(frozen=True, slots=True)
class Catalog:
    """The rendered section (``None`` when no skill is listed), the skills listed, and how many
    implicit skills the budget left out."""

    text: str | None
    listed: tuple[Skill, ...]
    omitted: int


def catalog_line(skill: Skill) -> str:
    """``- name: description (file: /abs/path/SKILL.md)``, the description cut to 1,536 characters."""
    description = skill.description
    if len(description) > MAX_DESCRIPTION_CHARS:
        description = description[: MAX_DESCRIPTION_CHARS - 1].rstrip() + "…"
    path = str(skill.path).replace("\\", "/")
    return f"- {skill.name}: {description} (file: {path})"


def _render(lines: Sequence[str]) -> str:
    body = "\n".join(
        ["## Skills", _INTRO, "### Available skills", *lines, "### How to use skills", how_to_use_skills()]
    )
    return f"{OPEN_TAG}\n{body}\n{CLOSE_TAG}"


def budget_chars(context_window: int | None) -> int:
    """The most characters the section may have for a model with ``context_window`` tokens."""
    window = context_window or DEFAULT_WINDOW_TOKENS
    return int(window * CATALOG_WINDOW_FRACTION * CHARS_PER_TOKEN)


def build_catalog(skills: Sequence[Skill], context_window: int | None) -> Catalog:
    """The catalog of the enabled, implicitly invocable ``skills`` (in their given order) within the
    budget for ``context_window`` tokens (``None``: unknown)."""
    eligible = [skill for skill in skills if skill.enabled and skill.invocation is Invocation.IMPLICIT]
    if not eligible:
        return Catalog(None, (), 0)
    lines = [catalog_line(skill) for skill in eligible]
    limit = budget_chars(context_window)
    size = len(_render(lines))
    kept = len(lines)
    while kept > 0 and size > limit:
        kept -= 1
        size -= len(lines[kept]) + 1
    if kept == 0:
        return Catalog(None, (), len(eligible))
    return Catalog(_render(lines[:kept]), tuple(eligible[:kept]), len(eligible) - kept)
