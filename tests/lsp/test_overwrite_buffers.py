"""apply_patch's overwrite (``*** Add File`` / ``*** Move to`` onto an existing file, as Codex) in the editor:
an open buffer with unsaved text is a conflict and is never overwritten; a clean one is replaced in the
buffer, reported as an update with its diff."""

from __future__ import annotations

from pathlib import Path

from tandem.protocol import methods

from helpers import last_outputs, message, patch_call, respond

ADD_OVER = "*** Begin Patch\n*** Add File: a.py\n+rewritten\n*** End Patch"
MOVE_OVER = "*** Begin Patch\n*** Update File: src.py\n*** Move to: a.py\n@@\n-source\n+moved\n*** End Patch"


async def _run(editor) -> None:  # type: ignore[no-untyped-def]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
    await editor.wait_for(methods.TURN_COMPLETED)


def _file_change(editor) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange")


async def test_an_overwrite_of_a_buffer_with_unsaved_text_is_a_conflict(lsp, workspace: Path) -> None:
    for patch in (ADD_OVER, MOVE_OVER):
        (workspace / "a.py").write_text("on disk\n")
        (workspace / "src.py").write_text("source\n")
        editor, server = await lsp([respond(patch_call(patch)), respond(message("ok"))])
        editor.open("a.py", "on disk\n")
        editor.type("a.py", "on disk\nthe user's unsaved line\n")
        await _run(editor)
        assert editor.text("a.py") == "on disk\nthe user's unsaved line\n"  # the user's typing is still there
        assert (workspace / "a.py").read_text() == "on disk\n" and (workspace / "src.py").read_text() == "source\n"
        assert editor.edits == []
        output = last_outputs(server.requests[1].body)[0]
        assert "conflict: a.py is open in the editor with unsaved changes" in output, output
        assert _file_change(editor)["status"] == "failed"
        await editor.client.shutdown_session()
        await editor.client.stop()


async def test_an_overwrite_of_a_clean_buffer_is_an_update_in_the_buffer(lsp, workspace: Path) -> None:
    (workspace / "a.py").write_text("old line\n")
    editor, server = await lsp([respond(patch_call(ADD_OVER)), respond(message("ok"))])
    uri = editor.open("a.py", "old line\n")
    await _run(editor)
    assert editor.text("a.py") == "rewritten\n"
    (edit,) = editor.edits
    assert edit["documentChanges"][0]["textDocument"]["uri"] == uri
    change = _file_change(editor)
    assert change["status"] == "completed"
    (shown,) = change["changes"]  # type: ignore[misc]
    assert shown["kind"] == "update" and "-old line\n+rewritten\n" in shown["diff"]
    assert last_outputs(server.requests[1].body)[0].startswith("Success. Updated the following files:\nM a.py")
