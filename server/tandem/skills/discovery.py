"""Finding skills: the roots, the bounded folder walk, and each skill's metadata.

Roots (Codex's and Claude Code's, docs/reference-facts.md §10),
highest scope first:

- ``repo``: ``.agents/skills`` and ``.tandem/skills`` in every folder from the repository root (the
  nearest ancestor with ``.git``) down to the cwd, and ``.claude/skills`` in the same folders;
- ``user``: ``$TANDEM_HOME/skills``, ``~/.agents/skills``, ``~/.claude/skills``.

The ``.claude`` roots are read while ``skills.include_claude`` is on (the default). Each root is
walked breadth first to depth 6, at most 2000 folders per root; names starting with ``.`` and
``node_modules`` are skipped; symlinked folders are followed, each real folder visited once (so a
symlink cycle ends). Every ``SKILL.md`` found is a skill. A broken one is a :class:`SkillError`
naming the file (a warning), never an exception.

``agents/openai.yaml`` beside a ``SKILL.md`` may say ``policy: {allow_implicit_invocation: false}``
(Codex); Claude's ``disable-model-invocation: true`` says the same: the skill is used only when the
user names it. ``[[skills.config]]`` rules (``path`` or ``name``, ``enabled``) switch skills off or on,
later rules winning (Codex; docs/reference-facts.md §10).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from tandem.config import Config, SkillRule, find_project_root
from tandem.skills.frontmatter import (
    MAX_DESCRIPTION_LEN,
    MAX_NAME_LEN,
    SkillParseError,
    bool_field,
    parse_skill_text,
    text_field,
)

log = logging.getLogger(__name__)

SKILL_FILENAME = "SKILL.md"
MAX_SCAN_DEPTH = 6
MAX_DIRS_PER_ROOT = 2000
SKIPPED_NAMES = frozenset({"node_modules"})


class SkillScope(Enum):
    """Where a skill comes from; the order is the catalog's (``repo`` first, cut last)."""

    REPO = "repo"
    USER = "user"


class Invocation(Enum):
    """Who may start a skill: ``implicit`` (the model, from the catalog, or the user) or ``explicit``
    (only the user, with ``$name`` or a ``skill`` input item)."""

    IMPLICIT = "implicit"
    EXPLICIT = "explicit"


@dataclass(frozen=True, slots=True)
class SkillRoot:
    """A folder searched for skills and the scope of what it holds."""

    path: Path
    scope: SkillScope


@dataclass(frozen=True, slots=True)
class Skill:
    """One loaded skill. ``path`` is the absolute, resolved path of its ``SKILL.md``."""

    name: str
    description: str
    path: Path
    scope: SkillScope
    invocation: Invocation = Invocation.IMPLICIT
    user_invocable: bool = True
    enabled: bool = True
    license: str | None = None
    compatibility: str | None = None
    allowed_tools: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``tandem skills list --json`` / ``tandem/skills/list`` entry (camelCase keys)."""
        return {
            "name": self.name,
            "description": self.description,
            "path": str(self.path),
            "scope": self.scope.value,
            "enabled": self.enabled,
            "implicitInvocation": self.invocation is Invocation.IMPLICIT,
            "userInvocable": self.user_invocable,
        }


@dataclass(frozen=True, slots=True)
class SkillError:
    """A ``SKILL.md`` that could not be loaded: its path and why."""

    path: Path
    message: str


@dataclass(frozen=True, slots=True)
class SkillLoad:
    """What discovery found: the skills in catalog order and the files that failed."""

    skills: tuple[Skill, ...]
    errors: tuple[SkillError, ...]

    def enabled(self) -> list[Skill]:
        """The skills not switched off by ``[[skills.config]]``."""
        return [skill for skill in self.skills if skill.enabled]


def skill_roots(cwd: Path, tandem_home: Path, home: Path | None, include_claude: bool = True) -> list[SkillRoot]:
    """The roots searched for ``cwd``, in scope order, each once (see the module docstring)."""
    root = find_project_root(cwd)
    chain = [cwd, *cwd.parents]
    folders = list(reversed(chain[: chain.index(root) + 1])) if root in chain else [cwd]
    names = [".agents", ".tandem", *([".claude"] if include_claude else [])]
    roots = [SkillRoot(folder / name / "skills", SkillScope.REPO) for folder in reversed(folders) for name in names]
    roots.append(SkillRoot(tandem_home / "skills", SkillScope.USER))
    if home is not None:
        roots.append(SkillRoot(home / ".agents" / "skills", SkillScope.USER))
        if include_claude:
            roots.append(SkillRoot(home / ".claude" / "skills", SkillScope.USER))
    seen: set[Path] = set()
    unique = []
    for candidate in roots:
        if candidate.path not in seen:
            seen.add(candidate.path)
            unique.append(candidate)
    return unique


def find_skill_files(root: Path) -> list[Path]:
    """Every ``SKILL.md`` under ``root`` within the walk's limits, in walk order (sorted per folder).

    Unreadable folders are skipped (logged at debug level); a walk cut by the folder limit is
    logged as a warning naming the root.
    """
    try:
        start = root.resolve(strict=True)
    except (OSError, RuntimeError):
        return []
    if not start.is_dir():
        return []
    visited = {start}
    queue: deque[tuple[Path, int]] = deque([(start, 0)])
    found: list[Path] = []
    truncated = False
    while queue:
        folder, depth = queue.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            log.debug("cannot read skills folder %s: %s", folder, exc)
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIPPED_NAMES:
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if is_file and entry.name == SKILL_FILENAME:
                found.append(Path(entry.path))
            if not is_dir or depth + 1 > MAX_SCAN_DEPTH:
                continue
            try:
                real = Path(entry.path).resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if real in visited:
                continue
            if len(visited) >= MAX_DIRS_PER_ROOT:
                truncated = True
                continue
            visited.add(real)
            queue.append((real, depth + 1))
    if truncated:
        log.warning("skills scan of %s stopped after %d folders", root, MAX_DIRS_PER_ROOT)
    return found


def _implicit_allowed(skill_md: Path) -> bool | None:
    """``policy.allow_implicit_invocation`` of ``agents/openai.yaml`` beside ``skill_md``, if set.

    An unreadable or invalid file is ignored with a warning (Codex fails open here too)."""
    meta = skill_md.parent / "agents" / "openai.yaml"
    if not meta.is_file():
        return None
    try:
        loaded = yaml.safe_load(meta.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        log.warning("ignoring %s: %s", meta, exc)
        return None
    policy = loaded.get("policy") if isinstance(loaded, dict) else None
    value = policy.get("allow_implicit_invocation") if isinstance(policy, dict) else None
    return value if isinstance(value, bool) else None


def load_skill(path: Path, scope: SkillScope) -> Skill:
    """The skill whose ``SKILL.md`` is ``path`` (Codex's lenient reading: a missing ``name`` is the
    folder's name, a missing ``description`` is empty).

    Raises:
        SkillParseError: unreadable file, no or invalid front matter, ``name`` over 64 or
            ``description`` over 1024 characters — the message names the file.
    """
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SkillParseError(f"{path}: failed to read file: {exc}") from None
    front = parse_skill_text(text, path).front
    name = text_field(front, "name") or path.parent.name
    description = text_field(front, "description") or ""
    if len(name) > MAX_NAME_LEN:
        raise SkillParseError(f"{path}: invalid name: exceeds maximum length of {MAX_NAME_LEN} characters")
    if len(description) > MAX_DESCRIPTION_LEN:
        raise SkillParseError(
            f"{path}: invalid description: exceeds maximum length of {MAX_DESCRIPTION_LEN} characters"
        )
    explicit_only = bool_field(front, "disable-model-invocation") is True or _implicit_allowed(path) is False
    metadata = front.get("metadata")
    tools = front.get("allowed-tools")
    return Skill(
        name=name,
        description=description,
        path=path.resolve(),
        scope=scope,
        invocation=Invocation.EXPLICIT if explicit_only else Invocation.IMPLICIT,
        user_invocable=bool_field(front, "user-invocable") is not False,
        license=text_field(front, "license"),
        compatibility=text_field(front, "compatibility"),
        allowed_tools=" ".join(map(str, tools)) if isinstance(tools, list) else text_field(front, "allowed-tools"),
        metadata=metadata if isinstance(metadata, dict) else {},
    )


def disabled_paths(skills: Iterable[Skill], rules: Sequence[SkillRule]) -> set[Path]:
    """The ``SKILL.md`` paths ``rules`` switch off, applied in order (a later rule wins)."""
    listed = list(skills)
    off: set[Path] = set()
    for rule in rules:
        if rule.path is not None:
            targets = [rule.path.expanduser().resolve()]
        else:
            targets = [skill.path for skill in listed if skill.name == rule.name]
        for target in targets:
            if rule.enabled:
                off.discard(target)
            else:
                off.add(target)
    return off


def discover(roots: Sequence[SkillRoot], rules: Sequence[SkillRule] = ()) -> SkillLoad:
    """Load every skill under ``roots``: each file once (the first root that reaches it), sorted by
    scope, then name, then path; broken files become :class:`SkillError` and a log warning."""
    skills: list[Skill] = []
    errors: list[SkillError] = []
    seen: set[Path] = set()
    for root in roots:
        for path in find_skill_files(root.path):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                skills.append(load_skill(path, root.scope))
            except SkillParseError as exc:
                log.warning("skipping skill %s", exc)
                errors.append(SkillError(path, str(exc).removeprefix(f"{path}: ")))
    order = list(SkillScope)
    skills.sort(key=lambda skill: (order.index(skill.scope), skill.name, str(skill.path)))
    off = disabled_paths(skills, rules)
    skills = [replace(skill, enabled=False) if skill.path in off else skill for skill in skills]
    return SkillLoad(tuple(skills), tuple(errors))


def home_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's home folder (``$HOME``), or ``None`` when unset."""
    value = (os.environ if environ is None else environ).get("HOME")
    return Path(value) if value else None


def load_for_config(config: Config, environ: Mapping[str, str] | None = None) -> SkillLoad:
    """The skills a thread with ``config`` sees (its cwd, ``$TANDEM_HOME``, ``$HOME``, the
    ``[skills]`` settings)."""
    roots = skill_roots(config.cwd, config.tandem_home, home_dir(environ), config.skills.include_claude)
    return discover(roots, config.skills.rules)
