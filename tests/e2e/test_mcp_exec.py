"""`tandem exec` with real MCP servers: the reference `mcp-server-time` (PyPI) on every wire format, and
our test server for results, errors and timeouts. What is checked is what a user and the model see:
the JSONL items, the tools and tool outputs in the recorded model requests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcp_helpers import WIRE_PATHS, call, items, our_server, outputs, provider, time_server, tool_names, tool_specs
from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, respond, run_tandem

BUILT_IN = ["shell_command", "apply_patch", "update_plan", "read_file", "view_image"]
RESOURCE_TOOLS = ["list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"]


def _exec(workspace: Path, *args: str, timeout: float = 120) -> tuple[int, list[dict[str, object]], str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
    result = run_tandem("exec", "--json", *args, cwd=workspace, env=env, timeout=timeout)
    return result.returncode, jsonl(result.stdout), result.stderr


@pytest.mark.parametrize("wire", list(WIRE_PATHS))
def test_time_server_tools_are_in_the_first_request_and_answer_on_every_wire(
    wire: str, tandem_home: Path, workspace: Path
) -> None:
    script = [
        respond(call("mcp__time__get_current_time", timezone="UTC")),
        respond(message("it is late")),
        respond(message("still late")),
    ]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        (tandem_home / "config.toml").write_text(provider(server.base_url, wire) + time_server())
        code, records, stderr = _exec(workspace, "what time is it?")
        assert code == 0, stderr
        first, second = [r.body for r in server.requests if r.method == "POST"]
        assert first is not None and second is not None
        names = tool_names(first, wire)
        assert names == [*BUILT_IN, *RESOURCE_TOOLS, "mcp__time__convert_time", "mcp__time__get_current_time"]
        assert first["tools"] == second["tools"]  # byte-identical within the turn (prompt cache)
        spec = tool_specs(first, wire, "mcp__time__get_current_time")
        described = json.dumps(spec)
        assert "Get current time in a specific timezone" in described and "IANA timezone name" in described
        (output,) = outputs(second, wire)
        assert json.loads(output)["timezone"] == "UTC"  # structuredContent as JSON text
        assert ":" in output and ", " not in output  # compact, as Codex writes it
        started, completed = items(records, "item.started"), items(records, "item.completed")
        assert [i["status"] for i in started] == ["in_progress"]
        (done,) = completed
        assert done["id"] == started[0]["id"]
        assert (done["server"], done["tool"], done["arguments"]) == ("time", "get_current_time", {"timezone": "UTC"})
        assert done["status"] == "completed" and done["error"] is None
        assert done["result"]["structured_content"]["timezone"] == "UTC"
        assert done["result"]["content"][0]["type"] == "text"
    finally:
        server.stop()


def test_tool_lists_are_identical_across_turns(tandem_home: Path, workspace: Path) -> None:
    server = ScriptedModelServer({"responses": [respond(message("one")), respond(message("two"))]}).start()
    try:
        (tandem_home / "config.toml").write_text(provider(server.base_url) + time_server())
        code, records, stderr = _exec(workspace, "first")
        assert code == 0, stderr
        thread_id = next(r["thread_id"] for r in records if r["type"] == "thread.started")
        code, _, stderr = _exec(workspace, "resume", str(thread_id), "second")
        assert code == 0, stderr
        tools_of = [json.dumps(r.body["tools"]) for r in server.requests if r.method == "POST" and r.body]
        assert len(tools_of) == 2 and tools_of[0] == tools_of[1]  # same tools, same order, same bytes
    finally:
        server.stop()


def test_results_errors_and_timeouts_reach_the_model_and_the_turn_goes_on(tandem_home: Path, workspace: Path) -> None:
    script = [
        respond(
            call("mcp__test__echo", text="hi"),
            call("mcp__test__fail"),
            call("mcp__test__boom"),
            call("mcp__test__add", a=1, b="two"),
            {"type": "function_call", "name": "mcp__test__echo", "arguments": "{not json"},
            call("mcp__test__hang"),
            call("mcp__test__huge", size=400_000),
            call("mcp__test__image"),
        ),
        respond(message("done")),
    ]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        config = (
            "tool_output_token_limit = 1000\n" + provider(server.base_url) + our_server(extra="tool_timeout_sec = 2")
        )
        (tandem_home / "config.toml").write_text(config)
        code, records, stderr = _exec(workspace, "try everything")
        assert code == 0, stderr
        body = [r.body for r in server.requests if r.method == "POST"][1]
        assert body is not None
        echo, fail, boom, bad_schema, bad_json, hang, huge, image = outputs(body)
        assert echo == "echo: hi"
        assert fail == "it did not work"
        assert "kaboom" in boom or "Error executing tool boom" in boom
        assert "invalid arguments for mcp__test__add" in bad_schema and "'two' is not of type 'integer'" in bad_schema
        assert "failed to parse function arguments" in bad_json
        assert hang == "MCP server `test`: tools/call hang timed out after 2 s"
        assert "tokens truncated" in huge and len(huge) < 10_000
        assert image == ""
        images = [i for i in body["input"] if i.get("type") == "message" and i.get("role") == "user"]
        assert images[-1]["content"][0]["image_url"].startswith("data:image/png;base64,")
        completed = {i["tool"]: i for i in items(records, "item.completed")}
        assert completed["echo"]["status"] == "completed"
        assert completed["fail"]["status"] == "failed" and completed["fail"]["result"]["content"][0]["text"]
        assert completed["hang"]["status"] == "failed" and "timed out" in completed["hang"]["error"]["message"]
        assert completed["huge"]["result"]["content"][0]["text"] == "x" * 400_000  # the item keeps it all
        assert "add" not in completed  # arguments refused before any item: the server was never called
        calls = (workspace / "calls.log").read_text().split()
        assert "add" not in calls and calls.count("echo") == 1
        final = [r for r in records if r["type"] == "item.completed"][-1]["item"]
        assert final == {"id": final["id"], "type": "agent_message", "text": "done"}
    finally:
        server.stop()
