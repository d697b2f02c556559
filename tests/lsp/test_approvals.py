"""The approval round trip over LSP: tandem/requestApproval, per-hunk answers, withdrawal, fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from tandem.protocol import methods

from helpers import last_outputs, message, patch_call, respond, shell

UNTRUSTED = ("--approval-policy", "untrusted")


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


async def run_turn(editor, prompt: str = "go") -> dict:  # type: ignore[no-untyped-def,type-arg]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text(prompt)})
    return await editor.wait_for(methods.TURN_COMPLETED)


async def test_command_approval_order_and_decline(lsp, workspace: Path) -> None:
    editor, server = await lsp([respond(shell("touch made")), respond(message("ok"))], args=UNTRUSTED)
    editor.decisions = ["decline"]
    done = await run_turn(editor)
    assert done["turn"]["status"] == "completed"
    assert not (workspace / "made").exists()
    request = editor.approvals[0]
    assert request["kind"] == "command" and request["command"] == "touch made" and request["cwd"] == str(workspace)
    item_id = request["itemId"]
    sequence = [
        m for m, p in editor.notes if (p.get("item", {}).get("id") == item_id) or m == methods.SERVER_REQUEST_RESOLVED
    ]
    assert sequence == [methods.ITEM_STARTED, methods.SERVER_REQUEST_RESOLVED, methods.ITEM_COMPLETED]
    completed = next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["id"] == item_id)
    assert completed["status"] == "declined"
    assert last_outputs(server.requests[1].body) == ["exec command rejected by user"]


async def test_accept_for_session_is_not_asked_again_and_cancel_interrupts(lsp, workspace: Path) -> None:
    editor, _ = await lsp(
        [
            respond(shell("touch a")),
            respond(shell("touch a")),
            respond(shell("touch b")),
            respond(message("never reached")),
        ],
        args=UNTRUSTED,
    )
    editor.decisions = ["acceptForSession", "cancel"]
    done = await run_turn(editor)
    assert done["turn"]["status"] == "interrupted"
    assert [a["command"] for a in editor.approvals] == ["touch a", "touch b"]
    assert (workspace / "a").exists() and not (workspace / "b").exists()


async def test_file_change_approval_with_some_hunks_accepted(lsp, workspace: Path) -> None:
    original = "".join(f"line {n}\n" for n in range(1, 21))
    (workspace / "f.txt").write_text(original)
    patch = (
        "*** Begin Patch\n*** Update File: f.txt\n@@\n line 1\n-line 2\n+LINE TWO\n line 3\n"
        "@@\n line 17\n-line 18\n+LINE EIGHTEEN\n line 19\n*** End Patch"
    )
    editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))], args=UNTRUSTED)
    editor.decisions = [None]  # filled below once the hunk ids are known
    editor.approval_hold = asyncio.Event()
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("edit")})
    await editor.wait_for_approval()
    request = editor.approvals[0]
    assert request["kind"] == "fileChange"
    (change,) = request["changes"]
    assert change["path"] == "f.txt" and change["kind"] == "update" and len(change["hunks"]) == 2
    first, second = change["hunks"]
    assert "+LINE TWO" in first["diff"] and "+LINE EIGHTEEN" in second["diff"]
    editor.decisions = [{"decision": "accept", "acceptedHunkIds": [first["id"]]}]
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)
    assert (workspace / "f.txt").read_text() == original.replace("line 2\n", "LINE TWO\n")
    output = last_outputs(server.requests[1].body)[0]
    assert output.startswith("Success. Updated the following files:\nM f.txt")
    assert "rejected" in output and second["header"] in output and first["header"] not in output


async def test_interrupt_withdraws_a_pending_approval_and_a_late_reply_is_ignored(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(shell("touch x")), respond(message("after"))], args=UNTRUSTED)
    editor.approval_hold = asyncio.Event()
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    turn = (await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")}))["turn"]
    await editor.wait_for_approval()
    await editor.request(methods.TURN_INTERRUPT, {"threadId": thread, "turnId": turn["id"]})
    resolved = await editor.wait_for(methods.SERVER_REQUEST_RESOLVED)
    assert resolved["threadId"] == thread
    assert (await editor.wait_for(methods.TURN_COMPLETED))["turn"]["status"] == "interrupted"
    editor.approval_hold.set()  # the user answers too late
    await asyncio.sleep(0)
    assert not (workspace / "x").exists()
    # The server is fine and the thread usable.
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("again")})
    second = await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["turn"]["id"] != turn["id"])
    assert second["turn"]["status"] == "completed"


async def test_clients_without_the_tandem_capability_get_show_message_request(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(shell("touch y")), respond(message("done"))], tandem=False, args=UNTRUSTED)
    editor.decisions = ["Accept"]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
    await editor.wait_for_approval()
    prompt = editor.message_requests[0]
    assert "touch y" in prompt.message
    assert [a.title for a in prompt.actions or []] == ["Accept", "Accept for session", "Decline", "Cancel turn"]
    for _ in range(500):
        if (workspace / "y").exists():
            break
        await asyncio.sleep(0.01)
    assert (workspace / "y").exists()
    assert not editor.notes  # no tandem/* notifications for a plain LSP client


async def test_approval_params_carry_the_request_id_that_resolved_names(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(shell("touch z")), respond(message("ok"))], args=UNTRUSTED)
    await run_turn(editor)
    resolved = await editor.wait_for(methods.SERVER_REQUEST_RESOLVED)
    assert editor.approvals[0]["requestId"] == resolved["requestId"]


async def test_partly_accepted_change_shows_what_was_applied_and_needs_no_second_review(lsp, workspace: Path) -> None:
    original = "".join(f"line {n}\n" for n in range(1, 21))
    (workspace / "f.txt").write_text(original)
    patch = (
        "*** Begin Patch\n*** Update File: f.txt\n@@\n line 1\n-line 2\n+LINE TWO\n line 3\n"
        "@@\n line 17\n-line 18\n+LINE EIGHTEEN\n line 19\n*** End Patch"
    )
    editor, _ = await lsp([respond(patch_call(patch)), respond(message("ok"))], args=UNTRUSTED)
    editor.approval_hold = asyncio.Event()
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("edit")})
    await editor.wait_for_approval()
    first = editor.approvals[0]["changes"][0]["hunks"][0]
    editor.decisions = [{"decision": "accept", "acceptedHunkIds": [first["id"]]}]
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)
    item = next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange")
    assert "+LINE TWO" in item["changes"][0]["diff"] and "EIGHTEEN" not in item["changes"][0]["diff"]
    uri = editor.open("f.txt")
    lenses = await editor.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert not lenses  # the user reviewed it at approval time


HIDING = "touch x #\x1b[2K\r$ ls -la \u202eevil"  # erases the line and returns: shows as `$ ls -la`


async def test_control_characters_are_escaped_in_every_approval_prompt(lsp, workspace: Path) -> None:
    for tandem in (True, False):
        editor, _ = await lsp([respond(shell(HIDING)), respond(message("ok"))], args=UNTRUSTED, tandem=tandem)
        editor.decisions = ["decline" if tandem else "Decline"]
        thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
        await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
        await editor.wait_for_approval()
        shown = editor.approvals[0]["command"] if tandem else editor.message_requests[0].message
        assert "\x1b" not in shown and "\r" not in shown and "\u202e" not in shown
        assert "touch x #\\x1b[2K\\r$ ls -la \\u202eevil" in shown
