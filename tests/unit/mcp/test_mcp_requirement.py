"""The approval rule of MCP tool calls (Codex: requires_mcp_tool_approval, mcp_permission_prompt_is_auto_approved)."""

from __future__ import annotations

import pytest

from tandem.config_mcp import ToolApprovalMode
from tandem.protocol.enums import ApprovalPolicy, SandboxMode
from tandem.tools.approvals import Requirement, ToolHints, mcp_requirement

READ_ONLY = ToolHints(read_only=True, destructive=False)
UNKNOWN = ToolHints()
CLOSED_WRITE = ToolHints(read_only=False, destructive=False, open_world=False)
DESTRUCTIVE_READ = ToolHints(read_only=True, destructive=True)
AUTO, PROMPT, APPROVE = ToolApprovalMode.AUTO, ToolApprovalMode.PROMPT, ToolApprovalMode.APPROVE
WW, DFA = SandboxMode.WORKSPACE_WRITE, SandboxMode.DANGER_FULL_ACCESS


@pytest.mark.parametrize(
    ("policy", "sandbox", "mode", "hints", "expected"),
    [
        (ApprovalPolicy.ON_REQUEST, WW, AUTO, READ_ONLY, Requirement.SKIP),
        (ApprovalPolicy.UNTRUSTED, WW, AUTO, READ_ONLY, Requirement.SKIP),
        (ApprovalPolicy.ON_REQUEST, WW, AUTO, UNKNOWN, Requirement.ASK),  # no annotations: destructive, open world
        (ApprovalPolicy.ON_REQUEST, WW, AUTO, CLOSED_WRITE, Requirement.SKIP),
        (ApprovalPolicy.ON_REQUEST, WW, AUTO, DESTRUCTIVE_READ, Requirement.ASK),  # destructive wins
        (ApprovalPolicy.ON_REQUEST, WW, PROMPT, READ_ONLY, Requirement.ASK),
        (ApprovalPolicy.ON_REQUEST, WW, APPROVE, UNKNOWN, Requirement.SKIP),
        (ApprovalPolicy.NEVER, WW, AUTO, UNKNOWN, Requirement.FORBID),
        (ApprovalPolicy.NEVER, WW, AUTO, READ_ONLY, Requirement.SKIP),
        (ApprovalPolicy.NEVER, WW, PROMPT, READ_ONLY, Requirement.FORBID),
        (ApprovalPolicy.NEVER, DFA, PROMPT, UNKNOWN, Requirement.SKIP),  # never + danger-full-access: everything
        (ApprovalPolicy.ON_REQUEST, DFA, AUTO, UNKNOWN, Requirement.ASK),
    ],
)
def test_mcp_requirement(
    policy: ApprovalPolicy, sandbox: SandboxMode, mode: ToolApprovalMode, hints: ToolHints, expected: Requirement
) -> None:
    assert mcp_requirement(policy, sandbox, mode, hints) is expected
