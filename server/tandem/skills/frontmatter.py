"""Reading and checking a ``SKILL.md``: its YAML front matter and its body.

The format is the open Agent Skills format (agentskills.io specification, as Codex and Claude Code
read it; docs/reference-facts.md §10):

- the file starts with a line ``---``, then YAML, then a line ``---``, then the Markdown body
  (Codex's loader, docs/reference-facts.md §10 — an empty front matter or a
  missing closing line is "missing YAML frontmatter delimited by ---");
- ``name`` (≤ 64 characters; the spec: lowercase letters, digits and hyphens, no leading, trailing or
  doubled hyphen, the same as the skill's folder), ``description`` (≤ 1024), ``license``,
  ``compatibility`` (≤ 500), ``metadata`` (a map of strings), ``allowed-tools`` (a space-separated
  string);
- Claude Code's ``disable-model-invocation`` and ``user-invocable`` booleans.

:func:`parse_skill_text` is the loader's lenient reading (Codex's: a missing name is the folder's
name, a missing description is empty); :func:`check_skill_text` is ``tandem skills validate``'s
strict one, returning every problem with its line. The YAML is parsed by PyYAML (``safe_load``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from tandem.errors import TandemError

MAX_NAME_LEN = 64
MAX_DESCRIPTION_LEN = 1024
MAX_COMPATIBILITY_LEN = 500
KNOWN_FIELDS = frozenset(
    {
        "name",
        "description",
        "license",
        "compatibility",
        "metadata",
        "allowed-tools",
        "disable-model-invocation",
        "user-invocable",
        # Claude Code fields we accept without using them.
        "argument-hint",
        "model",
        "context",
        "agent",
        "hooks",
        "version",
    }
)
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class SkillParseError(TandemError):
    """A ``SKILL.md`` that cannot be loaded; the message names the file and the reason."""


class Severity(Enum):
    """How bad a :class:`Problem` is: an error makes the skill unusable or breaks the spec."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of :func:`check_skill_text`; ``line`` is 0-based (the line of the key, or 0)."""

    severity: Severity
    message: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class SkillText:
    """A parsed ``SKILL.md``: the front matter mapping, the body after it, the body's first line."""

    front: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int] = field(default_factory=dict)


def single_line(text: str) -> str:
    """Whitespace runs (newlines included) collapsed to one space, trimmed (Codex's ``sanitize_single_line``)."""
    return " ".join(text.split())


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """``(yaml_text, body, body_line)`` of a ``SKILL.md``, or ``None`` without front matter.

    The first line must be ``---`` (surrounding spaces allowed) and a later line ``---`` closes it;
    ``body_line`` is the 0-based line where the body starts.
    """
    lines = text.splitlines()
    if not lines or lines[0].lstrip("\ufeff").strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            front = "\n".join(lines[1:index])
            if not front.strip():
                return None
            return front, "\n".join(lines[index + 1 :]), index + 1
    return None


def parse_skill_text(text: str, path: Path) -> SkillText:
    """The front matter and body of ``text`` (the contents of ``path``).

    Raises:
        SkillParseError: no front matter, invalid YAML, front matter that is not a mapping.
    """
    split = split_front_matter(text)
    if split is None:
        raise SkillParseError(f"{path}: missing YAML frontmatter delimited by ---")
    front_text, body, body_line = split
    try:
        loaded = yaml.safe_load(front_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise SkillParseError(f"{path}: invalid YAML{where}: {reason}") from None
    if not isinstance(loaded, dict):
        raise SkillParseError(f"{path}: the front matter is not a YAML mapping of keys to values")
    key_lines: dict[str, int] = {}
    for number, line in enumerate(front_text.splitlines(), start=1):
        match = re.match(r"^([A-Za-z0-9_-]+)\s*:", line)
        if match and match.group(1) not in key_lines:
            key_lines[match.group(1)] = number
    return SkillText({str(key): value for key, value in loaded.items()}, body, body_line, key_lines)


def text_field(front: dict[str, Any], key: str) -> str | None:
    """``front[key]`` as one line of text, or ``None`` when absent; numbers and booleans become text."""
    value = front.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    return single_line(str(value))


def bool_field(front: dict[str, Any], key: str) -> bool | None:
    """``front[key]`` as a boolean (YAML booleans, or the strings ``true``/``false``), else ``None``."""
    value = front.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def check_front(parsed: SkillText, folder_name: str) -> list[Problem]:
    """Every way ``parsed`` breaks the Agent Skills spec (errors) or looks wrong (warnings)."""
    front, lines = parsed.front, parsed.key_lines
    problems: list[Problem] = []

    def add(severity: Severity, key: str, text: str) -> None:
        problems.append(Problem(severity, text, lines.get(key, 0)))

    name = front.get("name")
    if name is None:
        add(Severity.ERROR, "name", "missing field `name`")
    elif not isinstance(name, str) or not name.strip():
        add(Severity.ERROR, "name", "`name` must be a non-empty string")
    else:
        if len(name) > MAX_NAME_LEN:
            add(Severity.ERROR, "name", f"`name` is {len(name)} characters; the limit is {MAX_NAME_LEN}")
        if not _NAME_RE.match(name):
            add(
                Severity.WARNING,
                "name",
                "`name` should be lowercase letters, digits and single hyphens (not at either end)",
            )
        if name != folder_name:
            add(Severity.WARNING, "name", f"`name` is {name!r} but the skill's folder is {folder_name!r}")
    description = front.get("description")
    if description is None:
        add(Severity.ERROR, "description", "missing field `description`")
    elif not isinstance(description, str) or not description.strip():
        add(Severity.ERROR, "description", "`description` must be a non-empty string")
    elif len(description) > MAX_DESCRIPTION_LEN:
        add(
            Severity.ERROR,
            "description",
            f"`description` is {len(description)} characters; the limit is {MAX_DESCRIPTION_LEN}",
        )
    compatibility = front.get("compatibility")
    if compatibility is not None and (not isinstance(compatibility, str) or len(compatibility) > MAX_COMPATIBILITY_LEN):
        add(
            Severity.ERROR,
            "compatibility",
            f"`compatibility` must be a string of at most {MAX_COMPATIBILITY_LEN} characters",
        )
    if "license" in front and not isinstance(front["license"], str):
        add(Severity.WARNING, "license", "`license` should be a string")
    metadata = front.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(k, str) for k in metadata)):
        add(Severity.ERROR, "metadata", "`metadata` must be a mapping of string keys to values")
    tools = front.get("allowed-tools")
    if tools is not None and not isinstance(tools, (str, list)):
        add(Severity.ERROR, "allowed-tools", "`allowed-tools` must be a space-separated string")
    for key in ("disable-model-invocation", "user-invocable"):
        if key in front and bool_field(front, key) is None:
            add(Severity.ERROR, key, f"`{key}` must be true or false")
    for key in sorted(set(front) - KNOWN_FIELDS):
        add(Severity.WARNING, key, f"unknown field `{key}` (ignored)")
    return problems


def check_skill_text(text: str, path: Path) -> list[Problem]:
    """Every problem of the ``SKILL.md`` at ``path`` whose contents are ``text``, front matter first.

    A file that cannot be parsed gives one error (at the YAML error's line when known).
    """
    try:
        parsed = parse_skill_text(text, path)
    except SkillParseError as exc:
        message = str(exc).removeprefix(f"{path}: ")
        match = re.search(r"\(line (\d+)\)", message)
        return [Problem(Severity.ERROR, message, int(match.group(1)) - 1 if match else 0)]
    problems = check_front(parsed, path.parent.name)
    if not parsed.body.strip():
        problems.append(
            Problem(Severity.WARNING, "the skill has no instructions after its front matter", parsed.body_line)
        )
    return problems
