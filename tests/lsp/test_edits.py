"""The agent's edits go through the editor: live buffers, versions, minimal edits, conflicts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tandem.protocol import methods

from helpers import last_outputs, message, patch_call, respond

UNTRUSTED = ("--approval-policy", "untrusted")


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


def read(path: str, **extra: object) -> dict[str, object]:
    return {"type": "function_call", "name": "read_file", "arguments": {"file_path": path, **extra}}


async def start_turn(editor, prompt: str = "go") -> str:  # type: ignore[no-untyped-def]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text(prompt)})
    return str(thread)


async def test_read_file_sees_unsaved_buffer_text(lsp, workspace: Path) -> None:
    (workspace / "a.py").write_text("on disk\n")
    editor, server = await lsp([respond(read("a.py")), respond(message("ok"))])
    editor.open("a.py", "in the buffer, unsaved\nsecond line\n")
    await start_turn(editor)
    await editor.wait_for(methods.TURN_COMPLETED)
    assert last_outputs(server.requests[1].body) == ["L1: in the buffer, unsaved\nL2: second line"]


async def test_patch_matches_the_buffer_and_lands_as_a_minimal_versioned_edit(lsp, workspace: Path) -> None:
    disk = "".join(f"line {n}\n" for n in range(1, 11))
    (workspace / "m.py").write_text(disk)
    buffer = disk.replace("line 5\n", "line five (unsaved)\n")
    patch = "*** Begin Patch\n*** Update File: m.py\n@@\n-line five (unsaved)\n+line 5 fixed\n*** End Patch"
    editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))])
    uri = editor.open("m.py", disk)
    editor.type("m.py", buffer)  # version 2, not saved
    await start_turn(editor)
    await editor.wait_for(methods.TURN_COMPLETED)
    assert editor.text("m.py") == buffer.replace("line five (unsaved)\n", "line 5 fixed\n")
    assert (workspace / "m.py").read_text() == disk  # the unsaved buffer was edited, not the file
    (edit,) = editor.edits
    (doc_edit,) = edit["documentChanges"]
    assert doc_edit["textDocument"] == {"uri": uri, "version": 2}
    assert doc_edit["edits"] == [
        {
            "range": {"start": {"line": 4, "character": 0}, "end": {"line": 5, "character": 0}},
            "newText": "line 5 fixed\n",
        }
    ]
    output = last_outputs(server.requests[1].body)[0]
    assert output.startswith("Success.") and "not saved" in output


async def test_user_edits_while_waiting_are_rebased_when_the_context_still_matches(lsp, workspace: Path) -> None:
    original = "".join(f"line {n}\n" for n in range(1, 21))
    (workspace / "r.py").write_text(original)
    patch = "*** Begin Patch\n*** Update File: r.py\n@@\n line 14\n-line 15\n+line fifteen\n line 16\n*** End Patch"
    editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))], args=UNTRUSTED)
    editor.open("r.py")
    editor.approval_hold = asyncio.Event()
    await start_turn(editor)
    await editor.wait_for_approval()
    editor.type("r.py", "# a header the user added\n" + original)  # meanwhile, the user types above
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)
    assert editor.text("r.py") == "# a header the user added\n" + original.replace("line 15\n", "line fifteen\n")
    assert last_outputs(server.requests[1].body)[0].startswith("Success.")


async def test_conflicting_user_edit_is_reported_never_overwritten(lsp, workspace: Path) -> None:
    original = "a\nb\nc\n"
    (workspace / "c.py").write_text(original)
    patch = "*** Begin Patch\n*** Update File: c.py\n@@\n a\n-b\n+B\n c\n*** End Patch"
    editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))], args=UNTRUSTED)
    editor.open("c.py")
    editor.approval_hold = asyncio.Event()
    await start_turn(editor)
    await editor.wait_for_approval()
    editor.type("c.py", "a\nthe user's b\nc\n")
    editor.approval_hold.set()
    await editor.wait_for(methods.TURN_COMPLETED)
    assert editor.text("c.py") == "a\nthe user's b\nc\n"
    output = last_outputs(server.requests[1].body)[0]
    assert "conflict" in output and "c.py" in output
    failed = next(
        p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange"
    )
    assert failed["status"] == "failed"


async def test_closed_files_are_written_on_disk_and_open_ones_moved_in_the_editor(lsp, workspace: Path) -> None:
    (workspace / "closed.py").write_text("old\n")
    (workspace / "open.py").write_text("keep\n")
    patch = (
        "*** Begin Patch\n*** Update File: closed.py\n-old\n+new\n*** Add File: added.py\n+fresh\n"
        "*** Update File: open.py\n*** Move to: moved.py\n@@\n-keep\n+kept\n*** End Patch"
    )
    editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))])
    open_uri = editor.open("open.py")
    await start_turn(editor)
    await editor.wait_for(methods.TURN_COMPLETED)
    assert (workspace / "closed.py").read_text() == "new\n" and (workspace / "added.py").read_text() == "fresh\n"
    (edit,) = editor.edits  # only the open file went through the editor
    kinds = [c.get("kind", "edit") for c in edit["documentChanges"]]
    assert kinds == ["edit", "rename"]
    assert edit["documentChanges"][1]["oldUri"] == open_uri
    assert editor.text("moved.py") == "kept\n" and not (workspace / "open.py").exists()
    assert last_outputs(server.requests[1].body)[0].startswith(
        "Success. Updated the following files:\nA added.py\nM closed.py\nM moved.py"
    )


async def test_deleting_an_open_file_goes_through_the_editor(lsp, workspace: Path) -> None:
    (workspace / "gone.py").write_text("bye\n")
    editor, _ = await lsp(
        [respond(patch_call("*** Begin Patch\n*** Delete File: gone.py\n*** End Patch")), respond(message("ok"))]
    )
    uri = editor.open("gone.py")
    await start_turn(editor)
    await editor.wait_for(methods.TURN_COMPLETED)
    (edit,) = editor.edits
    assert edit["documentChanges"] == [{"kind": "delete", "uri": uri, "options": {"ignoreIfNotExists": True}}]
    assert not (workspace / "gone.py").exists()


async def test_a_malformed_apply_edit_reply_is_a_refused_edit_at_once(lsp, workspace: Path) -> None:
    for reply in ("yes", {"weird": 1}, [True]):
        (workspace / "w.py").write_text("a\nb\n")
        patch = "*** Begin Patch\n*** Update File: w.py\n@@\n a\n-b\n+B\n*** End Patch"
        editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))])
        editor.open("w.py")
        editor.apply_edit_reply = reply
        await start_turn(editor)
        done = await editor.wait_for(methods.TURN_COMPLETED, timeout=20)  # not after a 150 s wait
        assert done["turn"]["status"] == "completed" and editor.edits
        output = last_outputs(server.requests[1].body)[0]
        assert "conflict" in output and "w.py" in output, output
        assert editor.text("w.py") == "a\nb\n" and (workspace / "w.py").read_text() == "a\nb\n"
