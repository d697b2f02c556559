"""The agent loop in-process against the scripted model server: tools, ordering, errors, interrupts."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.agent.context import TURN_ABORTED_MARKER
from tandem.agent.events import (
    AgentMessageDelta,
    Event,
    ItemCompleted,
    ItemStarted,
    ItemUpdated,
    PlanUpdated,
    StreamRetrying,
    TurnCompleted,
    TurnStarted,
)
from tandem.agent.thread import Approver, Thread
from tandem.config import ApprovalPolicy, CliOverrides
from tandem.protocol.enums import ApprovalDecision, ItemStatus, TurnStatus
from tandem.protocol.items import CommandExecutionItem, FileChangeItem, PlanItem, TextInput
from tandem.protocol.messages import RequestApprovalParams
from tandem.sandbox.probe import Strength, probe
from tandem.testing import ScriptedModelServer
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse

from helpers import last_outputs, message, patch_call, processes_named, respond, shell, thread_manager, tool_outputs


class Harness:
    """A thread wired to a scripted server, recording every event."""

    def __init__(self, thread: Thread, server: ScriptedModelServer) -> None:
        self.thread = thread
        self.server = server
        self.events: list[Event] = []
        thread.subscribe(self.events.append)

    async def turn(self, text: str) -> Any:
        return await self.thread.run_turn([TextInput(text=text)])

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.server.requests]

    def completed(self, kind: type) -> list[Any]:
        return [e.item for e in self.events if isinstance(e, ItemCompleted) and isinstance(e.item, kind)]


@pytest.fixture
def harness(
    model_server: Callable[..., ScriptedModelServer], workspace: Path, tandem_home: Path
) -> Callable[..., Harness]:
    def make(
        responses: list[dict[str, Any]],
        *,
        policy: ApprovalPolicy = ApprovalPolicy.NEVER,
        approver: Approver | None = None,
        overrides: tuple[str, ...] = (),
    ) -> Harness:
        server = model_server(responses)
        cli = CliOverrides(approval_policy=policy, config_overrides=overrides)
        return Harness(thread_manager(workspace, cli, approver=approver).create(), server)

    return make


async def test_parallel_shell_calls_really_run_together(harness, workspace: Path) -> None:
    os.mkfifo(workspace / "pipe")
    # The reader blocks until the writer runs: this only finishes if both run at the same time.
    h = harness(
        [
            respond(shell("cat pipe", timeout_ms=20_000), shell("echo hi > pipe", timeout_ms=20_000)),
            respond(message("done")),
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED
    outputs = last_outputs(h.bodies()[1])
    assert outputs[0].startswith("Exit code: 0") and outputs[0].endswith("hi\n")
    assert outputs[1].startswith("Exit code: 0")


async def test_patch_waits_for_earlier_commands_and_outputs_keep_call_order(harness, workspace: Path) -> None:
    h = harness(
        [
            respond(
                shell("printf one > a.txt"),
                patch_call("*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** End Patch"),
                shell("cat a.txt"),
            ),
            respond(message("done")),
        ]
    )
    await h.turn("go")
    first, second, third = last_outputs(h.bodies()[1])
    assert first.startswith("Exit code: 0")
    assert second == "Success. Updated the following files:\nM a.txt"
    assert third.endswith("Output:\ntwo")  # the read after the patch saw the patched file
    assert (workspace / "a.txt").read_text() == "two"  # no final newline before, none after


async def test_tool_errors_go_back_to_the_model_and_the_turn_continues(harness, workspace: Path) -> None:
    (workspace / "a.py").write_text("x = 1\n")
    bad_patch = "*** Begin Patch\n*** Update File: a.py\n-y = 2\n+y = 3\n*** End Patch"
    h = harness(
        [
            respond(
                patch_call(bad_patch),
                {"type": "function_call", "name": "no_such_tool", "arguments": {}},
                {"type": "function_call", "name": "shell_command", "arguments": "{not json"},
            ),
            respond(message("I could not apply it.")),
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED
    patch_out, unknown_out, bad_args_out = last_outputs(h.bodies()[1])
    assert patch_out.startswith("apply_patch verification failed") and "a.py" in patch_out and "y = 2" in patch_out
    assert unknown_out == "unsupported call: no_such_tool"
    assert "failed to parse function arguments" in bad_args_out
    assert (workspace / "a.py").read_text() == "x = 1\n"


async def test_interrupt_kills_the_command_answers_every_call_and_tells_the_model(harness, workspace: Path) -> None:
    marker = f"tandem-test-{uuid.uuid4().hex[:8]}"
    h = harness(
        [
            respond(
                shell(f"echo started; exec -a {marker} sleep 600", timeout_ms=600_000),
                patch_call("*** Begin Patch\n*** Add File: later.txt\n+x\n*** End Patch"),
            ),
            respond(message("next turn")),
        ]
    )
    _, task = h.thread.start_turn([TextInput(text="go")])
    while not processes_named(marker):  # the command is running (inside the sandbox's pid namespace)
        await asyncio.sleep(0.01)
    assert h.thread.interrupt()
    turn = await asyncio.wait_for(task, 10)
    assert turn.status is TurnStatus.INTERRUPTED
    assert processes_named(marker) == []
    assert not (workspace / "later.txt").exists()
    history = h.thread.history
    answered = {i["call_id"] for i in history if i["type"].endswith("_output")}
    calls = {i["call_id"] for i in history if i["type"] in ("function_call", "custom_tool_call")}
    assert calls and calls == answered
    assert history[-1]["content"][0]["text"] == TURN_ABORTED_MARKER
    assert isinstance(h.events[-1], TurnCompleted) and h.events[-1].turn.status is TurnStatus.INTERRUPTED
    # The next turn starts from a consistent history that includes the marker.
    assert (await h.turn("carry on")).status is TurnStatus.COMPLETED
    assert any(
        item.get("content", [{}])[0].get("text") == TURN_ABORTED_MARKER
        for item in h.bodies()[-1]["input"]
        if item.get("type") == "message"
    )


async def test_broken_stream_is_retried_without_resending_the_half_message(harness) -> None:
    half = respond(
        message("This sentence will be cut off somewhere in the middle of it."),
        fault={"kind": "disconnect", "after_events": 4},
    )
    h = harness([half, respond(message("Complete answer."))])
    turn = await h.turn("hello")
    assert turn.status is TurnStatus.COMPLETED
    first, second = h.bodies()
    assert first["input"] == second["input"]  # nothing from the broken attempt was kept
    retry = next(e for e in h.events if isinstance(e, StreamRetrying))
    assert retry.attempt == 1 and retry.discarded_item_ids
    deltas = [e for e in h.events if isinstance(e, AgentMessageDelta)]
    assert {d.item_id for d in deltas} - set(retry.discarded_item_ids)  # the retry streamed a new item
    texts = [e.item.text for e in h.events if isinstance(e, ItemCompleted) and hasattr(e.item, "text")]
    assert texts == ["Complete answer."]


async def test_completed_calls_survive_a_broken_stream_and_run_once(harness, workspace: Path) -> None:
    h = harness(
        [
            respond(
                shell("echo ran >> log.txt"),
                message("and now a long message that breaks"),
                fault={"kind": "disconnect", "after_events": 7},
            ),
            respond(message("ok")),
        ]
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.COMPLETED
    assert (workspace / "log.txt").read_text() == "ran\n"  # executed exactly once
    retried = h.bodies()[1]["input"]
    assert retried[-2]["type"] == "function_call" and retried[-1]["type"] == "function_call_output"


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "http_error", "status": 500, "body": {"error": {"message": "boom"}}},
        {
            "kind": "http_error",
            "status": 429,
            "body": {"error": {"message": "slow down"}},
            "headers": {"Retry-After": "0"},
        },
        {"kind": "response_failed", "code": "rate_limit_exceeded", "message": "Rate limit. Please try again in 10ms."},
        {"kind": "no_completed"},
        {"kind": "malformed_json", "after_events": 1},
    ],
)
async def test_transient_failures_are_retried(harness, fault: dict[str, Any]) -> None:
    first: dict[str, Any] = {"fault": fault}
    if fault["kind"] != "http_error":
        first["output"] = [message("partial")]
    h = harness([first, respond(message("fine"))])
    turn = await h.turn("hi")
    assert turn.status is TurnStatus.COMPLETED, turn.error
    assert len(h.bodies()) == 2
    assert any(isinstance(e, StreamRetrying) for e in h.events)


async def test_idle_stream_times_out_and_is_retried(harness) -> None:
    h = harness(
        [
            {"fault": {"kind": "stall", "after_events": 1, "seconds": 30}, "output": [message("x")]},
            respond(message("fine")),
        ],
        overrides=("model_providers.openai.stream_idle_timeout_ms=300",),
    )
    turn = await h.turn("hi")
    assert turn.status is TurnStatus.COMPLETED
    assert "no data from the model" in next(e for e in h.events if isinstance(e, StreamRetrying)).message


async def test_quota_errors_fail_at_once_and_retries_are_bounded(harness) -> None:
    h = harness(
        [
            {
                "fault": {
                    "kind": "http_error",
                    "status": 429,
                    "body": {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}},
                }
            }
        ]
    )
    turn = await h.turn("hi")
    assert turn.status is TurnStatus.FAILED and "quota" in turn.error.message
    assert len(h.bodies()) == 1
    h2 = harness(
        [{"fault": {"kind": "no_completed"}, "output": [message("x")]}] * 3,
        overrides=("model_providers.openai.stream_max_retries=1",),
    )
    turn = await h2.turn("hi")
    assert turn.status is TurnStatus.FAILED
    assert "stream closed before response.completed" in turn.error.message
    assert len(h2.bodies()) == 2


async def test_requests_are_strict_prefix_extensions_over_a_multi_turn_session(harness, workspace: Path) -> None:
    reasoning = {"type": "reasoning", "summary": "thinking", "encrypted_content": "enc-1"}
    plain_reasoning = {"type": "reasoning", "summary": "not carried"}
    h = harness(
        [
            respond(reasoning, shell("echo a")),
            respond(message("one")),
            respond(plain_reasoning, patch_call("*** Begin Patch\n*** Add File: n.txt\n+n\n*** End Patch")),
            respond(message("two")),
            respond(message("three")),
        ]
    )
    for text in ("first", "second", "third"):
        assert (await h.turn(text)).status is TurnStatus.COMPLETED
    bodies = h.bodies()
    assert len(bodies) == 5
    for previous, current in itertools.pairwise(bodies):
        assert current["instructions"] == previous["instructions"]
        assert current["tools"] == previous["tools"]
        assert len(current["input"]) > len(previous["input"])
        assert current["input"][: len(previous["input"])] == previous["input"]
    for body in bodies:
        assert body["store"] is False and body["stream"] is True
        assert body["prompt_cache_key"] == h.thread.info.id
        assert [t["name"] for t in body["tools"]] == [
            "shell_command",
            "apply_patch",
            "update_plan",
            "read_file",
            "view_image",
        ]
    carried = [i for i in bodies[1]["input"] if i["type"] == "reasoning"]
    assert carried == [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}], "encrypted_content": "enc-1"}
        | {k: v for k, v in carried[0].items() if k not in ("type", "summary", "encrypted_content")}
    ]
    assert all(
        i.get("summary") != [{"type": "summary_text", "text": "not carried"}]
        for i in bodies[3]["input"]
        if i["type"] == "reasoning"
    )
    patch_tool = bodies[0]["tools"][1]
    assert patch_tool["type"] == "custom" and patch_tool["format"]["syntax"] == "lark"
    assert "Begin Patch" in patch_tool["format"]["definition"]
    assert tool_outputs(bodies[3])  # the custom tool call's output went back as custom_tool_call_output
    assert any(i["type"] == "custom_tool_call_output" for i in bodies[3]["input"])


async def test_event_order_for_a_turn(harness) -> None:
    h = harness([respond(shell("true")), respond(message("bye"))])
    await h.turn("go")
    kinds = [type(e).__name__ for e in h.events]
    assert kinds[0] == "TurnStarted" and kinds[-1] == "TurnCompleted"
    started = {e.item.id for e in h.events if isinstance(e, ItemStarted)}
    completed = [e.item.id for e in h.events if isinstance(e, ItemCompleted)]
    assert started == set(completed) and len(completed) == len(set(completed))
    for item_id in completed:
        first = next(i for i, e in enumerate(h.events) if isinstance(e, ItemStarted) and e.item.id == item_id)
        last = next(i for i, e in enumerate(h.events) if isinstance(e, ItemCompleted) and e.item.id == item_id)
        assert first < last
    assert isinstance(h.events[0], TurnStarted)


async def test_plan_updates_become_one_plan_item(harness) -> None:
    plan = {
        "type": "function_call",
        "name": "update_plan",
        "arguments": {"plan": [{"step": "a", "status": "in_progress"}, {"step": "b", "status": "pending"}]},
    }
    plan2 = {
        "type": "function_call",
        "name": "update_plan",
        "arguments": {"plan": [{"step": "a", "status": "completed"}, {"step": "b", "status": "completed"}]},
    }
    bad = {
        "type": "function_call",
        "name": "update_plan",
        "arguments": {"plan": [{"step": "a", "status": "in_progress"}, {"step": "b", "status": "in_progress"}]},
    }
    h = harness([respond(plan), respond(bad), respond(plan2), respond(message("done"))])
    await h.turn("go")
    assert len([e for e in h.events if isinstance(e, PlanUpdated)]) == 2
    assert last_outputs(h.bodies()[2]) == ["update_plan: at most one step can be in_progress at a time"]
    started = [e for e in h.events if isinstance(e, ItemStarted) and isinstance(e.item, PlanItem)]
    updated = [e for e in h.events if isinstance(e, ItemUpdated) and isinstance(e.item, PlanItem)]
    done = h.completed(PlanItem)
    assert len(started) == 1 and len(updated) == 1 and len(done) == 1
    assert [s.status.value for s in done[0].steps] == ["completed", "completed"]


async def test_patch_through_the_shell_is_intercepted(harness, workspace: Path) -> None:
    command = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\nEOF"
    h = harness([respond(shell(command)), respond(message("ok"))])
    await h.turn("go")
    assert (workspace / "new.txt").read_text() == "hello\n"
    assert last_outputs(h.bodies()[1]) == ["Success. Updated the following files:\nA new.txt"]
    assert h.completed(FileChangeItem) and not h.completed(CommandExecutionItem)


async def test_timeouts_kill_the_command_and_report_124(harness) -> None:
    h = harness([respond(shell("echo before; sleep 30", timeout_ms=300)), respond(message("ok"))])
    await h.turn("go")
    out = last_outputs(h.bodies()[1])[0]
    assert out.startswith("Exit code: 124") and "before" in out and "timed out" in out


class ScriptedApprover:
    def __init__(self, *decisions: ApprovalDecision) -> None:
        self.decisions = list(decisions)
        self.requests: list[RequestApprovalParams] = []  # what the user was shown

    async def __call__(self, request: ApprovalRequest) -> ApprovalResponse:
        self.requests.append(request.params)
        return ApprovalResponse(self.decisions.pop(0))


async def test_untrusted_asks_for_unsafe_commands_and_remembers_session_approvals(harness, workspace: Path) -> None:
    approver = ScriptedApprover(ApprovalDecision.DECLINE, ApprovalDecision.ACCEPT_FOR_SESSION)
    h = harness(
        [
            respond(shell("ls")),
            respond(shell("touch x")),
            respond(shell("touch y")),
            respond(shell("touch y")),
            respond(message("ok")),
        ],
        policy=ApprovalPolicy.UNTRUSTED,
        approver=approver,
    )
    await h.turn("go")
    bodies = h.bodies()
    assert last_outputs(bodies[1])[0].startswith("Exit code: 0")  # ls: known safe, not asked
    assert last_outputs(bodies[2]) == ["exec command rejected by user"]
    assert not (workspace / "x").exists()
    assert last_outputs(bodies[3])[0].startswith("Exit code: 0")
    assert last_outputs(bodies[4])[0].startswith("Exit code: 0")  # remembered: not asked again
    assert [r.command for r in approver.requests] == ["touch x", "touch y"]
    declined = [i for i in h.completed(CommandExecutionItem) if i.status is ItemStatus.DECLINED]
    assert [i.command for i in declined] == ["touch x"]


async def test_cancel_at_an_approval_interrupts_the_turn(harness, workspace: Path) -> None:
    approver = ScriptedApprover(ApprovalDecision.CANCEL)
    h = harness(
        [respond(patch_call("*** Begin Patch\n*** Add File: n.txt\n+n\n*** End Patch"))],
        policy=ApprovalPolicy.UNTRUSTED,
        approver=approver,
    )
    turn = await h.turn("go")
    assert turn.status is TurnStatus.INTERRUPTED
    assert not (workspace / "n.txt").exists()
    changes = approver.requests[0].changes or []
    assert changes[0].path == "n.txt" and changes[0].hunks and changes[0].new_text == "n\n"
    assert h.thread.history[-1]["content"][0]["text"] == TURN_ABORTED_MARKER


async def test_read_file_numbers_lines_and_pages(harness, workspace: Path) -> None:
    (workspace / "big.py").write_text("".join(f"line {n}\n" for n in range(1, 11)))
    read = {"type": "function_call", "name": "read_file", "arguments": {"file_path": "big.py", "offset": 4, "limit": 2}}
    missing = {"type": "function_call", "name": "read_file", "arguments": {"file_path": "nope.py"}}
    h = harness([respond(read, missing), respond(message("ok"))])
    await h.turn("go")
    assert last_outputs(h.bodies()[1]) == ["L4: line 4\nL5: line 5", "read_file: nope.py does not exist"]


async def test_session_approvals_match_normalised_commands_and_prefix_rules_persist(
    harness, workspace: Path, tandem_home: Path
) -> None:
    approver = ScriptedApprover(ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE)
    h = harness(
        [
            respond(shell("touch a")),
            respond(shell("FOO=1 bash -lc 'touch a'")),
            respond(shell("touch a && ls")),
            respond(shell("mkdir -p d/e", prefix_rule=["mkdir", "-p"])),
            respond(shell("mkdir -p f")),
            respond(message("ok")),
        ],
        policy=ApprovalPolicy.UNTRUSTED,
        approver=approver,
    )
    await h.turn("go")
    assert [r.command for r in approver.requests] == ["touch a", "mkdir -p d/e"]
    assert approver.requests[1].prefix_rule == ["mkdir", "-p"]
    assert (workspace / "d" / "e").is_dir() and (workspace / "f").is_dir()
    stored = (tandem_home / "rules" / "prefix_rules.json").read_text()
    assert '"mkdir"' in stored and '"-p"' in stored
    # A new thread starts with the persisted rule: not asked again.
    approver2 = ScriptedApprover()
    h2 = harness(
        [respond(shell("mkdir -p g")), respond(message("ok"))], policy=ApprovalPolicy.UNTRUSTED, approver=approver2
    )
    await h2.turn("go")
    assert approver2.requests == [] and (workspace / "g").is_dir()


async def test_unrelated_prefix_rules_are_not_offered(harness) -> None:
    approver = ScriptedApprover(ApprovalDecision.ACCEPT)
    h = harness(
        [respond(shell("touch x", prefix_rule=["rm"])), respond(message("ok"))],
        policy=ApprovalPolicy.UNTRUSTED,
        approver=approver,
    )
    await h.turn("go")
    assert approver.requests[0].prefix_rule is None


needs_sandbox = pytest.mark.skipif(probe().strength is not Strength.FULL, reason="needs bubblewrap")


@pytest.fixture
def outside() -> Iterator[Path]:
    """A host directory outside the workspace and outside /tmp (the sandbox's /tmp is private)."""
    path = Path(tempfile.mkdtemp(prefix="tandem-outside-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_sandbox
async def test_sandbox_denial_is_explained_and_escalation_asks_then_runs_outside(harness, outside: Path) -> None:
    approver = ScriptedApprover(ApprovalDecision.ACCEPT)
    escalate = shell(
        f"touch {outside}/escalated",
        sandbox_permissions="require_escalated",
        justification="Allow writing the build cache outside the workspace?",
    )
    h = harness(
        [respond(shell(f"touch {outside}/blocked")), respond(escalate), respond(message("ok"))],
        policy=ApprovalPolicy.ON_REQUEST,
        approver=approver,
    )
    await h.turn("go")
    blocked = last_outputs(h.bodies()[1])[0]
    assert blocked.startswith("Exit code: 1") and "require_escalated" in blocked
    assert not (outside / "blocked").exists()
    assert [r.reason for r in approver.requests] == ["Allow writing the build cache outside the workspace?"]
    assert (outside / "escalated").exists()


@needs_sandbox
async def test_untrusted_offers_to_retry_a_blocked_command_without_the_sandbox(harness, outside: Path) -> None:
    approver = ScriptedApprover(ApprovalDecision.ACCEPT, ApprovalDecision.ACCEPT)
    h = harness(
        [respond(shell(f"touch {outside}/x")), respond(message("ok"))],
        policy=ApprovalPolicy.UNTRUSTED,
        approver=approver,
    )
    await h.turn("go")
    assert len(approver.requests) == 2
    assert approver.requests[1].reason == "The sandbox blocked this command. Run it again without the sandbox?"
    assert (outside / "x").exists()
    assert last_outputs(h.bodies()[1])[0].startswith("Exit code: 0")


async def test_patches_outside_the_writable_roots(harness, workspace: Path, tmp_path: Path) -> None:
    (workspace / ".git").mkdir()
    outside = tmp_path / "elsewhere.txt"
    add_outside = patch_call(f"*** Begin Patch\n*** Add File: {outside}\n+x\n*** End Patch")
    add_git = patch_call("*** Begin Patch\n*** Add File: .git/hooks/pre-commit\n+evil\n*** End Patch")
    h = harness([respond(add_outside), respond(message("ok"))], policy=ApprovalPolicy.NEVER)
    await h.turn("go")
    assert "outside the workspace" in last_outputs(h.bodies()[1])[0] and not outside.exists()
    approver = ScriptedApprover(ApprovalDecision.DECLINE)
    h2 = harness([respond(add_git), respond(message("ok"))], policy=ApprovalPolicy.ON_REQUEST, approver=approver)
    await h2.turn("go")
    assert approver.requests and (approver.requests[0].changes or [])[0].path == ".git/hooks/pre-commit"
    assert not (workspace / ".git" / "hooks" / "pre-commit").exists()


async def test_view_image_attaches_the_image_as_input(harness, workspace: Path) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    (workspace / "shot.png").write_bytes(png)
    view = {"type": "function_call", "name": "view_image", "arguments": {"path": "shot.png"}}
    bad = {"type": "function_call", "name": "view_image", "arguments": {"path": "notes.txt"}}
    h = harness([respond(view, bad), respond(message("I see a pixel."))])
    await h.turn("look")
    body = h.bodies()[1]["input"]
    outputs = [i for i in body if i["type"] == "function_call_output"]
    assert outputs[0]["output"].startswith("Attached image shot.png (image/png")
    assert outputs[1]["output"] == "view_image: notes.txt is not a PNG, JPEG, GIF or WebP image"
    images = [part for i in body if i.get("role") == "user" for part in i["content"] if part["type"] == "input_image"]
    assert images and images[0]["image_url"].startswith("data:image/png;base64,iVBORw0KGgo")


async def test_an_event_a_listener_keeps_never_changes_after_it_was_emitted(harness) -> None:
    h = harness([respond(shell("echo hi")), respond(message("done"))])
    assert (await h.turn("go")).status is TurnStatus.COMPLETED
    [started] = [e for e in h.events if isinstance(e, ItemStarted) and isinstance(e.item, CommandExecutionItem)]
    [completed] = h.completed(CommandExecutionItem)
    assert (
        started.item.status is ItemStatus.IN_PROGRESS and started.item.output == "" and started.item.exit_code is None
    )
    assert completed.status is not ItemStatus.IN_PROGRESS and completed.output
    [turn_started] = [e for e in h.events if isinstance(e, TurnStarted)]
    assert turn_started.turn.status is TurnStatus.IN_PROGRESS


async def test_interrupt_names_the_running_turn_by_its_stored_id(harness) -> None:
    h = harness([respond(shell("sleep 600", timeout_ms=600_000)), respond(message("next"))])
    command_started = asyncio.Event()
    h.thread.subscribe(
        lambda e: (
            command_started.set() if isinstance(e, ItemStarted) and isinstance(e.item, CommandExecutionItem) else None
        )
    )
    assert h.thread.running_turn_id is None and not h.thread.interrupt()
    turn, task = h.thread.start_turn([TextInput(text="go")])
    assert h.thread.running_turn_id == turn.id
    await asyncio.wait_for(command_started.wait(), 30)
    assert not h.thread.interrupt("some-other-turn")  # an interrupt meant for an earlier turn is ignored
    assert h.thread.interrupt(turn.id)
    assert (await asyncio.wait_for(task, 30)).status is TurnStatus.INTERRUPTED
    assert h.thread.running_turn_id is None
