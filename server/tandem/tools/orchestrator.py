"""The one place where tool calls are approved, run sandboxed and escalated.

decide → ask → remember → run sandboxed → escalate on denial (the shape of Codex's tool
orchestrator: "approval → select sandbox → attempt → retry with an escalated sandbox strategy").
A tool declares *what* it needs — a :class:`CommandRequest` (command, cwd, requested
:class:`~tandem.tools.approvals.SandboxPermissions`, justification, proposed prefix rule) or a
:class:`PatchRequest` (the planned files) — and the :class:`Orchestrator` decides:

* **decide**: the approval policy (:func:`~tandem.tools.approvals.command_requirement`,
  :func:`~tandem.tools.approvals.patch_requirement`), the known-safe classification (untrusted
  only), whether a sandbox exists on this machine, and what the thread already accepted
  (:class:`~tandem.tools.approvals.SessionApprovals`: the session cache and persisted prefix rules);
* **ask**: ``host.request_approval`` with the wire params of ``tandem/requestApproval``;
* **remember**: ``acceptForSession`` (command segments, file paths) and ``acceptWithPrefixRule``;
* **run sandboxed**: the tool's attempt, under the thread's sandbox or none when escalated;
* **escalate**: a run the sandbox denied is offered again without the sandbox under
  ``untrusted``; otherwise the model gets a note on how to ask for escalation.

Texts for the model (refusals, notes) are part of the tools' behaviour and kept word for word.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.config_mcp import McpServerConfig, ToolApprovalMode
from tandem.errors import ConfigError, TurnCancelledError
from tandem.mcp.config_edit import set_tool_approval
from tandem.patch.applier import FileChange
from tandem.protocol import JsonDict
from tandem.protocol.enums import ApprovalDecision, ApprovalKind, ApprovalPolicy, SandboxMode
from tandem.protocol.messages import McpApprovalDetails, RequestApprovalParams
from tandem.protocol.printable import printable
from tandem.sandbox.denials import denial_note, looks_denied
from tandem.sandbox.policy import PROTECTED_NAMES
from tandem.sandbox.probe import Strength, probe
from tandem.sandbox.safe_commands import is_known_safe
from tandem.tools.approvals import (
    ApprovalRequest,
    ApprovalResponse,
    CommandSafety,
    HunkState,
    Requirement,
    SandboxAvailability,
    SandboxPermissions,
    ToolHints,
    command_requirement,
    mcp_requirement,
    new_request_id,
    patch_requirement,
)
from tandem.tools.base import ToolHost
from tandem.tools.hook_permission import HookPermission, current
from tandem.tools.process import ProcessResult
from tandem.tools.proposals import ProposedFile

log = logging.getLogger(__name__)

ACCEPTED = (ApprovalDecision.ACCEPT, ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE)
NO_SANDBOX_REFUSAL = (
    "exec command rejected: no sandbox is available on this machine and the approval policy "
    "(never) does not allow asking the user; see `tandem doctor`"
)
NO_SANDBOX_REASON = "No sandbox is available on this machine: this command would run with your full permissions."
RETRY_REASON = "The sandbox blocked this command. Run it again without the sandbox?"
POLICY_REFUSAL = "exec command rejected by the approval policy"
USER_REFUSAL = "exec command rejected by user"
PATCH_OUTSIDE_REFUSAL = (
    "patch rejected: it writes outside the workspace and the approval policy (never) does not allow asking the user"
)
PATCH_USER_REFUSAL = "patch rejected by user"
MCP_USER_REFUSAL = "user rejected MCP tool call"
MCP_POLICY_REFUSAL = (
    "MCP tool call rejected: the approval policy (never) does not allow asking the user; the user can allow "
    'this tool with approval_mode = "approve" in [mcp_servers.{server}.tools.{tool}]'
)


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """What a command tool call needs.

    Attributes:
        item_id: the ``commandExecution`` item the approval is about.
        command: the shell command line.
        cwd: where it runs.
        permissions: what the model asked for (``sandbox_permissions``).
        justification: the model's one-line question for the user (with ``require_escalated``).
        prefix_rule: a prefix the user may allow from now on (already checked against ``command``).
    """

    item_id: str
    command: str
    cwd: Path
    permissions: SandboxPermissions = SandboxPermissions.USE_DEFAULT
    justification: str | None = None
    prefix_rule: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CommandVerdict:
    """What the orchestrator concluded for a command before running it.

    Attributes:
        refusal: None to run; else the text for the model (the user or the policy said no).
        sandbox: the sandbox mode to run under (None: the thread's; ``danger-full-access`` when
            escalated or when no sandbox exists and the user agreed).
    """

    refusal: str | None
    sandbox: SandboxMode | None = None


@dataclass(frozen=True, slots=True)
class CommandDecision:
    """What the orchestrator decides for a command without asking.

    Attributes:
        requirement: SKIP (run now), ASK (the user decides) or FORBID (refuse).
        verdict: what SKIP, or an accept after ASK, runs with; for FORBID the refusal.
        reason: for ASK, the reason shown to the user.
    """

    requirement: Requirement
    verdict: CommandVerdict
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of a command: its result and whether it ran inside a sandbox."""

    result: ProcessResult
    sandboxed: bool

    @property
    def denied(self) -> bool:
        """The sandbox (not the command itself) seems to have stopped it."""
        return self.sandboxed and looks_denied(self.result)


@dataclass(frozen=True, slots=True)
class CommandRun:
    """The final attempt and a note for the model ("" or how to ask for escalation)."""

    result: ProcessResult
    note: str = ""


@dataclass(frozen=True, slots=True)
class PatchRequest:
    """What a file change needs: the item, the cwd the paths are shown against, the planned files."""

    item_id: str
    cwd: Path
    files: tuple[ProposedFile, ...]


@dataclass(frozen=True, slots=True)
class PatchVerdict:
    """The changes to commit (fewer hunks, or none), a note for the model about what was rejected
    ("" if nothing), and the review state the committed hunks start in (``accepted`` when the user
    answered an approval, ``pending`` when applied without asking)."""

    changes: list[FileChange]
    note: str
    state: HunkState


@dataclass(frozen=True, slots=True)
class McpRequest:
    """What an MCP tool call needs: the item, the server's settings, the raw tool, its title, its
    annotations and the arguments (shown to the user)."""

    item_id: str
    server: McpServerConfig
    tool: str
    title: str | None
    hints: ToolHints
    arguments: JsonDict | None


Attempter = Callable[[SandboxMode | None], Awaitable[Attempt]]


def _shown(text: str | None) -> str | None:
    return printable(text) if text is not None else None


class Orchestrator:
    """Approvals and sandbox selection for the tool calls of one host (see the module docstring).

    Args:
        host: the running turn (policy, sandbox, session approvals, the user).
    """

    def __init__(self, host: ToolHost) -> None:
        self._host = host

    # --- commands ---------------------------------------------------------------------------

    def sandbox_availability(self) -> SandboxAvailability:
        """Whether commands of this thread can be sandboxed as configured (probes the machine once)."""
        if self._host.config.sandbox_mode is SandboxMode.DANGER_FULL_ACCESS:
            return SandboxAvailability.NOT_NEEDED
        return SandboxAvailability.MISSING if probe().strength is Strength.NONE else SandboxAvailability.AVAILABLE

    def decide_command(self, request: CommandRequest, availability: SandboxAvailability) -> CommandDecision:
        """Decide without asking, from the policy, the classification, the sandbox and the session.

        A missing sandbox counts as an escalation (the command would run with the user's full
        permissions), and under ``never`` refuses the command.
        """
        policy = self._host.config.approval_policy
        missing = availability is SandboxAvailability.MISSING
        permissions = SandboxPermissions.REQUIRE_ESCALATED if missing else request.permissions
        escalated = permissions is SandboxPermissions.REQUIRE_ESCALATED
        run = CommandVerdict(None, SandboxMode.DANGER_FULL_ACCESS if escalated else None)
        # Classifying loads the bash grammar: only the untrusted policy needs it.
        safe = policy is ApprovalPolicy.UNTRUSTED and not escalated and is_known_safe(request.command)
        safety = CommandSafety.KNOWN_SAFE if safe else CommandSafety.UNKNOWN
        requirement = command_requirement(policy, safety=safety, permissions=permissions)
        if missing and policy is ApprovalPolicy.NEVER:
            return CommandDecision(Requirement.FORBID, CommandVerdict(NO_SANDBOX_REFUSAL))
        hook = current()  # a PreToolUse hook's "ask" or "allow" (tools/hook_permission.py)
        if hook is not None and hook.permission is HookPermission.ASK:
            return CommandDecision(Requirement.ASK, run, hook.reason or "A PreToolUse hook asks you to approve this.")
        if hook is not None and hook.permission is HookPermission.ALLOW:
            return CommandDecision(Requirement.SKIP, run)
        if requirement is Requirement.SKIP or self._host.session_approvals.command_approved(
            request.command, permissions=permissions
        ):
            return CommandDecision(Requirement.SKIP, run)
        if requirement is Requirement.FORBID:
            return CommandDecision(Requirement.FORBID, CommandVerdict(POLICY_REFUSAL))
        return CommandDecision(Requirement.ASK, run, NO_SANDBOX_REASON if missing else request.justification)

    async def approve_command(self, request: CommandRequest) -> CommandVerdict:
        """Decide, ask when needed, remember the answer.

        Raises:
            TurnCancelledError: the user chose "cancel".
            ApprovalError: the surface failed to ask.
        """
        decision = self.decide_command(request, self.sandbox_availability())
        if decision.requirement is not Requirement.ASK:
            return decision.verdict
        verdict = decision.verdict
        response = await self._ask_command(request, decision.reason, request.prefix_rule)
        sessions = self._host.session_approvals
        if response.decision is ApprovalDecision.ACCEPT_FOR_SESSION:
            sessions.remember_command(request.command)
        if response.decision is ApprovalDecision.ACCEPT_WITH_PREFIX_RULE and request.prefix_rule is not None:
            sessions.remember_prefix(request.prefix_rule)
        return verdict if response.decision in ACCEPTED else CommandVerdict(USER_REFUSAL)

    async def run_command(self, request: CommandRequest, verdict: CommandVerdict, attempt: Attempter) -> CommandRun:
        """Run an approved command; when the sandbox denied it, escalate as the policy allows: under
        ``untrusted`` ask to run it again unsandboxed, otherwise tell the model how to ask.

        Raises:
            TurnCancelledError: the user chose "cancel" at the retry question.
            ToolError: from ``attempt`` (the sandbox could not be set up, the process did not start).
        """
        first = await attempt(verdict.sandbox)
        if not first.denied:
            return CommandRun(first.result)
        if self._host.config.approval_policy is ApprovalPolicy.UNTRUSTED and await self._retry_unsandboxed(request):
            return CommandRun((await attempt(SandboxMode.DANGER_FULL_ACCESS)).result)
        return CommandRun(first.result, denial_note(self._host.config.sandbox_mode))

    async def _retry_unsandboxed(self, request: CommandRequest) -> bool:
        response = await self._ask_command(request, RETRY_REASON, None)
        return response.decision in ACCEPTED

    async def _ask_command(
        self, request: CommandRequest, reason: str | None, prefix_rule: tuple[str, ...] | None
    ) -> ApprovalResponse:
        return await self._ask(
            ApprovalRequest(
                self._params(
                    request.item_id,
                    ApprovalKind.COMMAND,
                    command=request.command,
                    cwd=str(request.cwd),
                    reason=reason,
                    prefix_rule=list(prefix_rule) if prefix_rule else None,
                )
            )
        )

    # --- file changes -----------------------------------------------------------------------

    def patch_requirement(self, request: PatchRequest) -> Requirement:
        """The policy's answer for the files of ``request`` against the sandbox's writable roots
        (``.git``, ``.tandem`` and the Tandem home are protected, existing or not: a patch creating
        ``.tandem/config.toml`` or a hook is asked, never applied silently); SKIP too when the user
        accepted every path for the session."""
        host = self._host
        paths = [p for f in request.files for p in f.paths()]
        sandbox = host.sandbox_policy()
        roots = [Path("/")] if not sandbox.sandboxed else list(sandbox.writable_roots)
        protected = (
            []
            if not sandbox.sandboxed
            else [
                *sandbox.read_only_subpaths,
                host.config.tandem_home,
                *(root / name for root in (*roots, host.cwd) for name in PROTECTED_NAMES),
            ]
        )
        requirement = patch_requirement(host.config.approval_policy, paths, roots, protected)
        hook = current()  # a PreToolUse hook's "ask" or "allow" (tools/hook_permission.py)
        if hook is not None and requirement is not Requirement.FORBID:
            if hook.permission is HookPermission.ASK:
                return Requirement.ASK
            if hook.permission is HookPermission.ALLOW:
                return Requirement.SKIP
        if requirement is Requirement.SKIP or host.session_approvals.paths_approved(paths):
            return Requirement.SKIP
        return requirement

    async def approve_patch(self, request: PatchRequest) -> PatchVerdict:
        """Decide, ask when needed (per hunk), remember the answer, narrow the change to the accepted hunks.

        Raises:
            TurnCancelledError: the user chose "cancel".
            ApprovalError: the surface failed to ask.
        """
        changes = [f.change for f in request.files]
        requirement = self.patch_requirement(request)
        if requirement is Requirement.SKIP:
            return PatchVerdict(changes, "", HunkState.PENDING)
        if requirement is Requirement.FORBID:
            return PatchVerdict([], PATCH_OUTSIDE_REFUSAL, HunkState.PENDING)
        params = self._params(
            request.item_id, ApprovalKind.FILE_CHANGE, cwd=str(request.cwd), changes=[f.wire for f in request.files]
        )
        response = await self._ask(ApprovalRequest(params, request.files))
        if response.decision is ApprovalDecision.DECLINE:
            return PatchVerdict([], PATCH_USER_REFUSAL, HunkState.ACCEPTED)
        if response.decision in (ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE):
            self._host.session_approvals.remember_paths(p for f in request.files for p in f.paths())
        if response.accepted_hunk_ids is None:
            return PatchVerdict(changes, "", HunkState.ACCEPTED)
        return _narrow(request.files, set(response.accepted_hunk_ids))

    # --- MCP tool calls ---------------------------------------------------------------------

    async def approve_mcp(self, request: McpRequest) -> str | None:
        """Decide, ask when needed, remember: ``None`` to run the call, else the refusal for the model.

        ``acceptAlways`` writes ``approval_mode = "approve"`` for the tool in the config file that
        defines the server (as Codex does, docs/reference-facts.md §12) and remembers it for the
        thread; a file that cannot be written is logged and the choice kept for the thread only.

        Raises:
            TurnCancelledError: the user chose "cancel".
            ApprovalError: the surface failed to ask.
        """
        host, server, tool = self._host, request.server, request.tool
        mode = server.approval_mode(tool)
        requirement = mcp_requirement(host.config.approval_policy, host.config.sandbox_mode, mode, request.hints)
        if requirement is Requirement.SKIP:
            return None
        remembering = mode is ToolApprovalMode.AUTO
        if remembering and host.session_approvals.mcp_tool_approved(server.name, tool):
            return None
        if requirement is Requirement.FORBID:
            return MCP_POLICY_REFUSAL.format(server=server.name, tool=tool)
        decisions = [
            ApprovalDecision.ACCEPT,
            *([ApprovalDecision.ACCEPT_FOR_SESSION] if remembering else []),
            *([ApprovalDecision.ACCEPT_ALWAYS] if remembering and server.source is not None else []),
            ApprovalDecision.DECLINE,
            ApprovalDecision.CANCEL,
        ]
        details = McpApprovalDetails(
            server=server.name, tool=tool, title=request.title, arguments=request.arguments, decisions=decisions
        )
        reason = f'Allow the {server.name} MCP server to run tool "{request.title or tool}"?'
        params = self._params(request.item_id, ApprovalKind.MCP_TOOL_CALL, reason=reason, mcp=details)
        response = await self._ask(ApprovalRequest(params))
        decision = response.decision if response.decision in decisions else ApprovalDecision.ACCEPT
        if response.decision is ApprovalDecision.DECLINE:
            return MCP_USER_REFUSAL
        if decision is ApprovalDecision.ACCEPT_ALWAYS and server.source is not None:
            try:
                set_tool_approval(server.source, server.name, tool, ToolApprovalMode.APPROVE.value)
            except ConfigError as exc:
                log.warning("could not persist the approval of %s/%s: %s", server.name, tool, exc.message)
        if decision in (ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT_ALWAYS):
            host.session_approvals.remember_mcp_tool(server.name, tool)
        return None

    # --- asking -----------------------------------------------------------------------------

    def _params(self, item_id: str, kind: ApprovalKind, **fields: object) -> RequestApprovalParams:
        """The approval request as shown to the user: its texts (command, cwd, reason, prefix rule,
        diffs) pass :func:`~tandem.protocol.printable.printable`, so no control character reaches a
        terminal or an editor raw (the command that runs is the request's own, unescaped)."""
        host = self._host
        params = RequestApprovalParams.model_validate(
            {
                "request_id": new_request_id(),
                "thread_id": host.thread_id,
                "turn_id": host.turn_id,
                "item_id": item_id,
                "kind": kind,
                **fields,
            }
        )
        return params.model_copy(
            update={
                "command": _shown(params.command),
                "cwd": _shown(params.cwd),
                "reason": _shown(params.reason),
                "prefix_rule": [printable(word) for word in params.prefix_rule] if params.prefix_rule else None,
                "changes": [c.model_copy(update={"diff": printable(c.diff)}) for c in params.changes]
                if params.changes
                else params.changes,
            }
        )

    async def _ask(self, request: ApprovalRequest) -> ApprovalResponse:
        """Ask the user (``cancel`` raises).

        Raises:
            TurnCancelledError: the user chose "cancel".
        """
        params = request.params
        log.debug("approval asked: %s %s (%s)", params.kind.value, params.item_id, params.request_id)
        response = await self._host.request_approval(request)
        log.debug("approval answered: %s %s", params.request_id, response.decision.value)
        if response.decision is ApprovalDecision.CANCEL:
            raise TurnCancelledError("the user cancelled the turn")
        return response


def _narrow(files: tuple[ProposedFile, ...], accepted: set[str]) -> PatchVerdict:
    """The files reduced to the accepted hunks, and the note naming every rejected hunk."""
    kept: list[FileChange] = []
    notes: list[str] = []
    for proposed in files:
        rejected = [h for h in proposed.hunks if h.id not in accepted]
        if not rejected:
            kept.append(proposed.change)
            continue
        partial = proposed.select(accepted)
        if partial is not None:
            kept.append(partial)
        notes += [f"{proposed.wire.path}: rejected hunk {hunk.header}" for hunk in rejected]
    note = "The user rejected these hunks; they were not applied:\n" + "\n".join(notes) if notes else ""
    return PatchVerdict(kept, note, HunkState.ACCEPTED)
