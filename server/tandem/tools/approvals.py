"""Approval policy decisions, the approval request/answer types and the per-thread "accept for session" cache.

The pure parts: :func:`command_requirement` and :func:`patch_requirement` decide from the policy;
:class:`SessionApprovals` remembers. Asking, remembering and escalating happen in one place,
:mod:`tandem.tools.orchestrator`. What the user is asked is the wire's
:class:`~tandem.protocol.messages.RequestApprovalParams` (in an :class:`ApprovalRequest`).

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

MCP tool calls (:func:`mcp_requirement`, Codex's rules, docs/reference-facts.md §12): under ``never``
with ``danger-full-access`` everything runs; ``approval_mode = "approve"`` runs without asking,
``"prompt"`` always asks; otherwise a tool annotated ``readOnlyHint: true`` (and not
``destructiveHint: true``) runs without asking, as does one that says it is neither destructive nor
open-world; every other tool is asked (under ``never``: refused, the model is told).
``acceptForSession`` is remembered per (server, tool) for the thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path

from tandem.config_mcp import ToolApprovalMode
from tandem.protocol.enums import ApprovalDecision, ApprovalPolicy, SandboxMode
from tandem.protocol.messages import RequestApprovalParams
from tandem.sandbox.command_rules import ApprovalRules
from tandem.tools.proposals import ProposedFile

log = logging.getLogger(__name__)


class Requirement(Enum):
    """What must happen before a tool call runs."""

    SKIP = "skip"  # run without asking
    ASK = "ask"  # ask the user
    FORBID = "forbid"  # refuse; tell the model


class SandboxPermissions(StrEnum):
    """What sandbox a command asks for: the values of the shell tool's ``sandbox_permissions``
    parameter (docs/reference-facts.md §2; Codex's ``SandboxPermissions``)."""

    USE_DEFAULT = "use_default"  # the thread's sandbox
    REQUIRE_ESCALATED = "require_escalated"  # outside the sandbox, if the user agrees

    @classmethod
    def parse(cls, raw: object) -> SandboxPermissions:
        """The model's argument; anything but ``"require_escalated"`` (absent, unknown) is the default."""
        return cls.REQUIRE_ESCALATED if raw == cls.REQUIRE_ESCALATED.value else cls.USE_DEFAULT


class CommandSafety(Enum):
    """How a command was classified (:func:`tandem.sandbox.safe_commands.is_known_safe`)."""

    KNOWN_SAFE = "known-safe"  # on the read-only allow list
    UNKNOWN = "unknown"  # anything else (or not classified)


class SandboxAvailability(Enum):
    """Whether commands can be sandboxed as the configuration asks."""

    NOT_NEEDED = "not-needed"  # danger-full-access: commands run unsandboxed by configuration
    AVAILABLE = "available"  # a sandbox mechanism works on this machine
    MISSING = "missing"  # a sandbox is configured but none works here (see `tandem doctor`)


class HunkState(StrEnum):
    """Review state of one hunk of a landed change (:mod:`tandem.agent.review`). A change the user
    approved explicitly starts ``accepted``; one applied without asking starts ``pending``."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def new_request_id() -> str:
    """A fresh approval request id, ``approval-<12 hex>`` (also the JSON-RPC id of ``tandem/requestApproval``)."""
    return f"approval-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A question to the user about one item (docs/architecture.md ``tandem/requestApproval``).

    Attributes:
        params: the request as sent on the wire (every surface renders these fields).
        files: for a file change, the planned files behind ``params.changes`` (same order), kept by
            the surface while the request is pending for ``tandem/change/preview``; never sent.
    """

    params: RequestApprovalParams
    files: tuple[ProposedFile, ...] = ()


@dataclass(frozen=True, slots=True)
class ApprovalResponse:
    """The user's answer; ``accepted_hunk_ids`` (file changes only) narrows an accept to some hunks."""

    decision: ApprovalDecision
    accepted_hunk_ids: list[str] | None = None


def command_requirement(
    policy: ApprovalPolicy, *, safety: CommandSafety, permissions: SandboxPermissions
) -> Requirement:
    """Whether a shell command needs the user, from the policy and the command's classification.

    Args:
        safety: whether the command is on the read-only allow list.
        permissions: ``require_escalated`` when the command would run outside the sandbox.
    """
    escalated = permissions is SandboxPermissions.REQUIRE_ESCALATED
    if policy is ApprovalPolicy.NEVER:
        return Requirement.SKIP
    if policy is ApprovalPolicy.UNTRUSTED:
        return Requirement.SKIP if safety is CommandSafety.KNOWN_SAFE and not escalated else Requirement.ASK
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


@dataclass(frozen=True, slots=True)
class ToolHints:
    """An MCP tool's annotations (``None``: not given)."""

    read_only: bool | None = None
    destructive: bool | None = None
    open_world: bool | None = None

    def need_approval(self) -> bool:
        """Codex's rule: destructive -> yes; read-only -> no; else unless it says it is neither
        destructive nor open-world (both default to true)."""
        if self.destructive is True:
            return True
        if self.read_only is True:
            return False
        return self.destructive is not False or self.open_world is not False


def mcp_requirement(
    policy: ApprovalPolicy, sandbox: SandboxMode, mode: ToolApprovalMode, hints: ToolHints
) -> Requirement:
    """Whether a call to an MCP tool needs the user (see the module docstring)."""
    if policy is ApprovalPolicy.NEVER and sandbox is SandboxMode.DANGER_FULL_ACCESS:
        return Requirement.SKIP
    if mode is ToolApprovalMode.APPROVE:
        return Requirement.SKIP
    if mode is ToolApprovalMode.AUTO and not hints.need_approval():
        return Requirement.SKIP
    return Requirement.FORBID if policy is ApprovalPolicy.NEVER else Requirement.ASK


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
        self._mcp_tools: set[tuple[str, str]] = set()

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

    def command_approved(
        self, command: str, *, permissions: SandboxPermissions = SandboxPermissions.USE_DEFAULT
    ) -> bool:
        """Whether every segment of ``command`` is approved (known-safe segments count unless escalated)."""
        return self._rules.approved(command, allow_known_safe=permissions is SandboxPermissions.USE_DEFAULT)

    def remember_paths(self, paths: Iterable[Path]) -> None:
        """Accept further changes to these files for the rest of the thread."""
        self._paths.update(path.resolve() for path in paths)

    def remember_mcp_tool(self, server: str, tool: str) -> None:
        """Run raw tool ``tool`` of MCP server ``server`` without asking for the rest of the thread."""
        self._mcp_tools.add((server, tool))

    def mcp_tool_approved(self, server: str, tool: str) -> bool:
        """Whether the user allowed ``server``'s ``tool`` for this thread."""
        return (server, tool) in self._mcp_tools

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
