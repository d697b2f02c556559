"""printable(): what an approval prompt shows of a command, a reason or a diff — no control
character reaches the terminal or the editor raw."""

from __future__ import annotations

import asyncio
import io

from tandem.headless.approver import ApprovalMode, TerminalApprover
from tandem.protocol.enums import ApprovalDecision, ApprovalKind
from tandem.protocol.messages import RequestApprovalParams
from tandem.protocol.printable import printable
from tandem.tools.approvals import ApprovalRequest

HIDING = "touch x #\x1b[2K\r$ ls -la"


def test_printable_escapes_controls_and_invisible_format_characters() -> None:
    assert printable(HIDING) == "touch x #\\x1b[2K\\r$ ls -la"
    assert printable("a\u202eb\u200bc\x7f\x9b\ud800") == "a\\u202eb\\u200bc\\x7f\\x9b\\ud800"
    assert printable("line one\n\tline two — ünïcode ✓") == "line one\n\tline two — ünïcode ✓"
    assert printable(printable(HIDING)) == printable(HIDING)


def test_the_terminal_prompt_shows_the_escaped_command() -> None:
    err = io.StringIO()
    approver = TerminalApprover(ApprovalMode.ASK, err, io.StringIO("n\n"))
    params = RequestApprovalParams(
        request_id="r1",
        thread_id="t",
        turn_id="u",
        item_id="i",
        kind=ApprovalKind.COMMAND,
        command=HIDING,
        cwd="/w",
        reason="because\x1b[8m hidden",
    )
    response = asyncio.run(approver(ApprovalRequest(params)))
    assert response.decision is ApprovalDecision.DECLINE
    shown = err.getvalue()
    assert "\x1b" not in shown and "\r" not in shown
    assert "$ touch x #\\x1b[2K\\r$ ls -la" in shown and "because\\x1b[8m hidden" in shown
