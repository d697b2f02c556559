"""Explicit skill use: ``$name`` mentions, ``skill`` input items, and the injected ``<skill>`` block.

Codex's rules (docs/reference-facts.md §10):

- a mention is ``$`` followed by name characters ``[A-Za-z0-9_:-]``; ``$PATH``, ``$HOME`` and the
  other common environment variables are not mentions; ``[$name](/abs/path/SKILL.md)`` names a skill
  by its path;
- ``skill{name, path}`` items select by path first; a plain ``$name`` selects a skill only when
  exactly one enabled skill has that name (and not one a ``skill`` item of the same input named);
- each selected skill becomes a ``user`` message
  ``<skill>\\n<name>NAME</name>\\n<path>PATH</path>\\nCONTENTS\\n</skill>`` recorded after the user's
  message.

Tandem's additions (the issue's): a skill is injected once per thread — a skill whose block is
already in the history is not injected again — and after a compaction the blocks of the skills
active before it are carried into the new history (:func:`active_skill_blocks`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tandem.protocol import JsonDict
from tandem.skills.discovery import Skill

OPEN_TAG = "<skill>"
CLOSE_TAG = "</skill>"
_NAME_CHARS = r"[A-Za-z0-9_:\-]"
_LINKED = re.compile(rf"\[\$({_NAME_CHARS}+)\]\s*\(([^)]*)\)")
_PLAIN = re.compile(rf"\$({_NAME_CHARS}+)")
_BLOCK = re.compile(r"^<skill>\n<name>(.*?)</name>\n<path>(.*?)</path>\n", re.DOTALL)
COMMON_ENV_VARS = frozenset(
    {"PATH", "HOME", "USER", "SHELL", "PWD", "TMPDIR", "TEMP", "TMP", "LANG", "TERM", "XDG_CONFIG_HOME"}
)


@dataclass(frozen=True, slots=True)
class Mentions:
    """What one text mentions: plain ``$name``s and ``[$name](path)`` paths."""

    names: frozenset[str]
    paths: frozenset[str]


def extract_mentions(text: str) -> Mentions:
    """The ``$name`` and ``[$name](path)`` mentions of ``text`` (environment variables left out)."""
    paths: set[str] = set()
    linked_spans: list[tuple[int, int]] = []
    for match in _LINKED.finditer(text):
        if match.group(1).upper() not in COMMON_ENV_VARS:
            paths.add(match.group(2).strip().removeprefix("skill://"))
        linked_spans.append(match.span())
    names: set[str] = set()
    for match in _PLAIN.finditer(text):
        if any(start <= match.start() < end for start, end in linked_spans):
            continue
        if match.group(1).upper() not in COMMON_ENV_VARS:
            names.add(match.group(1))
    return Mentions(frozenset(names), frozenset(paths))


def select_skills(texts: Iterable[str], items: Iterable[tuple[str, str]], skills: Sequence[Skill]) -> list[Skill]:
    """The enabled skills one input names, without repeats: ``items`` (``(name, path)`` of its
    ``skill`` items) first, then linked paths, then unambiguous plain names, in ``skills`` order."""
    enabled = [skill for skill in skills if skill.enabled]
    counts = Counter(skill.name for skill in enabled)
    by_path = {str(skill.path): skill for skill in enabled}
    selected: list[Skill] = []
    blocked: set[str] = set()

    def take(skill: Skill | None) -> None:
        if skill is not None and skill not in selected:
            selected.append(skill)

    for name, path in items:
        blocked.add(name)
        take(by_path.get(_normal(path)))
    mentions = [extract_mentions(text) for text in texts]
    wanted_paths = {_normal(path) for mention in mentions for path in mention.paths}
    wanted_names = {name for mention in mentions for name in mention.names}
    for skill in enabled:
        if str(skill.path) in wanted_paths:
            take(skill)
    for skill in enabled:
        if skill.name in wanted_names and skill.name not in blocked and counts[skill.name] == 1:
            take(skill)
    return selected


def _normal(path: str) -> str:
    try:
        return str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError):
        return path


def skill_block(name: str, path: Path, contents: str) -> str:
    """The injected text: ``<skill>\\n<name>…</name>\\n<path>…</path>\\n{contents}\\n</skill>``."""
    return f"{OPEN_TAG}\n<name>{name}</name>\n<path>{path}</path>\n{contents}\n{CLOSE_TAG}"


def skill_message(skill: Skill) -> JsonDict:
    """The ``user`` message injecting ``skill`` (its ``SKILL.md`` read now, whole).

    Raises:
        OSError, UnicodeDecodeError: the file cannot be read (the caller warns and goes on).
    """
    text = skill_block(skill.name, skill.path, skill.path.read_text("utf-8"))
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def _message_text(item: JsonDict) -> str:
    parts = item.get("content") or []
    return "".join(str(part.get("text", "")) for part in parts if isinstance(part, dict))


def injected_path(item: JsonDict) -> str | None:
    """The ``SKILL.md`` path of a history item that is an injected ``<skill>`` block, else ``None``."""
    if item.get("type") != "message" or item.get("role") != "user":
        return None
    match = _BLOCK.match(_message_text(item))
    return match.group(2) if match else None


def injected_paths(history: Iterable[JsonDict]) -> set[str]:
    """The paths of every skill already injected into ``history``."""
    return {path for item in history if (path := injected_path(item)) is not None}


def active_skill_blocks(history: Sequence[JsonDict]) -> list[JsonDict]:
    """The injected ``<skill>`` messages of ``history``, the last copy of each path, in the order
    they were first injected — what a compaction carries into the new history."""
    last: dict[str, JsonDict] = {}
    for item in history:
        path = injected_path(item)
        if path is not None:
            last.setdefault(path, item)
            last[path] = item
    return list(last.values())
