"""The terminal approver shows an MCP tool call (server/tool, title, arguments, escaped) and offers only
the decisions the request allows: `p` is "always allow this tool"."""

from __future__ import annotations

import io

from tandem.headless.approver import ApprovalMode, TerminalApprover
from tandem.protocol.enums import ApprovalDecision, ApprovalKind
from tandem.protocol.messages import McpApprovalDetails, RequestApprovalParams
from tandem.tools.approvals import ApprovalRequest

ALL = [
    ApprovalDecision.ACCEPT,
    ApprovalDecision.ACCEPT_FOR_SESSION,
    ApprovalDecision.ACCEPT_ALWAYS,
    ApprovalDecision.DECLINE,
    ApprovalDecision.CANCEL,
]


def _request(decisions: list[ApprovalDecision]) -> ApprovalRequest:
    details = McpApprovalDetails(
        server="git", tool="git_reset", title="Reset\x1b[2K", arguments={"repo_path": "/r"}, decisions=decisions
    )
    return ApprovalRequest(
        RequestApprovalParams(
            request_id="approval-1",
            thread_id="t",
            turn_id="u",
            item_id="i",
            kind=ApprovalKind.MCP_TOOL_CALL,
            mcp=details,
        )
    )


async def test_p_is_always_allow_and_the_call_is_shown_escaped() -> None:
    err = io.StringIO()
    response = await TerminalApprover(ApprovalMode.ASK, err, io.StringIO("p\n"))(_request(ALL))
    assert response.decision is ApprovalDecision.ACCEPT_ALWAYS
    shown = err.getvalue()
    assert "git/git_reset — Reset\\x1b[2K" in shown and '"repo_path": "/r"' in shown
    assert "[p] always allow this tool" in shown and "[a] yes, for this session" in shown


async def test_decisions_not_offered_are_not_taken() -> None:
    err = io.StringIO()
    offered = [ApprovalDecision.ACCEPT, ApprovalDecision.DECLINE, ApprovalDecision.CANCEL]
    response = await TerminalApprover(ApprovalMode.ASK, err, io.StringIO("a\np\nn\n"))(_request(offered))
    assert response.decision is ApprovalDecision.DECLINE
    assert "[p]" not in err.getvalue() and "[a]" not in err.getvalue()
