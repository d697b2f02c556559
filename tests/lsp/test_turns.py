"""Threads, turns, streaming order, concurrency, interrupts and work-done progress over LSP."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from lsprotocol import types

from tandem.protocol import methods

from helpers import message, processes_named, respond, shell


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


async def start_thread(editor, **params) -> str:  # type: ignore[no-untyped-def]
    return str((await editor.request(methods.THREAD_START, params))["thread"]["id"])


async def test_turn_streams_items_in_order_and_completes(lsp, workspace: Path) -> None:
    (workspace / "a.py").write_text("x = 1\n")
    editor, _ = await lsp([respond(shell("cat a.py")), respond(message("It sets x to one."))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]
    assert thread["cwd"] == str(workspace) and thread["approvalPolicy"] == "on-request"
    params = {"threadId": thread["id"], "input": text("what is a.py?")}
    turn = (await editor.request(methods.TURN_START, params))["turn"]
    assert turn["status"] == "inProgress"  # turn/start returns at once
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "completed" and done["turn"]["id"] == turn["id"]
    assert done["turn"]["usage"]["inputTokens"] > 0
    names = [m for m, _ in editor.notes]
    assert names[0] == methods.TURN_STARTED and names[-1] == methods.TURN_COMPLETED
    for item_id in {p["item"]["id"] for m, p in editor.notes if m == methods.ITEM_COMPLETED}:
        started = next(
            i for i, (m, p) in enumerate(editor.notes) if m == methods.ITEM_STARTED and p["item"]["id"] == item_id
        )
        completed = next(
            i for i, (m, p) in enumerate(editor.notes) if m == methods.ITEM_COMPLETED and p["item"]["id"] == item_id
        )
        assert started < completed
    deltas = "".join(p["delta"] for m, p in editor.notes if m == methods.AGENT_MESSAGE_DELTA)
    assert deltas == "It sets x to one."
    command = next(
        p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "commandExecution"
    )
    assert command["exitCode"] == 0 and "x = 1" in command["output"]
    assert any(m == methods.COMMAND_OUTPUT_DELTA and "x = 1" in p["delta"] for m, p in editor.notes)
    usage = await editor.wait_for(methods.TOKEN_USAGE)
    assert usage["threadId"] == thread["id"] and usage["used"]["totalTokens"] > 0


async def test_one_slow_thread_does_not_block_another(lsp, workspace: Path) -> None:
    os.mkfifo(workspace / "gate")
    # Thread A's command blocks until the test opens the gate; thread B must finish meanwhile.
    editor, _ = await lsp(
        [respond(shell("cat gate", timeout_ms=30_000)), respond(message("B done")), respond(message("A done"))]
    )
    slow = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": slow, "input": text("slow")})
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution")
    fast = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": fast, "input": text("fast")})
    done = await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["threadId"] == fast)
    assert done["turn"]["status"] == "completed"
    assert not any(m == methods.TURN_COMPLETED and p["threadId"] == slow for m, p in editor.notes)
    with open(workspace / "gate", "w") as gate:
        gate.write("open\n")
    slow_done = await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["threadId"] == slow)
    assert slow_done["turn"]["status"] == "completed"


async def test_interrupt_kills_the_running_command(lsp, workspace: Path) -> None:
    marker = f"tandem-test-{uuid.uuid4().hex[:8]}"
    editor, _ = await lsp([respond(shell(f"exec -a {marker} sleep 600", timeout_ms=600_000))])
    thread = await start_thread(editor)
    turn = (await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")}))["turn"]
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution")
    while not processes_named(marker):
        await asyncio.sleep(0.01)
    await editor.request(methods.TURN_INTERRUPT, {"threadId": thread, "turnId": turn["id"]})
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "interrupted"
    assert processes_named(marker) == []


async def test_turn_is_work_done_progress_and_cancelling_it_interrupts(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(shell("sleep 600", timeout_ms=600_000))])
    thread = await start_thread(editor)
    turn = (await editor.request(methods.TURN_START, {"threadId": thread, "input": text("wait a while")}))["turn"]
    token = f"tandem-turn-{turn['id']}"
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution")
    for _ in range(500):
        reports = editor.client.progress_reports.get(token, [])
        if any(isinstance(r, types.WorkDoneProgressReport) for r in reports):
            break
        await asyncio.sleep(0.01)
    begin = editor.client.progress_reports[token][0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable and begin.message == "wait a while"
    assert any(
        isinstance(r, types.WorkDoneProgressReport) and r.message == "$ sleep 600"
        for r in editor.client.progress_reports[token]
    )
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "interrupted"
    for _ in range(500):
        if isinstance(editor.client.progress_reports[token][-1], types.WorkDoneProgressEnd):
            break
        await asyncio.sleep(0.01)
    assert isinstance(editor.client.progress_reports[token][-1], types.WorkDoneProgressEnd)


async def test_steering_adds_input_to_the_running_turn(lsp, workspace: Path) -> None:
    os.mkfifo(workspace / "gate")
    editor, server = await lsp([respond(shell("cat gate", timeout_ms=30_000)), respond(message("ok, in French"))])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("do it")})
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution")
    await editor.request(methods.TURN_STEER, {"threadId": thread, "input": text("answer in French")})
    with open(workspace / "gate", "w") as gate:
        gate.write("x\n")
    await editor.wait_for(methods.TURN_COMPLETED)
    last_input = server.requests[-1].body["input"]
    assert last_input[-1]["role"] == "user" and last_input[-1]["content"][0]["text"] == "answer in French"
    assert last_input[-2]["type"] == "function_call_output"


async def test_resume_after_restart_and_fork(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("first")), respond(message("second"))])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("one")})
    first = await editor.wait_for(methods.TURN_COMPLETED)
    await editor.client.shutdown_session()
    await editor.client.stop()

    editor2, server2 = await lsp([respond(message("after restart")), respond(message("forked"))])
    listed = (await editor2.request(methods.THREAD_LIST, {}))["threads"]
    assert [t["id"] for t in listed] == [thread] and listed[0]["preview"] == "one"
    resumed = await editor2.request(methods.THREAD_RESUME, {"threadId": thread})
    assert [i["type"] for i in resumed["items"]] == ["userMessage", "agentMessage"]
    assert resumed["items"][1]["text"] == "first"
    await editor2.request(methods.TURN_START, {"threadId": thread, "input": text("two")})
    await editor2.wait_for(methods.TURN_COMPLETED)
    texts = [p["text"] for i in server2.requests[0].body["input"] for p in i.get("content", []) if "text" in p]
    assert texts[-3:] == ["one", "first", "two"]
    fork = (await editor2.request(methods.THREAD_FORK, {"threadId": thread, "turnId": first["turn"]["id"]}))["thread"]
    assert fork["id"] != thread
    await editor2.request(methods.TURN_START, {"threadId": fork["id"], "input": text("other way")})
    await editor2.wait_for(methods.TURN_COMPLETED, lambda p: p["threadId"] == fork["id"])
    fork_texts = [p["text"] for i in server2.requests[1].body["input"] for p in i.get("content", []) if "text" in p]
    assert fork_texts[-3:] == ["one", "first", "other way"] and "two" not in fork_texts
    fork_items = (await editor2.request(methods.THREAD_RESUME, {"threadId": fork["id"]}))["items"]
    assert [i.get("text") for i in fork_items if i["type"] == "agentMessage"] == ["first", "forked"]
    assert all(t["approvalPolicy"] == "on-request" for t in (await editor2.request(methods.THREAD_LIST, {}))["threads"])


async def test_plan_and_turn_diff_notifications(lsp, workspace: Path) -> None:
    (workspace / "n.txt").write_text("one\n")
    plan = {
        "type": "function_call",
        "name": "update_plan",
        "arguments": {"explanation": "small job", "plan": [{"step": "edit n.txt", "status": "in_progress"}]},
    }
    patch = {
        "type": "custom_tool_call",
        "name": "apply_patch",
        "input": "*** Begin Patch\n*** Update File: n.txt\n-one\n+two\n*** End Patch",
    }
    editor, _ = await lsp([respond(plan, patch), respond(message("done"))])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
    await editor.wait_for(methods.TURN_COMPLETED)
    planned = await editor.wait_for(methods.PLAN_UPDATED)
    assert planned["explanation"] == "small job"
    assert planned["plan"] == [{"step": "edit n.txt", "status": "in_progress"}]
    diff = await editor.wait_for(methods.DIFF_UPDATED)
    assert diff["diff"] == "--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-one\n+two\n"
    order = [m for m, _ in editor.notes]
    assert order.index(methods.PLAN_UPDATED) < order.index(methods.DIFF_UPDATED) < order.index(methods.TURN_COMPLETED)


async def test_compact_and_rollback_over_lsp(lsp, workspace: Path) -> None:
    editor, server = await lsp(
        [respond(message("A")), respond(message("THE SUMMARY")), respond(message("B")), respond(message("C"))]
    )
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("one")})
    first = await editor.wait_for(methods.TURN_COMPLETED)
    usage = await editor.wait_for(methods.TOKEN_USAGE)
    assert usage["contextTokens"] > 0 and usage["contextWindow"] == 272000
    compact = (await editor.request(methods.THREAD_COMPACT, {"threadId": thread}))["turn"]
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["turn"]["id"] == compact["id"])
    item = await editor.wait_for(methods.ITEM_COMPLETED, lambda p: p["item"]["type"] == "contextCompaction")
    assert item["item"]["summary"] == "THE SUMMARY"
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("two")})
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["turn"]["id"] not in (first["turn"]["id"], compact["id"]))
    assert (await editor.request(methods.THREAD_ROLLBACK, {"threadId": thread, "turns": 1})) == {"removedTurns": 1}
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("three")})
    await editor.wait_for(
        methods.TURN_COMPLETED,
        lambda p: (
            p["turn"]["status"] == "completed" and sum(1 for m, _ in editor.notes if m == methods.TURN_COMPLETED) >= 4
        ),
    )
    last = [p.get("text") for i in server.requests[-1].body["input"] for p in i.get("content", [])]
    assert "THE SUMMARY" in " ".join(t or "" for t in last) and "two" not in last and last[-1] == "three"
