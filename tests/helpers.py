"""Helpers for tests: running the CLI, parsing JSONL, building scripted model responses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
