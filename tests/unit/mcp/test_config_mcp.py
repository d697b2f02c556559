"""`[mcp_servers.<name>]` tables as Codex reads them: keys, defaults, the refusals and their messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tandem.config import load_config
from tandem.config_mcp import HttpServer, McpTransport, StdioServer, ToolApprovalMode, parse_server
from tandem.errors import ConfigError


def _config(home: Path, cwd: Path, text: str, project: str | None = None) -> list:  # type: ignore[type-arg]
    (home / "config.toml").write_text(text)
    if project is not None:
        (cwd / ".git").mkdir(exist_ok=True)
        (cwd / ".tandem").mkdir(exist_ok=True)
        (cwd / ".tandem" / "config.toml").write_text(project)
    return list(load_config(cwd, environ={**os.environ, "TANDEM_HOME": str(home)}).mcp_servers)


def test_every_codex_key_of_a_stdio_and_an_http_server(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    servers = _config(
        home,
        cwd,
        """
[mcp_servers.time]
command = "mcp-server-time"
args = ["--local-timezone", "UTC"]
env = { TZ = "UTC" }
env_vars = ["MY_VAR"]
cwd = "/tmp"
startup_timeout_sec = 5
tool_timeout_sec = 7.5
enabled_tools = ["get_current_time", "convert_time"]
disabled_tools = ["convert_time"]
[mcp_servers.time.tools.get_current_time]
approval_mode = "approve"

[mcp_servers.web]
url = "http://127.0.0.1:9/mcp"
bearer_token_env_var = "WEB_TOKEN"
http_headers = { "X-Team" = "core" }
env_http_headers = { "X-Org" = "ORG_VAR" }
enabled = false
required = true
""",
    )
    time, web = servers
    assert time.name == "time" and time.kind is McpTransport.STDIO
    assert time.transport == StdioServer(
        "mcp-server-time", ("--local-timezone", "UTC"), (("TZ", "UTC"),), ("MY_VAR",), Path("/tmp")
    )
    assert (time.startup_timeout_s, time.tool_timeout_s) == (5.0, 7.5)
    assert time.allows("get_current_time") and not time.allows("convert_time") and not time.allows("other")
    assert time.approval_mode("get_current_time") is ToolApprovalMode.APPROVE
    assert time.approval_mode("convert_time") is ToolApprovalMode.AUTO
    assert time.source == home / "config.toml"
    assert web.kind is McpTransport.STREAMABLE_HTTP and not web.enabled and web.required
    assert web.transport == HttpServer(
        "http://127.0.0.1:9/mcp", "WEB_TOKEN", (("X-Team", "core"),), (("X-Org", "ORG_VAR"),)
    )


def test_defaults_are_codexs() -> None:
    server = parse_server("s", {"command": "x"})
    assert (server.startup_timeout_s, server.tool_timeout_s, server.enabled, server.required) == (30, 120, True, False)
    assert server.enabled_tools is None and server.allows("anything")
    assert parse_server("s", {"command": "x", "startup_timeout_ms": 2500}).startup_timeout_s == 2.5


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"url": "http://x", "bearer_token": "sk-123"}, "bearer_token is not supported"),
        ({"command": "x", "url": "http://x"}, "url is not supported for stdio"),
        ({"command": "x", "bearer_token_env_var": "T"}, "bearer_token_env_var is not supported for stdio"),
        ({"url": "http://x", "args": ["a"]}, "args is not supported for streamable_http"),
        ({"url": "http://x", "env": {"A": "b"}}, "env is not supported for streamable_http"),
        ({"args": ["a"]}, "give either command (a stdio server) or url"),
        ({"command": "x", "colour": "red"}, "unknown key colour"),
        ({"command": "x", "startup_timeout_sec": 0}, "startup_timeout_sec must be a positive number"),
        ({"command": "x", "tools": {"t": {"approval_mode": "always"}}}, 'approval_mode must be "auto", "prompt"'),
        ({"command": 3}, "command must be a string"),
    ],
)
def test_refusals_name_the_table_and_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_server("srv", table)
    assert "[mcp_servers.srv]" in str(caught.value) and message in str(caught.value)


def test_a_plain_text_bearer_token_points_at_bearer_token_env_var(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    with pytest.raises(ConfigError) as caught:
        _config(home, cwd, '[mcp_servers.web]\nurl = "http://127.0.0.1:9/mcp"\nbearer_token = "sk-secret"\n')
    assert "bearer_token_env_var" in str(caught.value) and "sk-secret" not in str(caught.value)


def test_a_bad_server_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="letters, digits"):
        parse_server("my server", {"command": "x"})


def test_only_a_trusted_project_may_add_servers(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    project = '[mcp_servers.proj]\ncommand = "proj-server"\n'
    assert _config(home, cwd, "", project) == []
    trusted = f'[projects."{cwd}"]\ntrust_level = "trusted"\n'
    (server,) = _config(home, cwd, trusted, project)
    assert server.name == "proj" and server.source == cwd / ".tandem" / "config.toml"
