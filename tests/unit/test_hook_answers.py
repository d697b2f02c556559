"""Reading a hook's answer: both Claude Code's hookSpecificOutput and the top-level decision forms, exit
code 2, failures (docs/reference-facts.md §10)."""

from __future__ import annotations

import json

from tandem.hooks.config import HookEvent, parse_hooks
from tandem.hooks.dispatch import read_answer
from tandem.hooks.runner import RunResult
from tandem.tools.hook_permission import HookPermission


def _run(stdout: str = "", code: int | None = 0, stderr: str = "", error: str | None = None) -> RunResult:
    return RunResult(code, stdout, stderr, error, 1)


def test_both_decision_forms_are_read() -> None:
    claude = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "no",
        }
    }
    answer, problem = read_answer(HookEvent.PRE_TOOL_USE, _run(json.dumps(claude)))
    assert problem is None and answer.permission is HookPermission.DENY and answer.reason == "no"
    for decision, expected in (
        ("block", HookPermission.DENY),
        ("deny", HookPermission.DENY),
        ("approve", HookPermission.ALLOW),
        ("ask", HookPermission.ASK),
    ):
        answer, _ = read_answer(HookEvent.PRE_TOOL_USE, _run(json.dumps({"decision": decision, "reason": "r"})))
        assert answer.permission is expected


def test_exit_2_blocks_with_stderr_and_other_failures_are_problems() -> None:
    answer, problem = read_answer(HookEvent.PRE_TOOL_USE, _run(code=2, stderr="nope\n"))
    assert answer.permission is HookPermission.DENY and answer.reason == "nope" and problem is None
    assert read_answer(HookEvent.PRE_TOOL_USE, _run(code=1, stderr="x"))[1] == "exited with code 1: x"
    assert read_answer(HookEvent.PRE_TOOL_USE, _run("{not json"))[1].startswith("printed invalid JSON")
    assert read_answer(HookEvent.STOP, _run(code=None, error="timed out after 1 s"))[1] == "timed out after 1 s"


def test_plain_stdout_is_context_for_prompt_events_only() -> None:
    assert read_answer(HookEvent.USER_PROMPT_SUBMIT, _run("hi"))[0].contexts == ["hi"]
    assert read_answer(HookEvent.PRE_TOOL_USE, _run("hi"))[0].contexts == []


def test_parse_warns_and_keeps_going() -> None:
    handlers, warnings = parse_hooks(
        {
            "hooks": {
                "PreToolUse": [
                    {"matcher": "(", "hooks": [{"type": "command", "command": "x"}]},
                    {"matcher": "Bash", "hooks": [{"type": "prompt"}, {"command": "ok", "timeoutSec": 3}]},
                ],
                "Notification": [],
            }
        },
        "f.json",
    )
    assert [(h.command, h.timeout_s, h.matcher) for h in handlers] == [("ok", 3, "Bash")]
    assert len(warnings) == 3 and all(w.startswith("f.json") for w in warnings)
