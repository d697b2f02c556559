"""Approval policy decisions and the per-thread "accept for session" cache.

Rules (Codex's approval policies, docs/reference-facts.md §3):

* ``never``: never ask; what the policy forbids fails back to the model.
* ``on-request`` (default): run without asking unless the model asks for escalation
  (``sandbox_permissions: require_escalated`` with a ``justification``); file changes inside the
  workspace are auto-approved, changes outside it are asked.
* ``untrusted``: only known-safe read-only commands run without asking; every file change is asked.

The user's answer is a :class:`~tandem.protocol.enums.ApprovalDecision`. ``acceptForSession`` is
remembered per thread — for commands per normalised segment (``FOO=1 cmd`` and ``bash -lc 'cmd'``
match ``cmd``; a chain is approved segment by segment), for file changes per file path;
``acceptWithPrefixRule`` persists the prefix the model proposed (``prefix_rule``, e.g.
``["git", "pull"]``) in ``$TANDEM_HOME/rules/prefix_rules.json`` for every later thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tandem.patch.applier import FileChange
from tandem.patch.diff import DiffHunk, select_hunks
from tandem.protocol.enums import ApprovalDecision, ApprovalKind, ApprovalPolicy, ChangeKind, HunkSpanStatus
from tandem.protocol.messages import FilePreview, HunkSpan
from tandem.sandbox.command_rules import ApprovalRules

log = logging.getLogger(__name__)


class Requirement(Enum):
    """What must happen before a tool call runs."""

    SKIP = "skip"  # run without asking
    ASK = "ask"  # ask the user
    FORBID = "forbid"  # refuse; tell the model


@dataclass(frozen=True, slots=True)
class FileChangeProposal:
    """One file of a proposed change, as shown to the user: a unified diff split into hunks, and the
    planned change itself (``change``: its old and new texts; ``hunks`` = ``split_hunks(change, cwd)``)."""

    path: str
    kind: ChangeKind
    diff: str
    hunks: list[DiffHunk]
    change: FileChange
    move_path: str | None = None

    def preview(self, accepted: Collection[str]) -> FilePreview:
        """The file as it would be with only the hunks in ``accepted`` applied (``tandem/change/preview``).

        Text from the patch engine's :func:`~tandem.patch.diff.select_hunks`; spans as
        :class:`~tandem.protocol.messages.HunkSpan` describes them.

        Raises:
            PatchApplyError: ``hunks`` do not belong to ``change`` (a bug).
        """
        selected = select_hunks(self.change, self.hunks, accepted)
        # Nothing accepted: the file stays as it is (an added file is not created).
        text = (self.change.old_text if selected is None else selected.new_text) or ""
        return FilePreview(
            path=self.path,
            move_path=self.move_path,
            kind=self.kind,
            old_text=self.change.old_text,
            text=text,
            hunks=hunk_spans(self.hunks, accepted),
        )


def _context(lines: Iterable[str]) -> int:
    """How many context lines (``" "``) a run of hunk lines starts with (``\\ No newline`` markers skipped)."""
    count = 0
    for line in lines:
        if line.startswith("\\"):
            continue
        if not line.startswith(" "):
            break
        count += 1
    return count


def hunk_spans(hunks: Sequence[DiffHunk], accepted: Collection[str]) -> list[HunkSpan]:
    """Where each of a file's ``hunks`` (in file order, as :func:`~tandem.patch.diff.split_hunks`
    gives them) stands in the text with only the ``accepted`` ones applied: 0-based start line and line
    count of its changed lines, new side when accepted, old side otherwise (context lines left out)."""
    spans: list[HunkSpan] = []
    shift = 0  # lines the accepted hunks above added (negative: removed)
    for hunk in hunks:
        body = hunk.diff.split("\n")[1:]
        if body and body[-1] == "":
            body.pop()
        lead, trail = _context(body), _context(reversed(body))
        old_first = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        included = hunk.id in accepted
        side = hunk.new_count if included else hunk.old_count
        spans.append(
            HunkSpan(
                id=hunk.id,
                status=HunkSpanStatus.INCLUDED if included else HunkSpanStatus.EXCLUDED,
                start_line=old_first + shift + lead,
                line_count=max(side - lead - trail, 0),
            )
        )
        if included:
            shift += hunk.new_count - hunk.old_count
    return spans


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A question to the user about one item (docs/architecture.md ``tandem/requestApproval``)."""

    thread_id: str
    turn_id: str
    item_id: str
    kind: ApprovalKind
    command: str | None = None
    cwd: str | None = None
    reason: str | None = None
    changes: list[FileChangeProposal] = field(default_factory=list)
    prefix_rule: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ApprovalResponse:
    """The user's answer; ``accepted_hunk_ids`` (file changes only) narrows an accept to some hunks."""

    decision: ApprovalDecision
    accepted_hunk_ids: list[str] | None = None


def command_requirement(policy: ApprovalPolicy, *, known_safe: bool, escalated: bool) -> Requirement:
    """Whether a shell command needs the user, from the policy and the command's classification.

    Args:
        known_safe: the command is on the read-only allow list.
        escalated: the model asked to run outside the sandbox (``require_escalated``).
    """
    if policy is ApprovalPolicy.NEVER:
        return Requirement.SKIP
    if policy is ApprovalPolicy.UNTRUSTED:
        return Requirement.SKIP if known_safe and not escalated else Requirement.ASK
    return Requirement.ASK if escalated else Requirement.SKIP


def patch_requirement(
    policy: ApprovalPolicy, paths: Iterable[Path], writable_roots: Iterable[Path], protected: Iterable[Path] = ()
) -> Requirement:
    """Whether an apply_patch touching ``paths`` (absolute) needs the user.

    ``writable_roots`` are the sandbox's (``/`` under danger-full-access, none under read-only);
    paths under ``protected`` (``.git``, ``.tandem``) count as outside them.
    """
    roots = [root.resolve() for root in writable_roots]
    guarded = [path.resolve() for path in protected]

    def writable(path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in roots) and not any(
            resolved.is_relative_to(guard) for guard in guarded
        )

    inside = all(writable(path) for path in paths)
    if policy is ApprovalPolicy.UNTRUSTED:
        return Requirement.ASK
    if policy is ApprovalPolicy.NEVER:
        return Requirement.SKIP if inside else Requirement.FORBID
    return Requirement.SKIP if inside else Requirement.ASK


class SessionApprovals:
    """What the user accepted in one thread: commands "for this session" (matched per normalised
    segment, see :mod:`tandem.sandbox.command_rules`), persisted prefix rules, and files of patches.

    Args:
        rules: the command rules to start from (persisted prefix rules are loaded into it).
        on_prefix_rule: called with every new prefix rule, to persist it.
    """

    def __init__(
        self, rules: ApprovalRules | None = None, on_prefix_rule: Callable[[ApprovalRules], None] | None = None
    ) -> None:
        self._rules = rules if rules is not None else ApprovalRules()
        self._on_prefix_rule = on_prefix_rule
        self._paths: set[Path] = set()

    def remember_command(self, command: str) -> None:
        """Accept ``command`` (each of its segments) for the rest of the thread."""
        self._rules.remember_command(command)

    def remember_prefix(self, prefix: Sequence[str]) -> None:
        """Always accept commands whose argv starts with ``prefix`` (persisted when a store is attached).

        Raises:
            ValueError: an empty or malformed prefix.
        """
        self._rules.remember_prefix(prefix)
        if self._on_prefix_rule is not None:
            self._on_prefix_rule(self._rules)

    def command_approved(self, command: str, *, escalated: bool = False) -> bool:
        """Whether every segment of ``command`` is approved (known-safe segments count unless escalated)."""
        return self._rules.approved(command, allow_known_safe=not escalated)

    def remember_paths(self, paths: Iterable[Path]) -> None:
        """Accept further changes to these files for the rest of the thread."""
        self._paths.update(path.resolve() for path in paths)

    def paths_approved(self, paths: Iterable[Path]) -> bool:
        """Whether every path was accepted for the session (an empty set is not approved)."""
        resolved = [path.resolve() for path in paths]
        return bool(resolved) and all(path in self._paths for path in resolved)


def prefix_rules_file(tandem_home: Path) -> Path:
    """Where persisted prefix rules live: ``$TANDEM_HOME/rules/prefix_rules.json``."""
    return tandem_home / "rules" / "prefix_rules.json"


def load_rules(tandem_home: Path) -> ApprovalRules:
    """The persisted prefix rules (an empty set when the file is missing or unreadable)."""
    try:
        return ApprovalRules.from_json(prefix_rules_file(tandem_home).read_text("utf-8"))
    except (OSError, ValueError):
        return ApprovalRules()


def store_rules(tandem_home: Path) -> Callable[[ApprovalRules], None]:
    """A callback that writes the rules' prefix rules atomically to :func:`prefix_rules_file`."""

    def store(rules: ApprovalRules) -> None:
        path = prefix_rules_file(tandem_home)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(ApprovalRules(rules.prefix_rules).to_json(), "utf-8")
            temp.replace(path)
        except OSError:
            log.warning("could not persist approval prefix rules to %s", path)

    return store
