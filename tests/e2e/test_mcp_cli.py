"""`tandem mcp list|get|add|remove` edit and show `$TANDEM_HOME/config.toml` as `codex mcp` does, keeping
its comments; `tandem doctor` starts each server and lists its tools or its error."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from mcp_helpers import TIME_SERVER

from helpers import run_tandem


def test_add_list_get_remove_keep_the_comments(tandem_home: Path, workspace: Path) -> None:
    config = tandem_home / "config.toml"
    config.write_text('# my settings\nmodel = "gpt-5.5"  # the model I use\n')
    empty = run_tandem("mcp", "list", cwd=workspace)
    assert empty.stdout == "No MCP servers configured yet. Try `tandem mcp add my-tool -- my-command`.\n"
    added = run_tandem(
        "mcp", "add", "time", "--env", "TZ=UTC", "--", str(TIME_SERVER), "--local-timezone", "UTC", cwd=workspace
    )
    assert added.returncode == 0 and added.stdout == "Added global MCP server 'time'.\n", added.stderr
    web = run_tandem(
        "mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "WEB_TOKEN", cwd=workspace
    )
    assert web.returncode == 0, web.stderr
    text = config.read_text()
    assert text.startswith('# my settings\nmodel = "gpt-5.5"  # the model I use\n')
    servers = tomllib.loads(text)["mcp_servers"]
    assert servers["time"] == {"command": str(TIME_SERVER), "args": ["--local-timezone", "UTC"], "env": {"TZ": "UTC"}}
    assert servers["web"] == {"url": "http://127.0.0.1:9/mcp", "bearer_token_env_var": "WEB_TOKEN"}
    table = run_tandem("mcp", "list", cwd=workspace).stdout.splitlines()
    assert table[0].split() == ["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"]
    assert table[1].split() == [
        "time",
        str(TIME_SERVER),
        "--local-timezone",
        "UTC",
        "TZ=*****",
        "-",
        "enabled",
        "Unsupported",
    ]
    assert table[3].split()[:4] == ["Name", "Url", "Bearer", "Token"]
    assert table[4].split() == ["web", "http://127.0.0.1:9/mcp", "WEB_TOKEN", "enabled", "Unsupported"]
    listed = json.loads(run_tandem("mcp", "list", "--json", cwd=workspace).stdout)
    assert [entry["name"] for entry in listed] == ["time", "web"]
    assert listed[0]["transport"] == {
        "type": "stdio",
        "command": str(TIME_SERVER),
        "args": ["--local-timezone", "UTC"],
        "env": {"TZ": "UTC"},
        "env_vars": [],
        "cwd": None,
    }
    assert listed[1]["transport"]["type"] == "streamable_http" and listed[1]["auth_status"] == "unsupported"
    assert (listed[0]["startup_timeout_sec"], listed[0]["tool_timeout_sec"]) == (30.0, 120.0)
    shown = run_tandem("mcp", "get", "web", cwd=workspace).stdout
    assert "  transport: streamable_http\n  url: http://127.0.0.1:9/mcp\n  bearer_token_env_var: WEB_TOKEN\n" in shown
    assert json.loads(run_tandem("mcp", "get", "time", "--json", cwd=workspace).stdout)["enabled_tools"] is None
    missing = run_tandem("mcp", "get", "nope", cwd=workspace)
    assert missing.returncode == 1 and "No MCP server named 'nope' found." in missing.stderr
    removed = run_tandem("mcp", "remove", "web", cwd=workspace)
    assert removed.stdout == "Removed global MCP server 'web'.\n"
    assert run_tandem("mcp", "remove", "web", cwd=workspace).stdout == "No MCP server named 'web' found.\n"
    assert (
        config.read_text().startswith("# my settings\n")
        and "web" not in tomllib.loads(config.read_text())["mcp_servers"]
    )
    bad = run_tandem("mcp", "add", "my server", "--", "x", cwd=workspace)
    assert bad.returncode == 2 and "invalid server name 'my server'" in bad.stderr
    both = run_tandem("mcp", "add", "x", "--url", "http://a", "--", "cmd", cwd=workspace)
    assert both.returncode == 2 and "either -- COMMAND" in both.stderr


def test_doctor_starts_each_server(tandem_home: Path, workspace: Path) -> None:
    (tandem_home / "config.toml").write_text(
        f'[mcp_servers.time]\ncommand = "{TIME_SERVER}"\nargs = ["--local-timezone", "UTC"]\n'
        '[mcp_servers.web]\nurl = "http://127.0.0.1:9/mcp"\nbearer_token_env_var = "TANDEM_TEST_UNSET_TOKEN"\n'
        '[mcp_servers.off]\ncommand = "x"\nenabled = false\n'
    )
    result = run_tandem("doctor", "--timeout", "1", cwd=workspace, timeout=120)
    section = result.stdout.split("mcp servers:\n")[1].splitlines()
    assert section == [
        "  off: disabled",
        "  time: ready, 2 tools: get_current_time, convert_time",
        "  web: failed: Environment variable TANDEM_TEST_UNSET_TOKEN for MCP server 'web' is not set",
    ]
    assert result.returncode == 1
