"""`tandem exec` with an Anthropic Messages API provider, end to end against the scripted model server.

Format: Anthropic Messages API streaming (``POST /v1/messages``); the scripted server validates every
request the way the real API does (alternation, tool_use/tool_result pairing, thinking signatures).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, patch_call, respond, run_tandem, shell

ANTHROPIC_KEY = "sk-ant-api03-e2e-0123456789abcdef-SECRET"
FIX = """*** Begin Patch
*** Update File: app.py
@@ def greet(name):
-    return "Hello " + nam
+    return "Hello " + name
*** End Patch"""


def configure(tandem_home: Path, server: ScriptedModelServer) -> dict[str, str]:
    """Point the built-in ``anthropic`` preset at the scripted server; the environment to run with."""
    (tandem_home / "config.toml").write_text(
        'model = "claude-sonnet-4-5"\nmodel_provider = "anthropic"\nmodel_reasoning_effort = "low"\n'
        f'[model_providers.anthropic]\nbase_url = "{server.base_url}"\nwire_api = "anthropic"\n'
        'env_key = "ANTHROPIC_API_KEY"\n'
    )
    return {**os.environ, "ANTHROPIC_API_KEY": ANTHROPIC_KEY}


def uncached(value: Any) -> Any:
    """``value`` without ``cache_control`` markers."""
    if isinstance(value, dict):
        return {k: uncached(v) for k, v in value.items() if k != "cache_control"}
    return [uncached(v) for v in value] if isinstance(value, list) else value


def blocks(body: dict[str, Any], role: str, kind: str) -> list[dict[str, Any]]:
    return [b for m in body["messages"] if m["role"] == role for b in m["content"] if b["type"] == kind]


def test_exec_runs_a_tool_turn_over_the_anthropic_wire(tandem_home: Path, workspace: Path) -> None:
    app = workspace / "app.py"
    app.write_text('def greet(name):\n    return "Hello " + nam\n')
    server = ScriptedModelServer(
        {
            "responses": [
                respond(
                    {"type": "reasoning", "text": "I should read app.py before changing it."},
                    message("Reading the file."),
                    shell('cat app.py; echo "key=${ANTHROPIC_API_KEY:-unset}"'),
                ),
                respond(patch_call(FIX)),
                respond(message("Fixed: `greet` now uses `name`.")),
            ]
        }
    ).start()
    try:
        env = configure(tandem_home, server)
        result = run_tandem("exec", "--json", "fix app.py", cwd=workspace, env=env)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    events = jsonl(result.stdout)
    assert events[-1]["type"] == "turn.completed" and events[-1]["usage"]["input_tokens"] > 0
    final = [
        e["item"]["text"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "agent_message"
    ]
    assert final[-1] == "Fixed: `greet` now uses `name`."
    assert app.read_text() == 'def greet(name):\n    return "Hello " + name\n'

    requests = server.requests
    assert len(requests) == 3 and all(r.path == "/v1/messages" for r in requests)
    for recorded in requests:
        assert recorded.headers["x-api-key"] == ANTHROPIC_KEY
        assert recorded.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in recorded.headers
    first, second, third = (r.body for r in requests)
    assert first is not None and second is not None and third is not None
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"} and first["system"][0]["text"]
    assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["max_tokens"] > first["thinking"]["budget_tokens"] >= 1024

    # The thinking block went back unchanged, before the tool_use, and the call got its result.
    [thinking] = blocks(second, "assistant", "thinking")
    assert thinking["thinking"] == "I should read app.py before changing it." and thinking["signature"]
    [shell_use] = blocks(second, "assistant", "tool_use")
    [shell_result] = blocks(second, "user", "tool_result")
    assert shell_use["name"] == "shell_command" and shell_result["tool_use_id"] == shell_use["id"]
    assert shell_result["content"].startswith("Exit code: 0")
    assert 'return "Hello " + nam' in shell_result["content"] and "key=unset" in shell_result["content"]

    patch_use = blocks(third, "assistant", "tool_use")[-1]
    patch_result = blocks(third, "user", "tool_result")[-1]
    assert patch_use["name"] == "apply_patch" and patch_use["input"] == {"input": FIX}
    assert patch_result["tool_use_id"] == patch_use["id"]
    assert patch_result["content"] == "Success. Updated the following files:\nM app.py"
    # Each request extends the previous one (breakpoints move; the content does not change).
    assert uncached(third["messages"][: len(second["messages"])]) == uncached(second["messages"])

    # The key is nowhere in what Tandem wrote or printed.
    written = [p for p in tandem_home.rglob("*") if p.is_file() and p.name != "config.toml"]
    assert any(p.suffix == ".jsonl" for p in written)
    for path in written:
        assert ANTHROPIC_KEY.encode() not in path.read_bytes(), path
    assert ANTHROPIC_KEY not in result.stdout and ANTHROPIC_KEY not in result.stderr


def test_exec_reports_an_anthropic_auth_error(tandem_home: Path, workspace: Path) -> None:
    server = ScriptedModelServer(
        {
            "responses": [
                {
                    "fault": {
                        "kind": "http_error",
                        "status": 401,
                        "body": {
                            "type": "error",
                            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                        },
                    }
                }
            ]
        }
    ).start()
    try:
        result = run_tandem("exec", "--json", "hi", cwd=workspace, env=configure(tandem_home, server))
    finally:
        server.stop()
    assert result.returncode == 1
    failed = jsonl(result.stdout)[-1]
    assert failed["type"] == "turn.failed" and "invalid x-api-key" in failed["error"]["message"]
    assert len(server.requests) == 1  # authentication errors are not retried
