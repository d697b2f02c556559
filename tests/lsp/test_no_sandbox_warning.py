"""`tandem lsp` says when commands will run without a sandbox: once per folder, as a warning
message in the editor (and in its log); the thread's `sandboxMode` shows it too."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tandem.protocol import methods

from helpers import message, respond


def warnings(editor) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.message for m in editor.client.messages if m.type == types.MessageType.Warning]


async def test_yolo_threads_are_announced_once_per_folder(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("hi"))], args=("--yolo",))
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]
    assert thread["sandboxMode"] == "danger-full-access"
    [shown] = warnings(editor)
    assert "running without a sandbox and no approvals" in shown and str(workspace) in shown
    await editor.request(methods.THREAD_START, {})
    assert len(warnings(editor)) == 1


async def test_a_sandboxed_thread_is_not_announced(lsp, workspace: Path) -> None:
    editor, _ = await lsp([respond(message("hi"))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]
    assert thread["sandboxMode"] == "workspace-write" and warnings(editor) == []
