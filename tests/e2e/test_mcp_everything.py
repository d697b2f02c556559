"""`@modelcontextprotocol/server-everything` (npm), the MCP project's reference server: over stdio, and in
its streamable HTTP mode on 127.0.0.1 behind a bearer token (`bearer_token_env_var`).

The server is installed once into a cache folder (`$XDG_CACHE_HOME/tandem-tests`, default `~/.cache`)
at the pinned version, as tests/e2e/test_codex_sdk.py installs the Codex SDK. Its HTTP mode has no
authentication of its own, so tests/fixtures/mcp_http_gate.cjs is preloaded into it: it binds the
server to 127.0.0.1 and answers 401 unless `Authorization: Bearer $MCP_GATE_TOKEN` is sent."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_helpers import call, items, outputs, provider, tool_names
from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, npm_package, respond, run_tandem

VERSION = "2026.8.31"
PACKAGE = "@modelcontextprotocol/server-everything"
GATE = Path(__file__).parents[1] / "fixtures" / "mcp_http_gate.cjs"
TOKEN = "tok-everything-0123456789-SECRET"


@pytest.fixture(scope="session")
def everything() -> Path:
    """The server's entry script (`dist/index.js`), installed from npm on first use."""
    return npm_package(PACKAGE, VERSION, "dist/index.js")


@pytest.fixture
def http_everything(everything: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The server's streamable HTTP mode on a free 127.0.0.1 port: (its /mcp URL, the gate's log)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gate.log"
    env = {**os.environ, "PORT": str(port), "MCP_GATE_TOKEN": TOKEN, "MCP_GATE_LOG": str(log)}
    proc = subprocess.Popen(
        ["node", "--require", str(GATE), str(everything), "streamableHttp"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr or []], daemon=True).start()
    try:
        while "listening on port" not in lines.get(timeout=60):  # bounded: queue.Empty fails the test
            pass
        yield f"http://127.0.0.1:{port}/mcp", log
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if proc.poll() is None:
            proc.kill()


def _exec(tandem_home: Path, workspace: Path, servers: str, script: list[dict[str, object]], env: dict[str, str]):  # type: ignore[no-untyped-def]
    server = ScriptedModelServer({"responses": script}).start()
    try:
        (tandem_home / "config.toml").write_text(provider(server.base_url) + servers)
        result = run_tandem("exec", "--json", "go", cwd=workspace, env=env, timeout=180)
        return result, [r.body for r in server.requests if r.method == "POST" and r.body is not None]
    finally:
        server.stop()


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}, **extra}


SCRIPT = [
    respond(
        call("mcp__everything__echo", message="hello"),
        call("mcp__everything__get_sum", a=2, b=3),
        call("mcp__everything__get_tiny_image"),
    ),
    respond(message("ok")),
]


def _check_answers(result: subprocess.CompletedProcess[str], bodies: list[dict[str, object]]) -> None:
    assert result.returncode == 0, result.stderr
    names = tool_names(bodies[0])
    assert {"mcp__everything__echo", "mcp__everything__get_sum", "mcp__everything__get_tiny_image"} <= set(names)
    mcp_names = [n for n in names if n.startswith("mcp__")]
    assert mcp_names == sorted(mcp_names)
    echo, total, image = outputs(bodies[1])
    assert echo == "Echo: hello"
    assert "5" in total
    assert "tiny image" in image.lower() or image  # the text blocks around the picture
    follow = [i for i in bodies[1]["input"] if i.get("type") == "message" and i.get("role") == "user"]  # type: ignore[attr-defined]
    assert follow[-1]["content"][0]["image_url"].startswith("data:image/png;base64,")
    done = {i["tool"]: i for i in items(jsonl(result.stdout), "item.completed")}
    assert done["get-tiny-image"]["status"] == "completed"  # the server was called with the raw name
    assert done["echo"]["arguments"] == {"message": "hello"}


def test_everything_over_stdio(everything: Path, tandem_home: Path, workspace: Path) -> None:
    servers = f'[mcp_servers.everything]\ncommand = "node"\nargs = ["{everything}", "stdio"]\n'
    result, bodies = _exec(tandem_home, workspace, servers, SCRIPT, _env())
    _check_answers(result, bodies)


def test_everything_over_streamable_http_with_a_bearer_token(
    http_everything: tuple[str, Path], tandem_home: Path, workspace: Path
) -> None:
    url, gate_log = http_everything
    servers = f'[mcp_servers.everything]\nurl = "{url}"\nbearer_token_env_var = "EVERYTHING_TOKEN"\n'
    result, bodies = _exec(tandem_home, workspace, servers, SCRIPT, _env(EVERYTHING_TOKEN=TOKEN))
    _check_answers(result, bodies)
    verdicts = gate_log.read_text().split()
    assert verdicts and set(verdicts) == {"ok"}  # every request carried the token
    sessions = "".join(p.read_text() for p in (tandem_home / "sessions").rglob("*.jsonl"))
    assert TOKEN not in sessions and TOKEN not in result.stdout + result.stderr
    assert TOKEN not in json.dumps(bodies)


def test_a_wrong_token_is_a_startup_failure_naming_the_server(
    http_everything: tuple[str, Path], tandem_home: Path, workspace: Path
) -> None:
    url, gate_log = http_everything
    servers = f'[mcp_servers.everything]\nurl = "{url}"\nbearer_token_env_var = "EVERYTHING_TOKEN"\n'
    result, bodies = _exec(tandem_home, workspace, servers, [respond(message("ok"))], _env(EVERYTHING_TOKEN="wrong"))
    assert result.returncode == 0, result.stderr
    (error,) = items(jsonl(result.stdout), "item.completed", "error")
    assert error["message"].startswith("MCP client for `everything` failed to start: HTTP 401 from ")
    assert "bearer_token_env_var" in error["message"] and "wrong" not in error["message"]
    assert "refused" in gate_log.read_text().split()
    assert not [n for n in tool_names(bodies[0]) if n.startswith("mcp__everything")]
