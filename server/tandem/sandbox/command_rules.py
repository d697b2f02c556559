"""Normalised command matching for "accept for session" and persisted prefix rules.

Decisions (docs/reference-facts.md §3): ``acceptForSession`` is cached for the thread; "accept with a
persisted prefix rule" stores an argv prefix (Codex's ``prefix_rule``, e.g. ``["git", "pull"]``).

Matching is per simple command ("segment"), after :func:`normalize`:

* a segment's key is its argv with leading ``NAME=value`` assignments and one ``bash -lc '…'``-style
  wrapper removed, so accepting ``pytest -q`` also covers ``FOO=1 pytest -q`` and
  ``bash -lc 'pytest -q'``;
* a chained command (``make && pytest -q``) is approved iff EVERY segment is approved — by a
  remembered segment, by a prefix rule (argv starts with the prefix), or, when the caller allows it,
  because the segment is known safe (:func:`tandem.sandbox.safe_commands.unsafe_reason`);
* a segment carrying a refused assignment (``LD_PRELOAD=…``, ``PATH=…``; see
  :func:`~tandem.sandbox.safe_commands.env_assignment_allowed`) is never approved by normalisation;
* a shell or interpreter that reads its program from a pipe (``curl … | sh``) is remembered only as
  part of the whole command, never on its own — otherwise ``echo 'rm -rf ~' | sh`` would pass later;
* a line that is not plain (redirections, substitutions, globs …) is matched by exact text only, as
  before.

Approvals ignore the working directory, exactly like the exact-text cache they replace.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tandem.sandbox.bash_parse import SimpleCommand, parse_command
from tandem.sandbox.safe_commands import env_assignment_allowed, unsafe_reason

__all__ = ["ApprovalRules", "normalize"]

Argv = tuple[str, ...]

# Programs that run code read from stdin when piped into (or run whatever follows them).
_CODE_FROM_STDIN = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "fish",
        "csh",
        "tcsh",
        "python",
        "python3",
        "node",
        "perl",
        "ruby",
        "php",
        "lua",
        "tclsh",
        "Rscript",
        "pwsh",
        "osascript",
        "xargs",
        "env",
        "sudo",
        "su",
        "doas",
        "eval",
        "exec",
        "source",
        ".",
        "parallel",
        "nohup",
        "timeout",
        "nice",
        "command",
        "builtin",
        "awk",
        "gawk",
    }
)
_JSON_VERSION = 1


def normalize(command: str) -> list[Argv] | None:
    """Each segment's argv with assignments and one ``bash -lc`` wrapper stripped; ``None`` when not plain."""
    segments = parse_command(command)
    return None if segments is None else [segment.argv for segment in segments]


def _piped_interpreter(segment: SimpleCommand) -> bool:
    return segment.operator == "|" and segment.argv[0].rpartition("/")[2] in _CODE_FROM_STDIN


def _whole_key(segments: Sequence[SimpleCommand]) -> tuple[tuple[str, Argv], ...]:
    return tuple((segment.operator, segment.argv) for segment in segments)


class ApprovalRules:
    """Session approvals (normalised segments + exact text) and prefix rules (persistable)."""

    def __init__(self, prefix_rules: Iterable[Sequence[str]] = ()) -> None:
        self._exact: set[str] = set()
        self._whole: set[tuple[tuple[str, Argv], ...]] = set()  # (operator, argv) per segment
        self._segments: set[Argv] = set()
        self._prefixes: list[Argv] = []
        for prefix in prefix_rules:
            self.remember_prefix(prefix)

    @property
    def prefix_rules(self) -> tuple[Argv, ...]:
        """The prefix rules, in the order they were added."""
        return tuple(self._prefixes)

    def remember_command(self, command: str) -> None:
        """The user accepted ``command`` for the session: remember its text and its segments."""
        self._exact.add(command.strip())
        segments = parse_command(command)
        if segments is None:
            return
        self._whole.add(_whole_key(segments))
        self._segments.update(segment.argv for segment in segments if not _piped_interpreter(segment))

    def remember_prefix(self, prefix: Sequence[str]) -> None:
        """Approve every segment whose argv starts with ``prefix`` (e.g. ``["git", "pull"]``).

        Raises:
            ValueError: the prefix is empty or not a sequence of non-empty strings.
        """
        if isinstance(prefix, str) or not prefix or not all(isinstance(w, str) and w for w in prefix):
            raise ValueError(f"a prefix rule is a non-empty list of non-empty strings, got {prefix!r}")
        rule = tuple(prefix)
        if rule not in self._prefixes:
            self._prefixes.append(rule)

    def approved(self, command: str, *, allow_known_safe: bool = False) -> bool:
        """Whether ``command`` is covered: same text, or every segment approved (module docstring).

        Args:
            allow_known_safe: also count known-safe segments (``git status && pytest -q`` after
                accepting ``pytest -q``). Pass ``False`` for escalated (unsandboxed) runs.
        """
        if command.strip() in self._exact:
            return True
        segments = parse_command(command)
        if not segments:
            return False
        if any(not env_assignment_allowed(name) for segment in segments for name, _ in segment.env):
            return False
        if _whole_key(segments) in self._whole:
            return True
        return all(self._segment_approved(segment, allow_known_safe) for segment in segments)

    def _segment_approved(self, segment: SimpleCommand, allow_known_safe: bool) -> bool:
        argv = segment.argv
        if any(argv[: len(prefix)] == prefix for prefix in self._prefixes):
            return True
        if allow_known_safe and unsafe_reason(segment) is None:
            return True
        return argv in self._segments and not _piped_interpreter(segment)

    def to_json(self) -> str:
        """The prefix rules as JSON text (session approvals are not persisted)."""
        return json.dumps({"version": _JSON_VERSION, "prefix_rules": [list(p) for p in self._prefixes]})

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any]) -> ApprovalRules:
        """Rules restored from :meth:`to_json` output (text or the decoded object).

        Raises:
            ValueError: malformed JSON, an unknown version or an invalid prefix rule.
        """
        try:
            obj = json.loads(data) if isinstance(data, str) else data
        except json.JSONDecodeError as exc:
            raise ValueError(f"approval rules: invalid JSON ({exc})") from exc
        if not isinstance(obj, Mapping) or obj.get("version") != _JSON_VERSION:
            raise ValueError("approval rules: expected an object with version 1")
        rules = obj.get("prefix_rules", [])
        if not isinstance(rules, list) or not all(isinstance(rule, list) for rule in rules):
            raise ValueError("approval rules: 'prefix_rules' must be a list of lists of strings")
        return cls(rules)
