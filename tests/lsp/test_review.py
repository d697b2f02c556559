"""Reviewing landed changes: code lenses per hunk, accept/reject hunks, undo a turn without git."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tandem.protocol import methods

from helpers import message, patch_call, respond, shell

ORIGINAL = "".join(f"line {n}\n" for n in range(1, 31))
PATCH = (
    "*** Begin Patch\n*** Update File: f.py\n@@\n line 2\n-line 3\n+LINE THREE\n line 4\n"
    "@@\n line 24\n-line 25\n+LINE TWENTY-FIVE\n line 26\n*** End Patch"
)
PATCHED = ORIGINAL.replace("line 3\n", "LINE THREE\n").replace("line 25\n", "LINE TWENTY-FIVE\n")


async def patched(lsp, workspace: Path):  # type: ignore[no-untyped-def]
    (workspace / "f.py").write_text(ORIGINAL)
    editor, _ = await lsp([respond(patch_call(PATCH)), respond(message("done"))])
    uri = editor.open("f.py")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "edit"}]})
    done = await editor.wait_for(methods.TURN_COMPLETED)
    change = next(
        p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange"
    )
    assert editor.text("f.py") == PATCHED
    return editor, uri, thread, done["turn"]["id"], change["id"]


async def lenses(editor, uri: str) -> list[types.CodeLens]:  # type: ignore[no-untyped-def]
    return (
        await editor.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        or []
    )


async def test_code_lenses_sit_above_each_pending_hunk_and_accept_removes_them(lsp, workspace: Path) -> None:
    editor, uri, _, _, change_id = await patched(lsp, workspace)
    found = await lenses(editor, uri)
    assert [(lens.range.start.line, lens.command.title) for lens in found if lens.command] == [
        (2, "✓ Keep (Tandem)"),
        (2, "↶ Undo"),
        (24, "✓ Keep (Tandem)"),
        (24, "↶ Undo"),
    ]  # first changed lines
    assert editor.refreshes >= 1  # the server asked the client to re-query lenses
    args = found[0].command.arguments[0] if found[0].command and found[0].command.arguments else {}
    result = await editor.command(found[0].command.command, args) if found[0].command else None
    assert result["done"] == [args["hunkId"]]
    remaining = await lenses(editor, uri)
    assert {lens.range.start.line for lens in remaining} == {24}
    assert editor.text("f.py") == PATCHED  # accepting changes nothing
    accepted = await editor.request(methods.CHANGE_ACCEPT, {"threadId": "-", "changeId": change_id})
    assert len(accepted["done"]) == 1 and not await lenses(editor, uri)


async def test_reject_one_hunk_reverts_only_it(lsp, workspace: Path) -> None:
    editor, uri, _, _, _change_id = await patched(lsp, workspace)
    second = (await lenses(editor, uri))[3]
    assert second.command is not None and second.command.title == "↶ Undo"
    await editor.command(second.command.command, *(second.command.arguments or []))
    assert editor.text("f.py") == ORIGINAL.replace("line 3\n", "LINE THREE\n")
    assert [lens.range.start.line for lens in await lenses(editor, uri)] == [2, 2]


async def test_undo_reverts_the_turn_but_keeps_user_edits(lsp, workspace: Path) -> None:
    editor, _, thread, turn_id, _ = await patched(lsp, workspace)
    user_text = PATCHED.replace("line 10\n", "line 10 edited by the user\n").replace(
        "LINE TWENTY-FIVE\n", "LINE TWENTY-FIVE, tweaked by the user\n"
    )
    editor.type("f.py", user_text)
    result = await editor.request(methods.UNDO, {"threadId": thread, "turnId": turn_id})
    assert result["turnId"] == turn_id
    assert result["kept"] == [{"path": "f.py", "reason": "edited since"}]  # the tweaked hunk is kept
    assert editor.text("f.py") == user_text.replace("LINE THREE\n", "line 3\n")


async def test_undo_and_redo_after_a_restart_cover_shell_changes(lsp, workspace: Path) -> None:
    (workspace / "f.py").write_text(ORIGINAL)
    (workspace / "notes.txt").write_text("colour: old\n")
    editor, _ = await lsp(
        [respond(patch_call(PATCH), shell("sed -i 's/old/new/' notes.txt && touch made.txt")), respond(message("done"))]
    )
    editor.open("f.py")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "edit"}]})
    await editor.wait_for(methods.TURN_COMPLETED)
    diff = [p["diff"] for m, p in editor.notes if m == methods.DIFF_UPDATED][-1]
    assert "+LINE THREE" in diff and "+colour: new" in diff and "made.txt" in diff
    assert editor.text("f.py") == PATCHED and (workspace / "notes.txt").read_text() == "colour: new\n"
    await editor.client.shutdown_session()
    await editor.client.stop()

    # A new server process, the thread not even resumed: undo works from the checkpoint on disk.
    editor2, _ = await lsp([])
    editor2.open("f.py", PATCHED)  # the reopened buffer holds the agent's (unsaved) edit
    undone = await editor2.request(methods.UNDO, {"threadId": thread})
    assert sorted(undone["restored"]) == ["f.py", "made.txt", "notes.txt"] and undone["kept"] == []
    assert editor2.text("f.py") == ORIGINAL
    assert (workspace / "notes.txt").read_text() == "colour: old\n" and not (workspace / "made.txt").exists()
    redone = await editor2.request(methods.REDO, {"threadId": thread})
    assert redone["turnId"] == undone["turnId"]
    assert editor2.text("f.py") == PATCHED and (workspace / "notes.txt").read_text() == "colour: new\n"
    assert (workspace / "made.txt").exists()
    with pytest.raises(Exception, match="nothing to redo"):
        await editor2.request(methods.REDO, {"threadId": thread})


async def test_code_actions_on_a_pending_hunk_resolve_lazily(lsp, workspace: Path) -> None:
    editor, uri, _, _, _ = await patched(lsp, workspace)
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(2, 0), end=types.Position(2, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert titles == [
        "Tandem: Keep hunk",
        "Tandem: Undo hunk",
        "Tandem: Keep change",
        "Tandem: Undo change",
        "Explain with Tandem",
    ]
    reject = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == "Tandem: Undo hunk")
    # VS Code can resolve only `edit` lazily, so its actions carry their command inline; a client that can
    # resolve `command` gets bare actions, and codeAction/resolve fills the command in from `data`.
    assert reject.command is not None
    resolved = await editor.client.code_action_resolve_async(
        types.CodeAction(title=reject.title, kind=reject.kind, data=reject.data)
    )
    assert resolved.command is not None and resolved.command.command == "tandem.rejectHunk"
    await editor.command(resolved.command.command, *(resolved.command.arguments or []))
    assert editor.text("f.py") == ORIGINAL.replace("line 25\n", "LINE TWENTY-FIVE\n")


async def test_a_file_the_user_saves_during_the_turn_is_not_taken_for_the_agents(lsp, workspace: Path) -> None:
    (workspace / "notes.txt").write_text("colour: old\n")
    (workspace / "mine.py").write_text("x = 1\n")
    gate = workspace / "gate"
    os.mkfifo(gate)
    editor, _ = await lsp(
        [
            respond(shell("cat gate > /dev/null; sed -i 's/old/new/' notes.txt", timeout_ms=20_000)),
            respond(message("done")),
        ]
    )
    editor.open("mine.py")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "edit"}]})
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution")
    editor.type("mine.py", "x = 2  # the user's own change\n")
    editor.save("mine.py")  # while the agent's command runs
    await editor.request(methods.THREAD_LIST, {})  # answered after the server handled didSave (in order)
    with gate.open("w") as pipe:
        pipe.write("go\n")
    await editor.wait_for(methods.TURN_COMPLETED)
    diff = [p["diff"] for m, p in editor.notes if m == methods.DIFF_UPDATED][-1]
    assert "+colour: new" in diff and "mine.py" not in diff
    undone = await editor.request(methods.UNDO, {"threadId": thread})
    assert undone["restored"] == ["notes.txt"]
    assert (workspace / "notes.txt").read_text() == "colour: old\n"
    assert (workspace / "mine.py").read_text() == "x = 2  # the user's own change\n"


async def test_review_commands_take_the_params_of_change_accept_and_reject(lsp, workspace: Path) -> None:
    editor, uri, thread, _, change_id = await patched(lsp, workspace)
    found = await lenses(editor, uri)
    assert found[0].command is not None and found[0].command.arguments
    assert found[0].command.arguments[0]["threadId"] == thread  # the same fields as tandem/change/accept
    with pytest.raises(JsonRpcException) as no_hunk:
        await editor.command("tandem.acceptHunk", {"threadId": thread, "changeId": change_id})
    assert no_hunk.value.code == -32602 and "hunkIds" in no_hunk.value.message
    with pytest.raises(JsonRpcException) as unknown:
        await editor.command("tandem.rejectChange", {"threadId": thread, "changeId": "item_999"})
    assert unknown.value.code == -32001
    rejected = await editor.command("tandem.rejectChange", {"threadId": thread, "changeId": change_id})
    assert len(rejected["done"]) == 2 and rejected["kept"] == []
    assert editor.text("f.py") == ORIGINAL and not await lenses(editor, uri)
