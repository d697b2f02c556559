"""The server's texts of a change: a proposal's before/after, ``tandem/change/preview`` of a pending
approval with some hunks accepted, and ``tandem/change/read`` of an applied change."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tandem.protocol import methods

from helpers import message, patch_call, respond

UNTRUSTED = ("--approval-policy", "untrusted")
NOT_FOUND = -32001
ORIGINAL = "".join(f"line {n}\n" for n in range(1, 21))
BUFFER = ORIGINAL + "unsaved tail\n"  # the open buffer differs from the disk
PATCH = (
    "*** Begin Patch\n*** Update File: f.txt\n@@\n line 1\n-line 2\n+LINE TWO\n+LINE TWO B\n line 3\n"
    "@@\n line 17\n-line 18\n+LINE EIGHTEEN\n line 19\n"
    "*** Add File: n.txt\n+new one\n+new two\n*** End Patch"
)
FIRST_ONLY = BUFFER.replace("line 2\n", "LINE TWO\nLINE TWO B\n")
SECOND_ONLY = BUFFER.replace("line 18\n", "LINE EIGHTEEN\n")


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


async def held_approval(lsp, workspace: Path):  # type: ignore[no-untyped-def]
    """A turn whose patch waits at its approval; returns (editor, thread id, approval params)."""
    (workspace / "f.txt").write_text(ORIGINAL)
    editor, _ = await lsp([respond(patch_call(PATCH)), respond(message("ok"))], args=UNTRUSTED)
    editor.open("f.txt", BUFFER)
    editor.approval_hold = asyncio.Event()
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("edit")})
    await editor.wait_for_approval()
    return editor, thread, editor.approvals[0]


def spans(file: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(h["status"], h["startLine"], h["lineCount"]) for h in file["hunks"]]


async def test_a_file_change_approval_carries_the_texts_before_and_after(lsp, workspace: Path) -> None:
    editor, _, request = await held_approval(lsp, workspace)
    update, add = request["changes"]
    assert update["path"] == "f.txt" and update["oldText"] == BUFFER  # the buffer, as apply_patch read it
    assert update["newText"] == BUFFER.replace("line 2\n", "LINE TWO\nLINE TWO B\n").replace(
        "line 18\n", "LINE EIGHTEEN\n"
    )
    assert [h["id"] for h in update["hunks"]] and len(update["hunks"]) == 2
    assert add["path"] == "n.txt" and add["kind"] == "add"
    assert "oldText" in add and add["oldText"] is None and add["newText"] == "new one\nnew two\n"
    editor.decisions = ["decline"]
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)


async def test_preview_applies_only_the_accepted_hunks_and_places_every_hunk(lsp, workspace: Path) -> None:
    editor, thread, request = await held_approval(lsp, workspace)
    update, add = request["changes"]
    first, second = (h["id"] for h in update["hunks"])
    (new_file,) = (h["id"] for h in add["hunks"])

    preview = await editor.request(
        methods.CHANGE_PREVIEW,
        {"threadId": thread, "requestId": request["requestId"], "acceptedHunkIds": [first, new_file]},
    )
    f_txt, n_txt = preview["files"]
    assert f_txt["path"] == "f.txt" and f_txt["kind"] == "update" and f_txt["oldText"] == BUFFER
    assert f_txt["text"] == FIRST_ONLY
    # line 2 (index 1) became two lines; line 18 (index 17) is kept, one line further down
    assert spans(f_txt) == [("included", 1, 2), ("excluded", 18, 1)]
    assert [h["id"] for h in f_txt["hunks"]] == [first, second]
    assert n_txt["text"] == "new one\nnew two\n" and n_txt["oldText"] is None
    assert spans(n_txt) == [("included", 0, 2)]

    other = await editor.request(
        methods.CHANGE_PREVIEW, {"threadId": thread, "requestId": request["requestId"], "acceptedHunkIds": [second]}
    )
    f_txt, n_txt = other["files"]
    assert f_txt["text"] == SECOND_ONLY
    assert spans(f_txt) == [("excluded", 1, 1), ("included", 17, 1)]
    assert n_txt["text"] == "" and spans(n_txt) == [("excluded", 0, 0)]  # the new file would not be created

    editor.decisions = [{"decision": "accept", "acceptedHunkIds": [second]}]
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)
    assert editor.text("f.txt") == SECOND_ONLY  # what the preview showed is what was applied
    assert not (workspace / "n.txt").exists()


async def test_preview_of_an_unknown_or_answered_request_is_not_found(lsp, workspace: Path) -> None:
    editor, thread, request = await held_approval(lsp, workspace)
    for params in (
        {"threadId": thread, "requestId": "approval-nope", "acceptedHunkIds": []},
        {"threadId": "other-thread", "requestId": request["requestId"], "acceptedHunkIds": []},
        {"threadId": thread, "requestId": request["requestId"], "acceptedHunkIds": ["no-such-hunk"]},
    ):
        with pytest.raises(JsonRpcException) as missing:
            await editor.request(methods.CHANGE_PREVIEW, params)
        assert missing.value.code == NOT_FOUND
    editor.decisions = ["decline"]
    editor.approval_hold.set()
    await editor.wait_for(methods.SERVER_REQUEST_RESOLVED)
    with pytest.raises(JsonRpcException) as answered:
        await editor.request(
            methods.CHANGE_PREVIEW, {"threadId": thread, "requestId": request["requestId"], "acceptedHunkIds": []}
        )
    assert answered.value.code == NOT_FOUND


async def test_change_read_returns_the_texts_of_an_applied_change(lsp, workspace: Path) -> None:
    (workspace / "f.txt").write_text(ORIGINAL)
    (workspace / "gone.txt").write_text("bye\n")
    patch = PATCH.replace("*** End Patch", "*** Delete File: gone.txt\n*** End Patch")
    editor, _ = await lsp([respond(patch_call(patch)), respond(message("ok"))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("edit")})
    await editor.wait_for(methods.TURN_COMPLETED)
    item = next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange")

    read = await editor.request(methods.CHANGE_READ, {"threadId": thread, "changeId": item["id"]})
    f_txt, n_txt, gone = read["files"]
    assert (f_txt["path"], f_txt["kind"], f_txt["oldText"]) == ("f.txt", "update", ORIGINAL)
    assert f_txt["newText"] == (workspace / "f.txt").read_text()
    assert (n_txt["path"], n_txt["kind"], n_txt["oldText"], n_txt["newText"]) == (
        "n.txt",
        "add",
        None,
        "new one\nnew two\n",
    )
    assert (gone["path"], gone["kind"], gone["oldText"], gone["newText"]) == ("gone.txt", "delete", "bye\n", None)

    for params in ({"threadId": thread, "changeId": "item_999"}, {"threadId": "other", "changeId": item["id"]}):
        with pytest.raises(JsonRpcException) as missing:
            await editor.request(methods.CHANGE_READ, params)
        assert missing.value.code == NOT_FOUND
