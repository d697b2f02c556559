"""Code actions that start turns (fix a diagnostic, ask about a selection) and protocol error handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tandem.protocol import methods

from helpers import message, patch_call, respond

BUGGY = "def area(w, h):\n    return w * w\n\n\nprint(area(2, 3))\n"
FIX = (
    "*** Begin Patch\n*** Update File: geo.py\n@@ def area(w, h):\n-    return w * w\n+    return w * h\n*** End Patch"
)


async def test_fix_with_tandem_sends_the_diagnostic_and_its_code(lsp, workspace: Path) -> None:
    (workspace / "geo.py").write_text(BUGGY)
    editor, server = await lsp([respond(patch_call(FIX)), respond(message("Fixed: area used w twice."))])
    uri = editor.open("geo.py")
    diagnostic = types.Diagnostic(
        range=types.Range(start=types.Position(1, 11), end=types.Position(1, 16)),
        message="'h' is unused; did you mean w * h?",
        source="pyright",
    )
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    fix = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == "Fix with Tandem")
    assert fix.kind == types.CodeActionKind.QuickFix and list(fix.diagnostics or []) == [diagnostic]
    assert fix.command is not None
    started = await editor.command(fix.command.command, *(fix.command.arguments or []))
    assert set(started) == {"threadId", "turnId"}
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["threadId"] == started["threadId"])
    assert editor.text("geo.py") == BUGGY.replace("w * w", "w * h")
    user = server.requests[0].body["input"][-1]["content"]
    texts = "\n".join(part["text"] for part in user)
    assert '<diagnostic path="geo.py" line="2">\n\'h\' is unused; did you mean w * h?' in texts
    assert "print(area(2, 3))" in texts  # the surrounding code came along
    assert "Fix this problem reported at geo.py line 2" in texts


async def test_ask_tandem_on_a_selection_with_a_prompt(lsp, workspace: Path) -> None:
    (workspace / "geo.py").write_text(BUGGY)
    editor, server = await lsp([respond(message("It computes an area, wrongly."))])
    uri = editor.open("geo.py")
    selection = types.Range(start=types.Position(0, 0), end=types.Position(2, 0))
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=selection,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    ask = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == "Ask Tandem…")
    assert ask.kind == types.CodeActionKind.RefactorRewrite and ask.command is not None
    args = {**(ask.command.arguments or [{}])[0], "prompt": "Is this right?"}
    started = await editor.command(ask.command.command, args)
    await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["threadId"] == started["threadId"])
    parts = [part["text"] for part in server.requests[0].body["input"][-1]["content"]]
    assert parts[0].startswith('<selection path="geo.py" line="1">') and "return w * w" in parts[0]
    assert parts[1] == "Is this right?"


async def test_bad_requests_get_json_rpc_errors_and_the_server_keeps_running(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("still here"))])
    with pytest.raises(JsonRpcException) as missing:
        await editor.request(methods.TURN_START, {"input": [{"type": "text", "text": "x"}]})
    assert missing.value.code == -32602 and "threadId" in missing.value.message
    with pytest.raises(JsonRpcException) as bad_input:
        await editor.request(methods.TURN_START, {"threadId": "t", "input": [{"type": "video"}]})
    assert bad_input.value.code == -32602 and "input" in bad_input.value.message
    with pytest.raises(JsonRpcException) as unknown:
        await editor.request(methods.TURN_START, {"threadId": "nope", "input": [{"type": "text", "text": "x"}]})
    assert unknown.value.code == -32001 and "nope" in unknown.value.message
    with pytest.raises(JsonRpcException) as not_object:
        await editor.request(methods.THREAD_START, [1, 2])  # type: ignore[arg-type]
    assert not_object.value.code == -32602
    with pytest.raises(JsonRpcException) as bad_command:
        await editor.command("tandem.fix", {"uri": 3})
    assert bad_command.value.code == -32602
    with pytest.raises(JsonRpcException) as no_method:
        await editor.request("tandem/nonsense", {})
    assert no_method.value.code == -32601
    writer = editor.client.protocol.writer
    for raw in (b"{garbage}", b'{"jsonrpc": "2.0", "id": 99, "params": 1}', b'{"jsonrpc": "2.0", "method": 5}'):
        result = writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(raw), raw))  # malformed messages
        if result is not None:
            await result
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "hi"}]})
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "completed"
