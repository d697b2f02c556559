"""Two `tandem exec` runs in one folder: neither takes the other's changes into its checkpoint (undoing one
never deletes the other's files), and `tandem undo` is refused while a turn of another process runs
there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tandem.testing import ScriptedModelServer

from helpers import message, patch_call, respond, run_tandem, shell

# A blocks until B opens gate_a, then creates a_new.txt and lets B finish: each command changes the
# folder while the other turn runs.
A_COMMAND = "cat gate_a > /dev/null; echo a > a_new.txt; echo done > gate_b"
B_COMMAND = "echo b > b_new.txt; echo go > gate_a; cat gate_b > /dev/null"
A_PATCH = "*** Begin Patch\n*** Add File: a_patched.txt\n+from A's patch\n*** End Patch"


def _spawn(workspace: Path, server: ScriptedModelServer, prompt: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "exec", "--json", "-s", "workspace-write", prompt],
        cwd=workspace,
        env={**os.environ, "OPENAI_BASE_URL": server.base_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    thread_id: str = json.loads(out.splitlines()[0])["thread_id"]
    return thread_id


def _checkpointed(tandem_home: Path, thread_id: str) -> set[str]:
    log = tandem_home / "checkpoints" / thread_id / "log.jsonl"
    if not log.exists():
        return set()
    return {f["path"] for line in log.read_text().splitlines() for f in json.loads(line)["files"]}


def _wait_for_request(server: ScriptedModelServer) -> None:
    deadline = time.monotonic() + 30
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.requests


def test_two_runs_in_one_folder_record_only_their_own_changes(model_server, workspace: Path, tandem_home: Path) -> None:
    os.mkfifo(workspace / "gate_a")
    os.mkfifo(workspace / "gate_b")
    server_a = model_server(
        [respond(shell(A_COMMAND, timeout_ms=60_000)), respond(patch_call(A_PATCH)), respond(message("A done"))]
    )
    server_b = model_server([respond(shell(B_COMMAND, timeout_ms=60_000)), respond(message("B done"))])
    proc_a = _spawn(workspace, server_a, "task A")
    _wait_for_request(server_a)
    proc_b = _spawn(workspace, server_b, "task B")
    thread_b = _finish(proc_b)
    thread_a = _finish(proc_a)
    assert (workspace / "a_new.txt").exists() and (workspace / "b_new.txt").exists()

    assert "b_new.txt" not in _checkpointed(tandem_home, thread_a)
    assert "a_new.txt" not in _checkpointed(tandem_home, thread_b)
    assert "a_patched.txt" in _checkpointed(tandem_home, thread_a)  # A's own tool's change is kept

    undone = run_tandem("undo", thread_a, cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert not (workspace / "a_patched.txt").exists()
    assert (workspace / "b_new.txt").read_text() == "b\n"  # B's file survives undoing A


def test_undo_on_the_command_line_is_refused_while_another_process_runs_a_turn_there(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    model_server([respond(shell("echo one > first.txt")), respond(message("first done"))])
    first = run_tandem("exec", "-s", "workspace-write", "first", cwd=workspace)
    assert first.returncode == 0, first.stderr
    os.mkfifo(workspace / "gate")
    server = model_server(
        [respond(shell("echo x > started.txt; cat gate > /dev/null", timeout_ms=60_000)), respond(message("ok"))]
    )
    running = _spawn(workspace, server, "long task")
    try:
        deadline = time.monotonic() + 30
        while not (workspace / "started.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (workspace / "started.txt").exists()
        refused = run_tandem("undo", cwd=workspace)
        assert refused.returncode == 1
        assert "running a turn" in refused.stderr and str(workspace) in refused.stderr
        assert (workspace / "first.txt").read_text() == "one\n"  # nothing was undone
    finally:
        (workspace / "gate").write_text("go\n")  # the command reads it and the turn ends
        _finish(running)
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr


def test_a_second_resume_of_a_session_in_use_is_refused_and_the_rollout_stays_whole(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    model_server([respond(message("first answer"))])
    first = run_tandem("exec", "--json", "first", cwd=workspace)
    assert first.returncode == 0, first.stderr
    thread_id = json.loads(first.stdout.splitlines()[0])["thread_id"]
    (rollout,) = (tandem_home / "sessions").glob("*/*/*/rollout-*.jsonl")
    os.mkfifo(workspace / "gate")
    server = model_server(
        [respond(shell("echo x > started.txt; cat gate > /dev/null", timeout_ms=60_000)), respond(message("done"))]
    )
    resumed = subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "exec", "resume", thread_id, "again", "--json", "-s", "workspace-write"],
        cwd=workspace,
        env={**os.environ, "OPENAI_BASE_URL": server.base_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (workspace / "started.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        before = rollout.read_bytes()
        model_server([respond(message("meanwhile answer")), respond(message("later answer"))])
        second = run_tandem("exec", "resume", thread_id, "meanwhile", cwd=workspace)
        assert second.returncode == 1
        assert "in use" in second.stderr and "Traceback" not in second.stderr
        assert rollout.read_bytes() == before  # the refused run wrote nothing
    finally:
        (workspace / "gate").write_text("go\n")
        _finish(resumed)
    events = [json.loads(line)["payload"] for line in rollout.read_text().splitlines()]
    statuses = [e["turn"]["status"] for e in events if e.get("type") == "turn_completed"]
    assert statuses == ["completed", "completed"]
    later = run_tandem("exec", "resume", thread_id, "later", cwd=workspace)  # free again once it ended
    assert later.returncode == 0, later.stderr
