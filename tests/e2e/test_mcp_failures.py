"""MCP servers that fail: missing command, crash at start, hang past `startup_timeout_sec` (reported by
name with the reason — an `error` item and a stderr line — and the turn goes on without them); a
slow one that still makes it (its tools are in the first request); `required = true` (fatal, as in
Codex); a server that dies mid-session (restarted once on the next call, not twice)."""

from __future__ import annotations

import os
from pathlib import Path

from mcp_helpers import call, items, our_server, outputs, provider, tool_names
from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, respond, run_tandem


def _run(tandem_home: Path, workspace: Path, script: list[dict[str, object]], servers: str):  # type: ignore[no-untyped-def]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        (tandem_home / "config.toml").write_text(provider(server.base_url) + servers)
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
        result = run_tandem("exec", "--json", "go", cwd=workspace, env=env, timeout=180)
        bodies = [r.body for r in server.requests if r.method == "POST" and r.body is not None]
        return result, bodies
    finally:
        server.stop()


def test_servers_that_do_not_start_are_reported_and_the_turn_goes_on(tandem_home: Path, workspace: Path) -> None:
    servers = (
        our_server("good")
        + '[mcp_servers.missing]\ncommand = "tandem-no-such-mcp-server"\n'
        + our_server("crashing", ["--mode", "crash"])
        + our_server("hanging", ["--mode", "hang"], extra="startup_timeout_sec = 1")
        + our_server("slow", ["--mode", "slow", "--delay", "2"], extra="startup_timeout_sec = 60")
    )
    result, bodies = _run(
        tandem_home, workspace, [respond(call("mcp__slow__echo", text="late")), respond(message("ok"))], servers
    )
    assert result.returncode == 0, result.stderr
    names = tool_names(bodies[0])
    assert "mcp__good__echo" in names and "mcp__slow__echo" in names  # waited for: in the first request
    assert not [n for n in names if n.startswith(("mcp__missing", "mcp__crashing", "mcp__hanging"))]
    assert outputs(bodies[1]) == ["echo: late"]
    records = jsonl(result.stdout)
    errors = {e["message"].split("`")[1]: e["message"] for e in items(records, "item.completed", "error")}
    assert set(errors) == {"missing", "crashing", "hanging"}
    assert "command not found: tandem-no-such-mcp-server" in errors["missing"]
    assert "crashing on purpose" in errors["crashing"]  # the server's own stderr says why
    assert errors["hanging"].startswith("MCP client for `hanging` timed out after 1 seconds")
    assert [r["type"] for r in records][:2] == ["thread.started", "item.completed"]  # reported before the turn
    for name in ("missing", "crashing", "hanging"):
        assert f"tandem exec: warning: MCP server {name} failed to start: " in result.stderr


def test_a_required_server_that_fails_is_fatal(tandem_home: Path, workspace: Path) -> None:
    servers = '[mcp_servers.required_broken]\ncommand = "tandem-definitely-not-a-real-binary"\nrequired = true\n'
    result, bodies = _run(tandem_home, workspace, [respond(message("never"))], servers)
    assert result.returncode == 1
    assert "required MCP servers failed to initialize: required_broken" in result.stderr  # Codex's message
    assert bodies == []  # no model request was made


def test_a_server_that_dies_is_restarted_once_on_the_next_call(tandem_home: Path, workspace: Path) -> None:
    script = [
        respond(
            call("mcp__test__crash"),
            call("mcp__test__echo", text="back"),
            call("mcp__test__crash"),
            call("mcp__test__echo", text="again"),
        ),
        respond(message("ok")),
    ]
    result, bodies = _run(tandem_home, workspace, script, our_server())
    assert result.returncode == 0, result.stderr
    first, back, second, again = outputs(bodies[1])
    assert first == second == "MCP server `test` closed the connection during tools/call crash"
    assert back == "echo: back"  # restarted before this call
    assert again == "MCP server `test` exited again; it was restarted once already and is not restarted again"
    assert (workspace / "calls.log").read_text().split() == ["crash", "echo", "crash"]
