"""Approvals of MCP tool calls, through real threads and real servers (our test server, and the
reference `mcp-server-git`): read-only tools run without asking under on-request, others are asked
with their title, server and arguments; "for this session" and "always" (written to config.toml,
comments kept) are remembered; `approval_mode` overrides the annotations; `never` refuses what it
would ask, and `never` + `danger-full-access` runs everything; a run without a terminal declines."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import GIT_SERVER, call, items, our_server, outputs, provider
from tandem.config import CliOverrides
from tandem.protocol.enums import ApprovalDecision, ApprovalKind, ApprovalPolicy, SandboxMode
from tandem.protocol.items import TextInput
from tandem.testing import ScriptedModelServer
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse

from helpers import jsonl, message, respond, run_tandem, thread_manager


class Answers:
    """An approver that answers from a list and keeps what it was asked."""

    def __init__(self, *decisions: ApprovalDecision) -> None:
        self.decisions = list(decisions)
        self.asked: list[ApprovalRequest] = []

    async def __call__(self, request: ApprovalRequest) -> ApprovalResponse:
        self.asked.append(request)
        return ApprovalResponse(self.decisions.pop(0))


async def _turns(
    home: Path,
    workspace: Path,
    turns: list[list[dict[str, Any]]],
    approver: Answers,
    *,
    servers: str,
    policy: ApprovalPolicy = ApprovalPolicy.ON_REQUEST,
    sandbox: SandboxMode | None = None,
) -> list[dict[str, Any]]:
    """Run one thread with one turn per script entry; returns the request bodies."""
    script = [response for turn in turns for response in turn]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        (home / "config.toml").write_text("# my settings\n" + provider(server.base_url) + servers)
        cli = CliOverrides(approval_policy=policy, sandbox_mode=sandbox)
        thread = thread_manager(workspace, cli, approver=approver).create()
        try:
            for number in range(len(turns)):
                turn = await thread.run_turn([TextInput(text=f"turn {number}")])
                assert turn.status.value == "completed", turn.error
        finally:
            thread.close()
            await thread.close_mcp()
        return [r.body for r in server.requests if r.method == "POST" and r.body is not None]
    finally:
        server.stop()


def _calls(workspace: Path) -> list[str]:
    log = workspace / "calls.log"
    return log.read_text().split() if log.exists() else []


async def test_read_only_runs_others_are_asked_with_title_server_and_arguments(
    tandem_home: Path, workspace: Path
) -> None:
    approver = Answers(ApprovalDecision.DECLINE)
    turn = [
        respond(call("mcp__test__echo", text="hi"), call("mcp__test__note", text="secret plan")),
        respond(message("ok")),
    ]
    bodies = await _turns(tandem_home, workspace, [turn], approver, servers=our_server())
    (asked,) = approver.asked
    params = asked.params
    assert params.kind is ApprovalKind.MCP_TOOL_CALL and params.mcp is not None
    assert (params.mcp.server, params.mcp.tool, params.mcp.title) == ("test", "note", "Write a note")
    assert params.mcp.arguments == {"text": "secret plan"}
    assert params.reason == 'Allow the test MCP server to run tool "Write a note"?'
    assert params.mcp.decisions == [
        ApprovalDecision.ACCEPT,
        ApprovalDecision.ACCEPT_FOR_SESSION,
        ApprovalDecision.ACCEPT_ALWAYS,
        ApprovalDecision.DECLINE,
        ApprovalDecision.CANCEL,
    ]
    assert outputs(bodies[1]) == ["echo: hi", "user rejected MCP tool call"]
    assert _calls(workspace) == ["echo"] and not (workspace / "note.txt").exists()


async def test_allow_for_this_session_is_remembered_in_the_thread(tandem_home: Path, workspace: Path) -> None:
    approver = Answers(ApprovalDecision.ACCEPT_FOR_SESSION)
    first = [respond(call("mcp__test__note", text="one")), respond(message("ok"))]
    second = [respond(call("mcp__test__note", text="two")), respond(message("ok"))]
    await _turns(tandem_home, workspace, [first, second], approver, servers=our_server())
    assert len(approver.asked) == 1
    assert _calls(workspace) == ["note", "note"] and (workspace / "note.txt").read_text() == "two"


async def test_always_allow_writes_approval_mode_and_keeps_the_comments(tandem_home: Path, workspace: Path) -> None:
    approver = Answers(ApprovalDecision.ACCEPT_ALWAYS)
    turn = [respond(call("mcp__test__note", text="one")), respond(message("ok"))]
    await _turns(tandem_home, workspace, [turn], approver, servers=our_server())
    text = (tandem_home / "config.toml").read_text()
    assert text.startswith("# my settings\n")
    assert tomllib.loads(text)["mcp_servers"]["test"]["tools"]["note"] == {"approval_mode": "approve"}
    # A new thread reads it: no question any more.
    later = Answers()
    config = text.split("[mcp_servers.test]")[1]
    await _turns(tandem_home, workspace, [turn], later, servers="[mcp_servers.test]" + config)
    assert later.asked == [] and _calls(workspace) == ["note", "note"]


async def test_approval_mode_prompt_asks_even_a_read_only_tool_and_remembers_nothing(
    tandem_home: Path, workspace: Path
) -> None:
    approver = Answers(ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT)
    turn = [respond(call("mcp__test__echo", text="a"), call("mcp__test__echo", text="b")), respond(message("ok"))]
    extra = '[mcp_servers.test.tools.echo]\napproval_mode = "prompt"\n'
    await _turns(tandem_home, workspace, [turn], approver, servers=our_server(extra=extra))
    assert len(approver.asked) == 2  # acceptForSession was not remembered for a "prompt" tool
    offered = approver.asked[0].params.mcp
    assert offered is not None and offered.decisions == [
        ApprovalDecision.ACCEPT,
        ApprovalDecision.DECLINE,
        ApprovalDecision.CANCEL,
    ]
    assert _calls(workspace) == ["echo", "echo"]


@pytest.mark.parametrize(
    ("sandbox", "ran"),
    [(SandboxMode.WORKSPACE_WRITE, False), (SandboxMode.DANGER_FULL_ACCESS, True)],
)
async def test_never_refuses_what_it_would_ask_unless_full_access(
    sandbox: SandboxMode, ran: bool, tandem_home: Path, workspace: Path
) -> None:
    approver = Answers()
    turn = [respond(call("mcp__test__note", text="x")), respond(message("ok"))]
    bodies = await _turns(
        tandem_home, workspace, [turn], approver, servers=our_server(), policy=ApprovalPolicy.NEVER, sandbox=sandbox
    )
    assert approver.asked == []
    (output,) = outputs(bodies[1])
    if ran:
        assert output == "written" and _calls(workspace) == ["note"]
    else:
        assert "approval policy (never) does not allow asking" in output
        assert 'approval_mode = "approve" in [mcp_servers.test.tools.note]' in output
        assert _calls(workspace) == []


def test_git_server_without_a_terminal_runs_safe_tools_and_declines_destructive_ones(
    tandem_home: Path, workspace: Path
) -> None:
    """mcp-server-git annotates git_status read-only, git_add as a non-destructive closed-world write
    (no question, as in Codex) and git_reset destructive (asked: declined without a terminal)."""
    repo = workspace / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "a.txt").write_text("a\n")
    where = {"repo_path": str(repo)}
    script = [
        respond(
            call("mcp__git__git_status", **where),
            call("mcp__git__git_add", files=["a.txt"], **where),
            call("mcp__git__git_reset", **where),
        ),
        respond(message("done")),
    ]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        servers = f'[mcp_servers.git]\ncommand = "{GIT_SERVER}"\nargs = ["--repository", "{repo}"]\n'
        (tandem_home / "config.toml").write_text(provider(server.base_url) + servers)
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
        result = run_tandem("exec", "--json", "-a", "on-request", "stage it", cwd=workspace, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        status, add, reset = outputs([r.body for r in server.requests if r.method == "POST" and r.body][1])
        assert "a.txt" in status and add == "Files staged successfully"
        assert reset == "user rejected MCP tool call"
        assert "git_reset" in result.stderr and str(repo) in result.stderr  # what was asked: tool and arguments
        assert "declined: no terminal to ask" in result.stderr
        staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True)
        assert staged.stdout == "a.txt\n"
        completed = {i["tool"]: i for i in items(jsonl(result.stdout), "item.completed")}
        assert completed["git_add"]["status"] == "completed"
        assert completed["git_reset"]["status"] == "failed"
        assert completed["git_reset"]["error"] == {"message": "user rejected MCP tool call"}
    finally:
        server.stop()
