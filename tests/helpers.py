"""Helpers for tests: running the CLI, parsing JSONL, building scripted model responses."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem.agent.thread import Approver
    from tandem.agent.threads import ThreadManager
    from tandem.config import CliOverrides

TEST_API_KEY = "sk-test-0123456789abcdef-SECRET"


def run_tandem(
    *args: str, cwd: Path, stdin: str | None = None, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `tandem` CLI in a subprocess with no controlling terminal; without ``stdin`` its
    stdin is /dev/null (so `tandem exec PROMPT` never waits for a pipe the test holds open)."""
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", *args],
        cwd=cwd,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or dict(os.environ),
        start_new_session=True,
        check=False,
    )


def jsonl(text: str) -> list[dict[str, Any]]:
    """Parse JSON Lines output."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


def shell(command: str, **extra: Any) -> dict[str, Any]:
    return {"type": "function_call", "name": "shell_command", "arguments": {"command": command, **extra}}


def patch_call(text: str) -> dict[str, Any]:
    return {"type": "custom_tool_call", "name": "apply_patch", "input": text}


def respond(*output: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"output": list(output), **extra}


def tool_outputs(body: dict[str, Any]) -> dict[str, str]:
    """call_id -> output text of every tool output item in a recorded request body."""
    return {
        item["call_id"]: item["output"]
        for item in body["input"]
        if item.get("type") in ("function_call_output", "custom_tool_call_output")
    }


def last_outputs(body: dict[str, Any]) -> list[str]:
    """The tool outputs at the end of a request's input, in order."""
    outputs = []
    for item in reversed(body["input"]):
        if item.get("type") not in ("function_call_output", "custom_tool_call_output"):
            break
        outputs.append(item["output"])
    return list(reversed(outputs))


def processes_named(marker: str) -> list[int]:
    """Host pids whose argv[0] is ``marker`` (works across pid namespaces, unlike ``$$``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0", 1)[0]
        except OSError:
            continue
        if argv0 == marker.encode():
            found.append(int(entry.name))
    return found


def thread_manager(cwd: Path, cli: CliOverrides | None = None, *, approver: Approver | None = None) -> ThreadManager:
    """The threads of a test, made the way every surface makes them (settings of ``cwd`` with ``cli``
    -> model client -> default tools), through :class:`tandem.agent.threads.ThreadManager`."""
    from tandem.agent.threads import ThreadManager
    from tandem.config import load_config

    return ThreadManager(lambda folder: load_config(folder or cwd, cli), approver=approver)


# One unsandboxed command that leaves a setsid+nohup daemon, a plain background child and a file
# (so the turn has something to checkpoint), then blocks.
TURN_SPAWNING_DAEMONS = (
    "setsid nohup sh -c 'echo $$ > daemon.pid; exec sleep 1001' >/dev/null 2>&1 & "
    "sh -c 'echo $$ > child.pid; exec sleep 1002' & "
    "echo made > made.txt; echo $$ > shell.pid; exec sleep 1003"
)
PID_FILES = ("daemon.pid", "child.pid", "shell.pid")


def process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for_pid_files(workspace: Path, proc: subprocess.Popen[str] | None = None) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        texts = [(workspace / name).read_text() if (workspace / name).exists() else "" for name in PID_FILES]
        if all(text.strip() for text in texts):
            return [int(text) for text in texts]
        assert proc is None or proc.poll() is None, "tandem ended before the command started"
        time.sleep(0.05)
    raise AssertionError("the command did not start")


def assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in pids if process_alive(pid)]
    for pid in survivors:  # do not leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], f"processes outlived tandem: {survivors}"


def last_turn(tandem_home: Path) -> dict[str, object]:
    (rollout,) = (tandem_home / "sessions").glob("*/*/*/rollout-*.jsonl")
    events = [json.loads(line)["payload"] for line in rollout.read_text().splitlines()]
    completed = [e for e in events if e.get("type") == "turn_completed"]
    assert completed, "the turn was not recorded as ended"
    turn: dict[str, object] = completed[-1]["turn"]
    return turn


def checkpointed_paths(tandem_home: Path, turn_id: object) -> list[str]:
    paths = []
    for log in (tandem_home / "checkpoints").glob("*/log.jsonl"):
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("turn_id") == turn_id:
                paths += [f["path"] for f in entry["files"]]
    return paths


NPM_FLAGS = ("--no-audit", "--no-fund", "--no-save", "--omit=optional", "--ignore-scripts", "--loglevel=error")
"""``--omit=optional``: e.g. @openai/codex-sdk's optional @openai/codex would fetch Codex's own 400 MB binary."""


def npm_package(package: str, version: str, entry: str) -> Path:
    """``package@version`` installed from npm into ``$XDG_CACHE_HOME/tandem-tests`` on first use (one
    install at a time across processes, into a staging folder renamed when complete); returns the
    path of ``entry`` inside the package (e.g. ``dist/index.js``). Skips the test without node/npm."""
    import pytest

    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip(f"node and npm are needed to run {package} (install nodejs and npm)")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "tandem-tests"
    slug = package.rsplit("/", 1)[-1]
    root = cache / f"{slug}-{version}"
    path = root / "node_modules" / package / entry
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f".{slug}-{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            staging = root.with_name(root.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            subprocess.run(
                [npm, "install", "--prefix", str(staging), *NPM_FLAGS, f"{package}@{version}"],
                check=True,
                capture_output=True,
                timeout=300,
            )
            shutil.rmtree(root, ignore_errors=True)
            staging.rename(root)
    return path
