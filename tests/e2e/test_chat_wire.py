"""`tandem exec` against a Chat Completions endpoint (`wire_api = "chat"`): the real CLI in a subprocess,
the scripted model server speaking OpenAI Chat Completions streaming."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, respond, run_tandem, shell

FIX = """*** Begin Patch
*** Update File: app.py
@@ def greet(name):
-    return "Hello " + nam
+    return "Hello " + name
*** End Patch"""
CHAT_KEY = "chat-key-0123456789-SECRET"


def configure_chat_provider(tandem_home: Path, server: ScriptedModelServer) -> dict[str, str]:
    (tandem_home / "config.toml").write_text(
        'model = "local-chat-model"\n'
        'model_provider = "localchat"\n'
        "[model_providers.localchat]\n"
        'name = "Local chat server"\n'
        f'base_url = "{server.base_url}"\n'
        'env_key = "LOCAL_CHAT_KEY"\n'
        'wire_api = "chat"\n'
    )
    return {**os.environ, "LOCAL_CHAT_KEY": CHAT_KEY}


def tool_messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(tool_call_id, content) of the tool messages at the end of a request."""
    tail = []
    for item in reversed(body["messages"]):
        if item["role"] != "tool":
            break
        tail.append((item["tool_call_id"], item["content"]))
    return list(reversed(tail))


def test_exec_runs_shell_and_apply_patch_over_chat_completions(tandem_home: Path, workspace: Path) -> None:
    app = workspace / "app.py"
    app.write_text('def greet(name):\n    return "Hello " + nam\n')
    script = {
        "responses": [
            respond(message("Looking at the code first."), shell("cat app.py"), shell("ls")),
            respond({"type": "function_call", "name": "apply_patch", "arguments": {"input": FIX}}),
            respond(message("Fixed: `greet` now uses `name`.")),
        ]
    }
    with ScriptedModelServer(script) as server:
        env = configure_chat_provider(tandem_home, server)
        result = run_tandem("exec", "--json", "fix app.py", cwd=workspace, env=env)
        requests = server.requests

    assert result.returncode == 0, result.stderr
    assert app.read_text() == 'def greet(name):\n    return "Hello " + name\n'
    events = jsonl(result.stdout)
    completed = [e["item"] for e in events if e["type"] == "item.completed"]
    assert [item["type"] for item in completed] == [
        "agent_message",
        "command_execution",
        "command_execution",
        "file_change",
        "agent_message",
    ]
    assert completed[-1]["text"] == "Fixed: `greet` now uses `name`."
    assert completed[3]["changes"] == [{"path": "app.py", "kind": "update"}]
    assert events[-1]["type"] == "turn.completed" and events[-1]["usage"]["input_tokens"] > 0

    assert [r.path for r in requests] == ["/v1/chat/completions"] * 3
    assert all(r.headers.get("authorization") == f"Bearer {CHAT_KEY}" for r in requests)
    first, second, third = (r.body for r in requests)
    assert first["model"] == "local-chat-model" and first["stream"] is True
    assert first["stream_options"] == {"include_usage": True}
    assert first["messages"][0]["role"] == "system"
    assert first["messages"][-1] == {"role": "user", "content": "fix app.py"}
    tools = {tool["function"]["name"]: tool["function"] for tool in first["tools"]}
    assert {"shell_command", "apply_patch"} <= set(tools)
    assert tools["apply_patch"]["parameters"]["required"] == ["input"]  # the function form of apply_patch

    # The parallel calls went back as one assistant message, answered by tool messages in call order.
    assistant = second["messages"][-3]
    assert assistant["role"] == "assistant" and assistant["content"] == "Looking at the code first."
    assert [(c["id"], json.loads(c["function"]["arguments"])) for c in assistant["tool_calls"]] == [
        ("call_1_1", {"command": "cat app.py"}),
        ("call_1_2", {"command": "ls"}),
    ]
    (cat_id, cat_output), (ls_id, ls_output) = tool_messages(second)
    assert (cat_id, ls_id) == ("call_1_1", "call_1_2")
    assert cat_output.startswith("Exit code: 0") and 'return "Hello " + nam' in cat_output
    assert "app.py" in ls_output

    patch_call = third["messages"][-2]["tool_calls"]
    assert [(c["id"], c["function"]["name"]) for c in patch_call] == [("call_2_0", "apply_patch")]
    assert json.loads(patch_call[0]["function"]["arguments"]) == {"input": FIX}
    assert tool_messages(third) == [("call_2_0", "Success. Updated the following files:\nM app.py")]
    # Each request extends the previous one, so prompt caches keep hitting.
    assert third["messages"][: len(second["messages"])] == second["messages"]
    assert json.dumps(third["tools"]) == json.dumps(first["tools"])
