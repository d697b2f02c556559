"""Conversations that survive: a resumed thread carries what the live stream showed (turns with
their statuses, errors, usage and diffs; the token usage), threads are named after their first
prompt, and per-turn overrides (model, effort, approval policy, sandbox) reach the model request
and stay for the thread's later turns — also across a server restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tandem.protocol import methods

from helpers import message, patch_call, respond, shell


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


async def start_thread(editor: Any, **params: Any) -> str:
    return str((await editor.request(methods.THREAD_START, params))["thread"]["id"])


def completed(editor: Any) -> list[dict[str, Any]]:
    return [p["turn"] for m, p in editor.notes if m == methods.TURN_COMPLETED]


async def restart(editor: Any, lsp: Any, responses: list[dict[str, Any]]) -> tuple[Any, Any]:
    await editor.client.shutdown_session()
    await editor.client.stop()
    return await lsp(responses)


FAILURE = {"output": [], "fault": {"kind": "http_error", "status": 400, "message": "the model rejected this request"}}


async def test_resume_carries_the_turns_errors_usage_and_diffs_the_live_stream_showed(lsp, workspace: Path) -> None:
    (workspace / "n.txt").write_text("one\n")
    edit = patch_call("*** Begin Patch\n*** Update File: n.txt\n-one\n+two\n*** End Patch")
    editor, _ = await lsp([respond(shell("cat n.txt"), edit), respond(message("changed it")), FAILURE])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("change n.txt")})
    await editor.wait_for(methods.TURN_COMPLETED)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("and again")})
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["turn"]["status"] == "failed")
    live_turns = completed(editor)
    live_items = [p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED]
    live_order = [p["item"]["id"] for m, p in editor.notes if m == methods.ITEM_STARTED]
    live_diff = [p for m, p in editor.notes if m == methods.DIFF_UPDATED][-1]
    live_usage = [p for m, p in editor.notes if m == methods.TOKEN_USAGE][-1]
    live = {"turns": live_turns, "items": live_items, "order": live_order, "diff": live_diff, "usage": live_usage}

    check_resumed(await editor.request(methods.THREAD_RESUME, {"threadId": thread}), thread, live)  # loaded
    editor2, _ = await restart(editor, lsp, [])
    check_resumed(await editor2.request(methods.THREAD_RESUME, {"threadId": thread}), thread, live)  # recorded


def check_resumed(resumed: dict[str, Any], thread: str, live: dict[str, Any]) -> None:
    live_turns, live_items, live_order = live["turns"], live["items"], live["order"]
    live_diff, live_usage = live["diff"], live["usage"]
    assert [i["id"] for i in resumed["items"]] == [i for i in live_order if i in {x["id"] for x in live_items}]
    assert sorted(resumed["items"], key=lambda i: i["id"]) == sorted(live_items, key=lambda i: i["id"])
    turns = resumed["turns"]
    assert [(t["id"], t["status"]) for t in turns] == [(t["id"], t["status"]) for t in live_turns]
    assert turns[1]["error"]["message"] == live_turns[1]["error"]["message"]
    assert "the model rejected this request" in turns[1]["error"]["message"]
    assert turns[0]["usage"] == live_turns[0]["usage"] and turns[0]["usage"]["totalTokens"] > 0
    assert turns[0]["diff"] == live_diff["diff"] == "--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-one\n+two\n"
    assert "diff" not in turns[1] or turns[1]["diff"] == ""
    by_turn = {t["id"]: t["itemIds"] for t in turns}
    assert [i["type"] for i in resumed["items"] if i["id"] in by_turn[turns[0]["id"]]] == [
        "userMessage",
        "commandExecution",
        "fileChange",
        "agentMessage",
    ]
    assert [i["type"] for i in resumed["items"] if i["id"] in by_turn[turns[1]["id"]]] == ["userMessage"]
    usage = resumed["tokenUsage"]
    assert usage["threadId"] == thread
    assert usage["used"] == live_usage["used"] and usage["last"] == live_usage["last"]
    assert usage["contextWindow"] == live_usage["contextWindow"] == 272000
    assert usage["contextTokens"] >= live_usage["contextTokens"] > 0


async def test_usage_continues_after_a_restart(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("first"))])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("one")})
    await editor.wait_for(methods.TURN_COMPLETED)
    before = [p for m, p in editor.notes if m == methods.TOKEN_USAGE][-1]["used"]["totalTokens"]
    editor2, _ = await restart(editor, lsp, [respond(message("second"))])
    await editor2.request(methods.THREAD_RESUME, {"threadId": thread})
    await editor2.request(methods.TURN_START, {"threadId": thread, "input": text("two")})
    await editor2.wait_for(methods.TURN_COMPLETED)
    after = await editor2.wait_for(methods.TOKEN_USAGE)
    assert after["used"]["totalTokens"] == before + after["last"]["totalTokens"]


async def test_threads_are_named_after_their_first_prompt(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("a")), respond(message("b"))])
    thread = await start_thread(editor)
    started = await editor.request(methods.TURN_START, {"threadId": thread, "input": text("  Rename   the\nparser ")})
    assert started["thread"]["preview"] == "Rename the parser"  # named at once, before the turn runs
    await editor.wait_for(methods.TURN_COMPLETED)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("something else")})
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: len(completed(editor)) == 2)
    listed = (await editor.request(methods.THREAD_LIST, {}))["threads"]
    assert listed[0]["preview"] == "Rename the parser" and listed[0]["updatedAt"].endswith("Z")
    editor2, _ = await restart(editor, lsp, [])
    resumed = await editor2.request(methods.THREAD_RESUME, {"threadId": thread})
    assert resumed["thread"]["preview"] == "Rename the parser"
    listed = (await editor2.request(methods.THREAD_LIST, {}))["threads"]
    assert [(t["id"], t["preview"]) for t in listed] == [(thread, "Rename the parser")]


async def test_inline_ask_threads_are_listed_under_their_prompt(lsp, workspace: Path) -> None:
    (workspace / "a.py").write_text("x = 1\n")
    editor, _ = await lsp([respond(message("It sets x."))])
    uri = editor.open("a.py")
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}}
    asked = await editor.command("tandem.ask", {"uri": uri, "range": rng, "prompt": "What does this do?"})
    await editor.wait_for(methods.TURN_COMPLETED)
    listed = (await editor.request(methods.THREAD_LIST, {}))["threads"]
    assert [(t["id"], t["preview"]) for t in listed] == [(asked["threadId"], "What does this do?")]


async def test_turn_overrides_reach_the_model_request_and_stay_for_later_turns(lsp, workspace: Path) -> None:
    editor, server = await lsp([respond(message("one")), respond(message("two")), respond(message("three"))])
    thread = await start_thread(editor)
    first = await editor.request(
        methods.TURN_START,
        {
            "threadId": thread,
            "input": text("go"),
            "model": "gpt-5-mini",
            "effort": "high",
            "approvalPolicy": "never",
            "sandboxMode": "read-only",
        },
    )
    info = first["thread"]
    assert (info["model"], info["reasoningEffort"], info["approvalPolicy"], info["sandboxMode"]) == (
        "gpt-5-mini",
        "high",
        "never",
        "read-only",
    )
    await editor.wait_for(methods.TURN_COMPLETED)
    body = server.requests[0].body
    assert body["model"] == "gpt-5-mini" and body["reasoning"]["effort"] == "high"
    permissions = [
        p["text"]
        for i in body["input"]
        if i.get("role") == "developer"
        for p in i["content"]
        if "<permissions>" in p["text"]
    ]
    assert "Sandbox mode: read-only" in permissions[-1] and "Approval policy: never" in permissions[-1]

    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("again")})
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: len(completed(editor)) == 2)
    later = server.requests[1].body
    assert later["model"] == "gpt-5-mini" and later["reasoning"]["effort"] == "high"
    listed = await editor.request(methods.MODEL_LIST, {"threadId": thread})
    assert listed["current"] == "gpt-5-mini" and listed["currentEffort"] == "high"

    editor2, server2 = await restart(editor, lsp, [respond(message("after restart"))])
    resumed = await editor2.request(methods.THREAD_RESUME, {"threadId": thread})
    assert (resumed["thread"]["model"], resumed["thread"]["sandboxMode"]) == ("gpt-5-mini", "read-only")
    await editor2.request(methods.TURN_START, {"threadId": thread, "input": text("after")})
    await editor2.wait_for(methods.TURN_COMPLETED)
    assert server2.requests[0].body["model"] == "gpt-5-mini"
    assert server2.requests[0].body["reasoning"]["effort"] == "high"


async def test_a_model_without_efforts_drops_the_effort(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("one"))])
    thread = await start_thread(editor)
    await editor.request(
        methods.TURN_START, {"threadId": thread, "input": text("go"), "model": "gpt-5", "effort": "low"}
    )
    await editor.wait_for(methods.TURN_COMPLETED)
    started = await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go"), "model": "gpt-4.1"})
    assert started["thread"]["model"] == "gpt-4.1" and "reasoningEffort" not in started["thread"]


async def test_model_list_offers_the_catalogue_and_the_current_model(lsp, workspace: Path) -> None:
    editor, _ = await lsp([])
    listed = await editor.request(methods.MODEL_LIST, {})
    assert listed["current"] == "gpt-5.5" and listed["provider"] == "openai"
    assert (listed["approvalPolicy"], listed["sandboxMode"]) == ("on-request", "workspace-write")
    models = {m["id"]: m for m in listed["models"]}
    assert models["gpt-5.5"]["supportsReasoningEffort"] is True
    assert models["gpt-5.5"]["efforts"] == ["minimal", "low", "medium", "high"]
    assert models["gpt-5.5"]["contextWindow"] == 272000 and models["gpt-5.5"]["displayName"] == "GPT-5.5"
    assert models["gpt-4.1"]["supportsReasoningEffort"] is False and "efforts" not in models["gpt-4.1"]
    assert not any(m.startswith("claude") for m in models)

    custom, _ = await lsp([], args=("--model", "my-local-model"))
    listed = await custom.request(methods.MODEL_LIST, {})
    assert listed["current"] == "my-local-model"
    assert listed["models"][0] == {
        "id": "my-local-model",
        "displayName": "my-local-model",
        "supportsReasoningEffort": False,
    }


async def test_an_effort_the_model_does_not_take_is_not_sent(lsp, workspace: Path) -> None:
    editor, server = await lsp([respond(message("one")), respond(message("two"))])
    thread = await start_thread(editor)
    started = await editor.request(
        methods.TURN_START, {"threadId": thread, "input": text("go"), "model": "o3", "effort": "minimal"}
    )
    assert started["thread"]["model"] == "o3" and "reasoningEffort" not in started["thread"]
    await editor.wait_for(methods.TURN_COMPLETED)
    assert "effort" not in (server.requests[0].body.get("reasoning") or {})
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go"), "effort": "high"})
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: len(completed(editor)) == 2)
    assert server.requests[1].body["reasoning"]["effort"] == "high"


async def test_a_provider_the_catalogue_does_not_name_offers_its_configured_model(lsp, workspace: Path) -> None:
    custom, _ = await lsp([], args=("--provider", "lmstudio", "--model", "qwen3-coder"))
    listed = await custom.request(methods.MODEL_LIST, {})
    assert (listed["provider"], listed["providerName"]) == ("lmstudio", "LM Studio")
    assert [m["id"] for m in listed["models"]] == ["qwen3-coder"]


async def test_a_fork_is_named_as_its_source_also_after_a_restart(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("a"))])
    thread = await start_thread(editor)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("Rename the parser")})
    await editor.wait_for(methods.TURN_COMPLETED)
    fork = (await editor.request(methods.THREAD_FORK, {"threadId": thread}))["thread"]
    assert fork["preview"] == "Rename the parser"
    editor2, _ = await restart(editor, lsp, [])
    listed = {t["id"]: t["preview"] for t in (await editor2.request(methods.THREAD_LIST, {}))["threads"]}
    assert listed == {thread: "Rename the parser", fork["id"]: "Rename the parser"}
    resumed = await editor2.request(methods.THREAD_RESUME, {"threadId": fork["id"]})
    assert resumed["thread"]["preview"] == "Rename the parser"
