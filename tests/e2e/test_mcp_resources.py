"""The resource tools (`list_mcp_resources`, `list_mcp_resource_templates`, `read_mcp_resource`, Codex's),
and the environment a stdio server gets: the safe variables, its `env_vars` and `env` — never the
agent's secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mcp_helpers import call, items, our_server, outputs, provider
from tandem.testing import ScriptedModelServer

from helpers import TEST_API_KEY, jsonl, message, respond, run_tandem


def _run(tandem_home: Path, workspace: Path, script: list[dict[str, object]], servers: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        (tandem_home / "config.toml").write_text(provider(server.base_url) + servers)
        result = run_tandem("exec", "--json", "go", cwd=workspace, env=env, timeout=180)
        bodies = [r.body for r in server.requests if r.method == "POST" and r.body is not None]
        return result, bodies
    finally:
        server.stop()


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}


def test_resource_tools_list_and_read(tandem_home: Path, workspace: Path) -> None:
    script = [
        respond(
            call("list_mcp_resources"),
            call("list_mcp_resource_templates", server="test"),
            call("read_mcp_resource", server="test", uri="test://items/7"),
            call("list_mcp_resources", cursor="abc"),
            call("read_mcp_resource", server="nope", uri="x://y"),
        ),
        respond(message("ok")),
    ]
    result, bodies = _run(tandem_home, workspace, script, our_server(), _env())
    assert result.returncode == 0, result.stderr
    listed, templates, read, bad_cursor, unknown = outputs(bodies[1])
    assert json.loads(listed) == {
        "resources": [
            {
                "server": "test",
                "name": "greeting",
                "uri": "test://greeting",
                "description": "",
                "mimeType": "text/plain",
            }
        ]
    }
    assert json.loads(templates)["resourceTemplates"][0]["uriTemplate"] == "test://items/{item}"
    assert json.loads(templates)["server"] == "test"
    assert json.loads(read) == {
        "server": "test",
        "uri": "test://items/7",
        "contents": [{"uri": "test://items/7", "mimeType": "text/plain", "text": "item 7"}],
    }
    assert bad_cursor == "cursor can only be used when a server is specified"
    assert unknown == "unknown MCP server `nope`"
    shown = items(jsonl(result.stdout), "item.completed")
    assert sorted((i["server"], i["tool"], i["status"]) for i in shown) == sorted(
        [
            ("tandem", "list_mcp_resources", "completed"),
            ("test", "list_mcp_resource_templates", "completed"),
            ("test", "read_mcp_resource", "completed"),
            ("tandem", "list_mcp_resources", "failed"),
            ("nope", "read_mcp_resource", "failed"),
        ]
    )  # the resource tools run in parallel: they complete in any order


def test_a_stdio_server_gets_a_safe_environment(tandem_home: Path, workspace: Path) -> None:
    env = {**_env(), "MY_TOKEN": "tok-123", "PASSED_ON": "yes", "LANG": "C.UTF-8"}
    script = [
        respond(
            call("mcp__test__env", name="OPENAI_API_KEY"),
            call("mcp__test__env", name="MY_TOKEN"),
            call("mcp__test__env", name="PASSED_ON"),
            call("mcp__test__env", name="GIVEN"),
            call("mcp__test__env", name="LANG"),
            call("mcp__test__env", name="HOME"),
        ),
        respond(message("ok")),
    ]
    extra = 'env_vars = ["PASSED_ON"]\nenv = { GIVEN = "from-config" }\n'
    result, bodies = _run(tandem_home, workspace, script, our_server(extra=extra), env)
    assert result.returncode == 0, result.stderr
    key, token, passed, given, lang, home = outputs(bodies[1])
    assert key == token == "<unset>" and TEST_API_KEY not in json.dumps(bodies)
    assert (passed, given, lang, home) == ("yes", "from-config", "C.UTF-8", os.environ["HOME"])
