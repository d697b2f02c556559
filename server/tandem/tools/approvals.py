"""Approval policy decisions and the per-thread "accept for session" cache.

Rules (Codex's approval policies, reference-facts §3):

* ``never``: never ask; what the policy forbids fails back to the model.
* ``on-request`` (default): run without asking unless the model asks for escalation
  (``sandbox_permissions: require_escalated`` with a ``justification``); file changes inside the
  workspace are auto-approved, changes outside it are asked.
* ``untrusted``: only known-safe read-only commands run without asking; every file change is asked.

The user's answer is a :class:`~tandem.protocol.enums.ReviewDecision`. ``acceptForSession`` is
remembered per thread: for commands by exact command text (normalisation comes with the sandbox
issue), for file changes per file path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tandem.patch.diff import DiffHunk
from tandem.protocol.enums import ApprovalKind, ApprovalPolicy, ChangeKind, ReviewDecision


class Requirement(Enum):
    """What must happen before a tool call runs."""

    SKIP = "skip"  # run without asking
    ASK = "ask"  # ask the user
    FORBID = "forbid"  # refuse; tell the model


@dataclass(frozen=True, slots=True)
class FileChangeProposal:
    """One file of a proposed change, as shown to the user: a unified diff split into hunks."""

    path: str
    kind: ChangeKind
    diff: str
    hunks: list[DiffHunk]
    move_path: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A question to the user about one item (DESIGN.md ``tandem/requestApproval``)."""

    thread_id: str
    turn_id: str
    item_id: str
    kind: ApprovalKind
    command: str | None = None
    cwd: str | None = None
    reason: str | None = None
    changes: list[FileChangeProposal] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ApprovalResponse:
    """The user's answer; ``accepted_hunk_ids`` (file changes only) narrows an accept to some hunks."""

    decision: ReviewDecision
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


def patch_requirement(policy: ApprovalPolicy, paths: Iterable[Path], writable_roots: Iterable[Path],
                      protected: Iterable[Path] = ()) -> Requirement:
    """Whether an apply_patch touching ``paths`` (absolute) needs the user.

    ``writable_roots`` are the sandbox's (``/`` under danger-full-access, none under read-only);
    paths under ``protected`` (``.git``, ``.tandem``) count as outside them.
    """
    roots = [root.resolve() for root in writable_roots]
    guarded = [path.resolve() for path in protected]

    def writable(path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in roots) and \
            not any(resolved.is_relative_to(guard) for guard in guarded)

    inside = all(writable(path) for path in paths)
    if policy is ApprovalPolicy.UNTRUSTED:
        return Requirement.ASK
    if policy is ApprovalPolicy.NEVER:
        return Requirement.SKIP if inside else Requirement.FORBID
    return Requirement.SKIP if inside else Requirement.ASK


class SessionApprovals:
    """What the user accepted "for this session" in one thread."""

    def __init__(self) -> None:
        self._commands: set[str] = set()
        self._paths: set[Path] = set()

    def remember_command(self, command: str) -> None:
        """Accept ``command`` for the rest of the thread."""
        self._commands.add(command.strip())

    def command_approved(self, command: str) -> bool:
        """Whether ``command`` was accepted for the session."""
        return command.strip() in self._commands

    def remember_paths(self, paths: Iterable[Path]) -> None:
        """Accept further changes to these files for the rest of the thread."""
        self._paths.update(path.resolve() for path in paths)

    def paths_approved(self, paths: Iterable[Path]) -> bool:
        """Whether every path was accepted for the session (an empty set is not approved)."""
        resolved = [path.resolve() for path in paths]
        return bool(resolved) and all(path in self._paths for path in resolved)
