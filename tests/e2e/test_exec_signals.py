"""SIGTERM / SIGHUP to `tandem exec` and `tandem lsp`: every process a turn started ends with it (the
escalated, unsandboxed command, its background child and its setsid/nohup daemon, checked by pid),
and the turn is recorded as interrupted, with its checkpoint."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (
    TURN_SPAWNING_DAEMONS,
    assert_all_gone,
    checkpointed_paths,
    last_turn,
    message,
    respond,
    shell,
    wait_for_pid_files,
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_exec_ends_every_process_of_the_turn(
    model_server, workspace: Path, tandem_home: Path, sig: signal.Signals
) -> None:
    model_server([respond(shell(TURN_SPAWNING_DAEMONS, timeout_ms=600_000)), respond(message("never sent"))])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "exec", "-s", "danger-full-access", "-a", "never", "run it"],
        cwd=workspace,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    try:
        pids = wait_for_pid_files(workspace, proc)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert_all_gone(pids)
    assert proc.returncode == 128 + sig, stderr
    turn = last_turn(tandem_home)
    assert turn["status"] == "interrupted"
    assert "made.txt" in checkpointed_paths(tandem_home, turn["id"])
