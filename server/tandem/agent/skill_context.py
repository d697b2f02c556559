"""Skills in a thread: the catalog in its initial context, and the ``<skill>`` blocks a turn's
input asks for (:mod:`tandem.skills`; docs/reference-facts.md §10).

- :func:`catalog_messages` — a ``developer`` message holding ``<skills_instructions>``, recorded with
  the rest of the initial context (thread start, and again after a compaction); when the budget cut
  skills, a warning tells the user how many.
- :func:`skill_injections` — the ``<skill>`` user messages for the skills one input names (``$name``,
  ``[$name](path)``, ``skill`` items) that the thread's history does not hold yet: once per thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tandem.config import Config
from tandem.model.catalog import context_window
from tandem.protocol import JsonDict
from tandem.protocol.items import InputItem, SkillInput, TextInput
from tandem.skills.catalog import build_catalog
from tandem.skills.discovery import load_for_config
from tandem.skills.inject import injected_paths, select_skills, skill_message

log = logging.getLogger(__name__)


def catalog_messages(config: Config) -> list[JsonDict]:
    """``[developer message]`` with the skills catalog, or ``[]`` when no skill is listed."""
    load = load_for_config(config)
    catalog = build_catalog(load.skills, config.model_context_window or context_window(config.model))
    if catalog.omitted:
        log.warning(
            "%d skill(s) left out of the skills list in the prompt (it may use at most 2%% of the "
            "context window); name them with $name to use them",
            catalog.omitted,
        )
    if catalog.text is None:
        return []
    return [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": catalog.text}]}]


def skill_injections(config: Config, input_items: Sequence[InputItem], history: Sequence[JsonDict]) -> list[JsonDict]:
    """The ``<skill>`` messages to record after the user's message for ``input_items``.

    A skill already injected into ``history`` is skipped; one whose file cannot be read now is
    skipped with a warning naming it (the turn goes on).
    """
    texts = [item.text for item in input_items if isinstance(item, TextInput)]
    picked = [(item.name, item.path) for item in input_items if isinstance(item, SkillInput)]
    if not picked and not any("$" in text for text in texts):
        return []
    selected = select_skills(texts, picked, load_for_config(config).skills)
    done = injected_paths(history)
    messages: list[JsonDict] = []
    for skill in selected:
        if str(skill.path) in done:
            continue
        try:
            messages.append(skill_message(skill))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Failed to load skill %s at %s: %s", skill.name, skill.path, exc)
    return messages
