"""Where hooks are defined and what a definition says (docs/reference-facts.md §11).

Sources, in firing order (lowest precedence first, as Codex walks its config layers):

1. ``$TANDEM_HOME/hooks.json``, then ``[hooks]`` in ``$TANDEM_HOME/config.toml``;
2. in a trusted project only (``[projects."<root>"] trust_level = "trusted"``): ``<root>/.tandem/hooks.json``,
   then ``[hooks]`` in ``<root>/.tandem/config.toml``. An untrusted project's hooks are never run: a
   workspace the agent can write must not be able to run commands outside the sandbox.

Shape (Claude Code's and Codex's ``hooks.json``; in TOML the same tables)::

    {"hooks": {"PreToolUse": [{"matcher": "Bash|apply_patch",
                               "hooks": [{"type": "command", "command": "...", "timeout": 30}]}]}}

``timeout`` is in seconds (``timeoutSec`` is accepted too, as in Codex; default 600, at least 1). Only
``type = "command"`` handlers run; ``prompt`` and ``agent`` handlers, ``async`` hooks, unknown events,
empty commands and invalid matchers are warnings, never errors: a broken hooks file must not stop a
session, but it is always reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from tandem.config import Config, find_project_root

DEFAULT_TIMEOUT_S = 600


class HookEvent(Enum):
    """The events Tandem fires (names as in ``hooks.json``)."""

    SESSION_START = "SessionStart"
    USER_PROMPT_SUBMIT = "UserPromptSubmit"
    PRE_TOOL_USE = "PreToolUse"
    POST_TOOL_USE = "PostToolUse"
    STOP = "Stop"

    @property
    def has_matcher(self) -> bool:
        """Whether a matcher applies (tool events on the tool name, SessionStart on its source); for
        UserPromptSubmit and Stop it is ignored, as in Codex and Claude Code."""
        return self not in (HookEvent.USER_PROMPT_SUBMIT, HookEvent.STOP)


KNOWN_UNSUPPORTED = frozenset(
    {"Notification", "SubagentStop", "PreCompact", "SessionEnd", "PermissionRequest", "BackgroundProcessCompleted"}
)
"""Events of Claude Code or Codex that Tandem does not fire: a warning each, not an error."""


@dataclass(frozen=True, slots=True)
class HookHandler:
    """One command to run for one event.

    Attributes:
        event: when it runs.
        matcher: a regular expression searched in the matched value (the tool name); ``None``, ``""`` or
            ``"*"`` match everything.
        command: a shell command line (run with ``bash -c``, or ``sh -c`` without bash).
        timeout_s: seconds before it is killed.
        source: the file it came from (shown by ``tandem hooks list`` and in every report).
    """

    event: HookEvent
    matcher: str | None
    command: str
    timeout_s: int
    source: str

    def matches(self, values: tuple[str, ...]) -> bool:
        """Whether the matcher accepts any of ``values`` (a tool's name and its aliases)."""
        if self.matcher is None or self.matcher in ("", "*") or not self.event.has_matcher:
            return True
        pattern = re.compile(self.matcher)
        return any(pattern.search(value) for value in values)


@dataclass(frozen=True, slots=True)
class HookSet:
    """Every hook of a session, in firing order, and the warnings met while reading them."""

    handlers: tuple[HookHandler, ...] = ()
    warnings: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())

    def for_event(self, event: HookEvent, values: tuple[str, ...] = ()) -> list[HookHandler]:
        """The handlers of ``event`` whose matcher accepts one of ``values``, in firing order."""
        return [h for h in self.handlers if h.event is event and h.matches(values)]

    def __bool__(self) -> bool:
        return bool(self.handlers)


def parse_hooks(raw: object, source: str) -> tuple[list[HookHandler], list[str]]:
    """The handlers of one ``{"hooks": {...}}`` document (or a bare ``{Event: [...]}`` table from TOML).

    Returns:
        ``(handlers, warnings)``; nothing raises: every problem is a warning naming ``source``.
    """
    handlers: list[HookHandler] = []
    warnings: list[str] = []
    if not isinstance(raw, Mapping):
        return handlers, [f'{source}: hooks must be a JSON object with a "hooks" table']
    table = raw.get("hooks", raw) if "hooks" in raw else raw
    if not isinstance(table, Mapping):
        return handlers, [f'{source}: "hooks" must be an object of event names']
    by_name = {event.value: event for event in HookEvent}
    for name, groups in table.items():
        event = by_name.get(str(name))
        if event is None:
            known = "not supported by Tandem" if name in KNOWN_UNSUPPORTED else "unknown"
            warnings.append(f"{source}: skipping event {name!r} ({known}; events: {', '.join(by_name)})")
            continue
        if not isinstance(groups, list):
            warnings.append(f"{source}: {name} must be a list of matcher groups")
            continue
        for group in groups:
            handlers += _group(event, group, source, warnings)
    return handlers, warnings


def _group(event: HookEvent, group: object, source: str, warnings: list[str]) -> list[HookHandler]:
    if not isinstance(group, Mapping):
        warnings.append(f'{source}: a {event.value} entry must be an object with "hooks"')
        return []
    matcher = group.get("matcher")
    if matcher is not None and not isinstance(matcher, str):
        warnings.append(f"{source}: {event.value} matcher must be a string")
        return []
    if matcher not in (None, "", "*") and event.has_matcher:
        try:
            re.compile(str(matcher))
        except re.error as exc:
            warnings.append(f"{source}: invalid {event.value} matcher {matcher!r}: {exc}")
            return []
    entries = group.get("hooks", [])
    if not isinstance(entries, list):
        warnings.append(f'{source}: {event.value} "hooks" must be a list')
        return []
    found = []
    for entry in entries:
        handler = _handler(event, matcher, entry, source, warnings)
        if handler is not None:
            found.append(handler)
    return found


def _handler(
    event: HookEvent, matcher: str | None, entry: object, source: str, warnings: list[str]
) -> HookHandler | None:
    if not isinstance(entry, Mapping):
        warnings.append(f"{source}: a {event.value} hook must be an object")
        return None
    kind = entry.get("type", "command")
    if kind != "command":
        warnings.append(f'{source}: skipping {kind!r} hook for {event.value} (only "command" hooks are supported)')
        return None
    if entry.get("async"):
        warnings.append(f"{source}: skipping async hook for {event.value} (async hooks are not supported)")
        return None
    command = entry.get("command")
    if not isinstance(command, str) or not command.strip():
        warnings.append(f"{source}: skipping {event.value} hook without a command")
        return None
    timeout: Any = entry.get("timeout", entry.get("timeoutSec", DEFAULT_TIMEOUT_S))
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        warnings.append(f"{source}: {event.value} hook timeout must be a number of seconds; using {DEFAULT_TIMEOUT_S}")
        timeout = DEFAULT_TIMEOUT_S
    return HookHandler(event, matcher or None, command, max(1, int(timeout)), source)


def _read_json(path: Path, warnings: list[str]) -> object | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        warnings.append(f"failed to read hooks config {path}: {exc}")
        return None
    try:
        value: object = json.loads(text)
        return value
    except ValueError as exc:
        warnings.append(f"failed to parse hooks config {path}: {exc}")
        return None


def discover_hooks(config: Config) -> HookSet:
    """Every hook for a session of ``config`` (see the module docstring for the sources and order)."""
    handlers: list[HookHandler] = []
    warnings: list[str] = []
    sources: list[str] = []
    layers: list[tuple[Path, Mapping[str, Any] | None]] = [(config.tandem_home, config.hooks_inline.get("home"))]
    root = find_project_root(config.cwd)
    project_file = root / ".tandem" / "hooks.json"
    if config.project_trusted:
        layers.append((root / ".tandem", config.hooks_inline.get("project")))
    elif project_file.is_file():
        warnings.append(
            f'{project_file}: not run (the project is not trusted; set [projects."{root}"] '
            f'trust_level = "trusted" in {config.tandem_home / "config.toml"} to run its hooks)'
        )
    for folder, inline in layers:
        path = folder / "hooks.json"
        raw = _read_json(path, warnings)
        if raw is not None:
            found, problems = parse_hooks(raw, str(path))
            handlers += found
            warnings += problems
            sources.append(str(path))
        if inline:
            label = f"{folder / 'config.toml'} [hooks]"
            found, problems = parse_hooks(dict(inline), label)
            handlers += found
            warnings += problems
            sources.append(label)
    return HookSet(tuple(handlers), tuple(warnings), tuple(sources))
