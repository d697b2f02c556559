"""Helpers of the MCP tests: where the reference servers and our test server are, config snippets,
and reading tool lists and tool outputs out of recorded requests of each wire format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
TIME_SERVER = BIN / "mcp-server-time"
GIT_SERVER = BIN / "mcp-server-git"
TEST_SERVER = Path(__file__).parent / "fixtures" / "mcp_test_server.py"
WIRE_PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions", "anthropic": "/v1/messages"}


def toml_list(values: list[str]) -> str:
    return json.dumps(values)


def time_server(name: str = "time", extra: str = "") -> str:
    """A `[mcp_servers.<name>]` table running the reference time server (UTC as its local zone)."""
    return f'[mcp_servers.{name}]\ncommand = "{TIME_SERVER}"\nargs = ["--local-timezone", "UTC"]\n{extra}\n'


def our_server(name: str = "test", args: list[str] | None = None, extra: str = "") -> str:
    """A `[mcp_servers.<name>]` table running tests/fixtures/mcp_test_server.py."""
    argv = [str(TEST_SERVER), *(args or [])]
    return f'[mcp_servers.{name}]\ncommand = "{sys.executable}"\nargs = {toml_list(argv)}\n{extra}\n'


def provider(base_url: str, wire: str = "responses") -> str:
    """Top-level keys choosing the scripted model server on ``wire``."""
    return (
        'model_provider = "scripted"\nmodel = "scripted-model"\n'
        f'[model_providers.scripted]\nbase_url = "{base_url}"\nwire_api = "{wire}"\n'
    )


def call(tool_name: str, /, **arguments: Any) -> dict[str, Any]:
    """A scripted function call to tool ``tool_name``."""
    return {"type": "function_call", "name": tool_name, "arguments": arguments}


def tool_names(body: dict[str, Any], wire: str = "responses") -> list[str]:
    """The names of the tools a request offers, in order."""
    tools = body.get("tools", [])
    if wire == "chat":
        return [tool["function"]["name"] for tool in tools]
    return [tool["name"] for tool in tools]


def tool_specs(body: dict[str, Any], wire: str, name: str) -> dict[str, Any]:
    """One tool definition of a request, in the wire's form."""
    for tool in body.get("tools", []):
        if (tool["function"]["name"] if wire == "chat" else tool["name"]) == name:
            return tool  # type: ignore[no-any-return]
    raise AssertionError(f"{name} not offered")


def outputs(body: dict[str, Any], wire: str = "responses") -> list[str]:
    """Every tool output text of a request, in order."""
    if wire == "chat":
        return [m["content"] for m in body["messages"] if m.get("role") == "tool"]
    if wire == "anthropic":
        found = []
        for message in body["messages"]:
            for block in message["content"] if isinstance(message["content"], list) else []:
                if block.get("type") == "tool_result":
                    content = block.get("content")
                    found.append(
                        content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
                    )
        return found
    return [i["output"] for i in body["input"] if i.get("type") in ("function_call_output", "custom_tool_call_output")]


def items(records: list[dict[str, Any]], kind: str, item_type: str = "mcp_tool_call") -> list[dict[str, Any]]:
    """The items of ``kind`` events (``item.started``...) of one item type in exec JSONL records."""
    return [r["item"] for r in records if r["type"] == kind and r["item"]["type"] == item_type]
