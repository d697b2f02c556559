"""The approval orchestrator below the level of a session: the decision table, what is asked, what is
remembered, and escalation after a sandbox denial (real processes play the attempts)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tandem.config import CliOverrides, Config, load_config
from tandem.errors import TurnCancelledError
from tandem.patch.applier import FileChange, FileOp
from tandem.protocol.enums import ApprovalDecision, ApprovalKind, ApprovalPolicy, SandboxMode
from tandem.sandbox.denials import denial_note
from tandem.sandbox.policy import SandboxPolicy, policy_for
from tandem.tools.approvals import (
    ApprovalRequest,
    ApprovalResponse,
    CommandSafety,
    HunkState,
    Requirement,
    SandboxAvailability,
    SandboxPermissions,
    SessionApprovals,
    command_requirement,
    load_rules,
    prefix_rules_file,
    store_rules,
)
from tandem.tools.orchestrator import (
    NO_SANDBOX_REASON,
    NO_SANDBOX_REFUSAL,
    PATCH_OUTSIDE_REFUSAL,
    PATCH_USER_REFUSAL,
    RETRY_REASON,
    USER_REFUSAL,
    Attempt,
    CommandRequest,
    CommandVerdict,
    Orchestrator,
    PatchRequest,
)
from tandem.tools.process import run_process, shell_argv
from tandem.tools.proposals import ProposedFile

UNTRUSTED, ON_REQUEST, NEVER = ApprovalPolicy.UNTRUSTED, ApprovalPolicy.ON_REQUEST, ApprovalPolicy.NEVER
DEFAULT, ESCALATED = SandboxPermissions.USE_DEFAULT, SandboxPermissions.REQUIRE_ESCALATED
AVAILABLE, MISSING, NOT_NEEDED = (
    SandboxAvailability.AVAILABLE,
    SandboxAvailability.MISSING,
    SandboxAvailability.NOT_NEEDED,
)
DFA = SandboxMode.DANGER_FULL_ACCESS


class Host:
    """The parts of a ToolHost the orchestrator uses; the user answers from a script."""

    def __init__(self, config: Config, *answers: ApprovalDecision | ApprovalResponse) -> None:
        self.thread_id, self.turn_id, self.cwd, self.config = "thread-1", "turn-1", config.cwd, config
        home = config.tandem_home
        self.session_approvals = SessionApprovals(load_rules(home), store_rules(home))
        self.answers = [a if isinstance(a, ApprovalResponse) else ApprovalResponse(a) for a in answers]
        self.asked: list[ApprovalRequest] = []

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        return policy_for(self.config, self.cwd, mode)

    async def request_approval(self, request: ApprovalRequest) -> ApprovalResponse:
        self.asked.append(request)
        return self.answers.pop(0)


@pytest.fixture
def make_host(tmp_path: Path, workspace: Path) -> Any:
    home = tmp_path / "home"

    def make(policy: ApprovalPolicy, *answers: ApprovalDecision | ApprovalResponse, sandbox: SandboxMode = DFA) -> Host:
        cli = CliOverrides(approval_policy=policy, sandbox_mode=sandbox)
        return Host(load_config(workspace, cli, environ={"TANDEM_HOME": str(home)}), *answers)

    return make


def command(text: str, permissions: SandboxPermissions = DEFAULT, **extra: Any) -> CommandRequest:
    return CommandRequest(item_id="item_1", command=text, cwd=Path("/"), permissions=permissions, **extra)


# --- decide ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "safety", "permissions", "expected"),
    [
        (NEVER, CommandSafety.UNKNOWN, ESCALATED, Requirement.SKIP),
        (ON_REQUEST, CommandSafety.UNKNOWN, DEFAULT, Requirement.SKIP),
        (ON_REQUEST, CommandSafety.KNOWN_SAFE, ESCALATED, Requirement.ASK),
        (UNTRUSTED, CommandSafety.KNOWN_SAFE, DEFAULT, Requirement.SKIP),
        (UNTRUSTED, CommandSafety.KNOWN_SAFE, ESCALATED, Requirement.ASK),
        (UNTRUSTED, CommandSafety.UNKNOWN, DEFAULT, Requirement.ASK),
    ],
)
def test_command_requirement_table(
    policy: ApprovalPolicy, safety: CommandSafety, permissions: SandboxPermissions, expected: Requirement
) -> None:
    assert command_requirement(policy, safety=safety, permissions=permissions) is expected


@pytest.mark.parametrize(
    ("policy", "text", "permissions", "availability", "expected", "sandbox"),
    [
        (NEVER, "touch x", DEFAULT, AVAILABLE, Requirement.SKIP, None),
        (NEVER, "touch x", ESCALATED, AVAILABLE, Requirement.SKIP, DFA),
        (NEVER, "ls", DEFAULT, MISSING, Requirement.FORBID, None),
        (ON_REQUEST, "touch x", DEFAULT, AVAILABLE, Requirement.SKIP, None),
        (ON_REQUEST, "touch x", DEFAULT, NOT_NEEDED, Requirement.SKIP, None),
        (ON_REQUEST, "touch x", ESCALATED, AVAILABLE, Requirement.ASK, DFA),
        (ON_REQUEST, "ls", DEFAULT, MISSING, Requirement.ASK, DFA),
        (UNTRUSTED, "ls", DEFAULT, AVAILABLE, Requirement.SKIP, None),
        (UNTRUSTED, "ls", ESCALATED, AVAILABLE, Requirement.ASK, DFA),
        (UNTRUSTED, "ls", DEFAULT, MISSING, Requirement.ASK, DFA),  # a missing sandbox is an escalation
        (UNTRUSTED, "touch x", DEFAULT, AVAILABLE, Requirement.ASK, None),
    ],
)
def test_decision_table(
    make_host: Any,
    policy: ApprovalPolicy,
    text: str,
    permissions: SandboxPermissions,
    availability: SandboxAvailability,
    expected: Requirement,
    sandbox: SandboxMode | None,
) -> None:
    decision = Orchestrator(make_host(policy)).decide_command(command(text, permissions), availability)
    assert decision.requirement is expected
    if expected is Requirement.FORBID:
        assert decision.verdict == CommandVerdict(NO_SANDBOX_REFUSAL)
    else:
        assert decision.verdict == CommandVerdict(None, sandbox)


def test_the_reason_shown_is_the_justification_unless_no_sandbox_exists(make_host: Any) -> None:
    orchestrator = Orchestrator(make_host(ON_REQUEST))
    asked = command("pip install x", ESCALATED, justification="Allow installing from PyPI?")
    assert orchestrator.decide_command(asked, AVAILABLE).reason == "Allow installing from PyPI?"
    assert orchestrator.decide_command(asked, MISSING).reason == NO_SANDBOX_REASON


def test_cached_commands_skip_but_an_escalation_needs_their_own_approval(make_host: Any) -> None:
    host = make_host(UNTRUSTED)
    orchestrator = Orchestrator(host)
    host.session_approvals.remember_command("touch x")
    assert orchestrator.decide_command(command("FOO=1 touch x"), AVAILABLE).requirement is Requirement.SKIP
    assert orchestrator.decide_command(command("touch y"), AVAILABLE).requirement is Requirement.ASK
    # known-safe segments count for a sandboxed run only
    assert orchestrator.decide_command(command("touch x | cat", ESCALATED), AVAILABLE).requirement is Requirement.ASK
    assert orchestrator.decide_command(command("touch x | cat"), AVAILABLE).requirement is Requirement.SKIP


def test_sandbox_permissions_parse_the_tool_parameter() -> None:
    assert SandboxPermissions.parse("require_escalated") is ESCALATED
    for raw in ("use_default", None, "root", 1):
        assert SandboxPermissions.parse(raw) is DEFAULT


# --- ask and remember: commands ---------------------------------------------------------------


async def test_an_accepted_command_runs_as_decided_and_the_question_is_the_wire_request(make_host: Any) -> None:
    host = make_host(ON_REQUEST, ApprovalDecision.ACCEPT)
    asked = CommandRequest(
        "item_7", "touch /opt/x", Path("/srv"), ESCALATED, "Write outside?", prefix_rule=("touch", "/opt/x")
    )
    assert await Orchestrator(host).approve_command(asked) == CommandVerdict(None, DFA)
    (request,) = host.asked
    params = request.params
    assert re.fullmatch(r"approval-[0-9a-f]{12}", params.request_id)
    assert (params.thread_id, params.turn_id, params.item_id, params.kind) == (
        "thread-1",
        "turn-1",
        "item_7",
        ApprovalKind.COMMAND,
    )
    assert (params.command, params.cwd, params.reason, params.prefix_rule) == (
        "touch /opt/x",
        "/srv",
        "Write outside?",
        ["touch", "/opt/x"],
    )
    assert params.changes is None and request.files == ()


async def test_decline_refuses_and_cancel_interrupts(make_host: Any) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.DECLINE, ApprovalDecision.CANCEL)
    orchestrator = Orchestrator(host)
    assert await orchestrator.approve_command(command("touch x")) == CommandVerdict(USER_REFUSAL)
    with pytest.raises(TurnCancelledError):
        await orchestrator.approve_command(command("touch x"))


async def test_nothing_is_asked_when_the_policy_skips(make_host: Any) -> None:
    host = make_host(UNTRUSTED)
    assert await Orchestrator(host).approve_command(command("ls -la")) == CommandVerdict(None, None)
    assert host.asked == []


async def test_accept_for_session_is_remembered_for_the_thread(make_host: Any) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.ACCEPT_FOR_SESSION)
    orchestrator = Orchestrator(host)
    await orchestrator.approve_command(command("touch x"))
    assert await orchestrator.approve_command(command("bash -lc 'touch x'")) == CommandVerdict(None, None)
    assert len(host.asked) == 1


async def test_a_prefix_rule_is_remembered_and_persisted_for_later_threads(make_host: Any, tmp_path: Path) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE)
    orchestrator = Orchestrator(host)
    await orchestrator.approve_command(command("mkdir -p a/b", prefix_rule=("mkdir", "-p")))
    assert await orchestrator.approve_command(command("mkdir -p c")) == CommandVerdict(None, None)
    assert len(host.asked) == 1
    stored = json.loads(prefix_rules_file(tmp_path / "home").read_text())
    assert "mkdir" in json.dumps(stored)
    later = make_host(UNTRUSTED)  # a new thread loads the persisted rules
    assert await Orchestrator(later).approve_command(command("mkdir -p d")) == CommandVerdict(None, None)
    assert later.asked == []


async def test_accept_with_prefix_rule_without_a_proposed_rule_remembers_nothing(make_host: Any) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE, ApprovalDecision.DECLINE)
    orchestrator = Orchestrator(host)
    assert await orchestrator.approve_command(command("touch x")) == CommandVerdict(None, None)
    assert await orchestrator.approve_command(command("touch x")) == CommandVerdict(USER_REFUSAL)


# --- run sandboxed, escalate on denial --------------------------------------------------------


class Runs:
    """Attempts as real processes: a sandboxed attempt of ``blocked`` prints a read-only denial."""

    def __init__(self, workspace: Path, blocked: bool = True) -> None:
        self.workspace, self.blocked, self.modes = workspace, blocked, list[SandboxMode | None]()

    async def __call__(self, mode: SandboxMode | None) -> Attempt:
        self.modes.append(mode)
        sandboxed = mode is not DFA
        script = (
            "echo 'touch: cannot touch x: Read-only file system' >&2; exit 1"
            if sandboxed and self.blocked
            else "echo ran"
        )
        result = await run_process(shell_argv(script), cwd=self.workspace, env=dict(os.environ), timeout_s=30)
        return Attempt(result, sandboxed)


async def test_untrusted_offers_an_unsandboxed_retry_after_a_denial(make_host: Any, workspace: Path) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.ACCEPT, sandbox=SandboxMode.WORKSPACE_WRITE)
    runs = Runs(workspace)
    run = await Orchestrator(host).run_command(command("touch x"), CommandVerdict(None), runs)
    assert runs.modes == [None, DFA]
    assert run.result.exit_code == 0 and run.result.output == "ran\n" and run.note == ""
    (retry,) = host.asked
    assert retry.params.reason == RETRY_REASON and retry.params.prefix_rule is None


async def test_a_declined_retry_or_another_policy_tells_the_model_how_to_escalate(
    make_host: Any, workspace: Path
) -> None:
    for host in (
        make_host(UNTRUSTED, ApprovalDecision.DECLINE, sandbox=SandboxMode.WORKSPACE_WRITE),
        make_host(ON_REQUEST, sandbox=SandboxMode.WORKSPACE_WRITE),
    ):
        runs = Runs(workspace)
        run = await Orchestrator(host).run_command(command("touch x"), CommandVerdict(None), runs)
        assert runs.modes == [None] and run.result.exit_code == 1
        assert run.note == denial_note(SandboxMode.WORKSPACE_WRITE)
    assert "require_escalated" in run.note


async def test_cancel_at_the_retry_interrupts(make_host: Any, workspace: Path) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.CANCEL, sandbox=SandboxMode.WORKSPACE_WRITE)
    with pytest.raises(TurnCancelledError):
        await Orchestrator(host).run_command(command("touch x"), CommandVerdict(None), Runs(workspace))


async def test_runs_that_were_not_denied_are_not_escalated(make_host: Any, workspace: Path) -> None:
    host = make_host(UNTRUSTED, sandbox=SandboxMode.WORKSPACE_WRITE)
    for verdict, runs, modes in (
        (CommandVerdict(None), Runs(workspace, blocked=False), [None]),
        (CommandVerdict(None, DFA), Runs(workspace), [DFA]),  # escalated runs start unsandboxed
    ):
        run = await Orchestrator(host).run_command(command("touch x"), verdict, runs)
        assert runs.modes == modes and run.result.exit_code == 0 and run.note == ""
    assert host.asked == []


# --- file changes -----------------------------------------------------------------------------

ORIGINAL = "".join(f"line {n}\n" for n in range(1, 21))
EDITED = ORIGINAL.replace("line 2\n", "LINE TWO\n").replace("line 18\n", "LINE EIGHTEEN\n")


def patch(workspace: Path, path: Path | None = None, old: str = ORIGINAL, new: str = EDITED) -> PatchRequest:
    change = FileChange(path or workspace / "f.txt", FileOp.UPDATE, old, new)
    return PatchRequest("item_3", workspace, (ProposedFile.of(change, workspace),))


async def test_a_patch_inside_the_workspace_is_applied_unasked_and_stays_pending_review(
    make_host: Any, workspace: Path
) -> None:
    host = make_host(ON_REQUEST, sandbox=SandboxMode.WORKSPACE_WRITE)
    request = patch(workspace)
    verdict = await Orchestrator(host).approve_patch(request)
    assert verdict.changes == [request.files[0].change] and verdict.note == "" and verdict.state is HunkState.PENDING
    assert host.asked == []


async def test_writes_outside_the_workspace_or_into_protected_paths_are_asked_or_refused(
    make_host: Any, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.txt"
    refused = await Orchestrator(make_host(NEVER, sandbox=SandboxMode.WORKSPACE_WRITE)).approve_patch(
        patch(workspace, outside)
    )
    assert (refused.changes, refused.note) == ([], PATCH_OUTSIDE_REFUSAL)
    host = make_host(ON_REQUEST, ApprovalDecision.ACCEPT, ApprovalDecision.DECLINE, sandbox=SandboxMode.WORKSPACE_WRITE)
    accepted = await Orchestrator(host).approve_patch(patch(workspace, outside))
    assert len(accepted.changes) == 1 and accepted.state is HunkState.ACCEPTED
    declined = await Orchestrator(host).approve_patch(patch(workspace, workspace / ".tandem" / "config.toml"))
    assert (declined.changes, declined.note) == ([], PATCH_USER_REFUSAL)
    assert [r.params.changes[0].path for r in host.asked if r.params.changes] == [
        str(outside),
        ".tandem/config.toml",
    ]


async def test_some_hunks_accepted_narrows_the_change_and_names_the_rest(make_host: Any, workspace: Path) -> None:
    request = patch(workspace)
    first, second = request.files[0].hunks
    host = make_host(UNTRUSTED, ApprovalResponse(ApprovalDecision.ACCEPT, [first.id]))
    verdict = await Orchestrator(host).approve_patch(request)
    (change,) = verdict.changes
    assert change.new_text == ORIGINAL.replace("line 2\n", "LINE TWO\n")
    assert (
        verdict.note == f"The user rejected these hunks; they were not applied:\nf.txt: rejected hunk {second.header}"
    )
    assert verdict.state is HunkState.ACCEPTED
    (asked,) = host.asked
    assert asked.params.kind is ApprovalKind.FILE_CHANGE and asked.files == request.files
    (proposal,) = asked.params.changes or []
    assert (proposal.old_text, proposal.new_text) == (ORIGINAL, EDITED)
    assert [h.id for h in proposal.hunks] == [first.id, second.id]


async def test_file_approvals_for_the_session_and_cancel(make_host: Any, workspace: Path) -> None:
    host = make_host(UNTRUSTED, ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.CANCEL)
    orchestrator = Orchestrator(host)
    await orchestrator.approve_patch(patch(workspace))
    again = await orchestrator.approve_patch(patch(workspace, old=EDITED, new=ORIGINAL))
    assert len(again.changes) == 1 and again.state is HunkState.PENDING and len(host.asked) == 1
    with pytest.raises(TurnCancelledError):
        await orchestrator.approve_patch(patch(workspace, workspace / "other.txt"))
