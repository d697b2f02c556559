"""MCP over LSP: `tandem/mcp/status` and a `window/showMessage` warning for a server that failed, the
`mcpToolCall` item, the `tandem/requestApproval` round trip for an MCP tool (with "Always allow"), and
the `window/showMessageRequest` fallback for plain LSP clients."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

from mcp_helpers import call, our_server
from tandem.protocol import methods

from helpers import last_outputs, message, respond


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


SERVERS = our_server() + '[mcp_servers.broken]\ncommand = "tandem-no-such-mcp-server"\n'


async def test_status_item_and_always_allow_over_the_tandem_protocol(lsp, tandem_home: Path, workspace: Path) -> None:
    (tandem_home / "config.toml").write_text("# mine\n" + SERVERS)
    editor, server = await lsp(
        [respond(call("mcp__test__echo", text="hi"), call("mcp__test__note", text="n1")), respond(message("ok"))]
    )
    editor.decisions = ["acceptAlways"]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    status = await editor.wait_for(methods.MCP_STATUS, timeout=60)  # sent once the servers started, before any turn
    by_name = {s["name"]: s for s in status["servers"]}
    assert status["threadId"] == thread
    assert by_name["test"]["state"] == "ready" and "mcp__test__echo" in by_name["test"]["tools"]
    assert by_name["broken"]["state"] == "failed" and "command not found" in by_name["broken"]["error"]
    warnings = [m.message for m in editor.client.messages]
    assert any("MCP server broken failed to start" in w for w in warnings)
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
    done = await editor.wait_for(methods.TURN_COMPLETED, timeout=60)
    assert done["turn"]["status"] == "completed"
    (asked,) = editor.approvals
    assert asked["kind"] == "mcpToolCall"
    assert (
        asked["mcp"]["server"] == "test" and asked["mcp"]["tool"] == "note" and asked["mcp"]["title"] == "Write a note"
    )
    assert asked["mcp"]["arguments"] == {"text": "n1"} and "acceptAlways" in asked["mcp"]["decisions"]
    completed = [
        p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "mcpToolCall"
    ]
    assert [(i["tool"], i["status"]) for i in completed] == [("echo", "completed"), ("note", "completed")]
    assert completed[0]["result"]["content"] == [{"type": "text", "text": "echo: hi"}]
    assert completed[1]["server"] == "test" and completed[1]["arguments"] == {"text": "n1"}
    assert isinstance(completed[1]["durationMs"], int)
    assert last_outputs(server.requests[1].body) == ["echo: hi", "written"]
    config = (tandem_home / "config.toml").read_text()
    assert config.startswith("# mine\n")
    assert tomllib.loads(config)["mcp_servers"]["test"]["tools"]["note"]["approval_mode"] == "approve"


async def test_plain_lsp_clients_get_a_message_request_with_the_mcp_choices(
    lsp, tandem_home: Path, workspace: Path
) -> None:
    (tandem_home / "config.toml").write_text(our_server())
    editor, server = await lsp([respond(call("mcp__test__note", text="n2")), respond(message("ok"))], tandem=False)
    editor.decisions = ["Decline"]
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
    await editor.wait_for_approval(timeout=60)
    (prompt,) = editor.message_requests
    assert 'Allow the test MCP server to run tool "Write a note"?' in prompt.message
    assert 'test/note {"text": "n2"}' in prompt.message
    assert [a.title for a in prompt.actions or []] == [
        "Accept",
        "Accept for session",
        "Always allow this tool",
        "Decline",
        "Cancel turn",
    ]
    for _ in range(3000):  # a plain client is not told the turn ended: poll for its second request (30 s at most)
        if len([r for r in server.requests if r.method == "POST"]) >= 2:
            break
        await asyncio.sleep(0.01)
    assert last_outputs(server.requests[1].body) == ["user rejected MCP tool call"]
    assert not (workspace / "note.txt").exists()


async def test_a_required_server_that_fails_fails_the_threads_turns(lsp, tandem_home: Path, workspace: Path) -> None:
    (tandem_home / "config.toml").write_text(
        '[mcp_servers.needed]\ncommand = "tandem-no-such-mcp-server"\nrequired = true\n'
    )
    editor, server = await lsp([respond(message("never sent"))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("go")})
    done = await editor.wait_for(methods.TURN_COMPLETED, timeout=60)
    assert done["turn"]["status"] == "failed"
    assert done["turn"]["error"]["message"].startswith("required MCP servers failed to initialize: needed: ")
    assert [r for r in server.requests if r.method == "POST"] == []
