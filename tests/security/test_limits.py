"""Resource exhaustion: output flood, CPU, memory, disk, fork bomb.

Layers: ``[sandbox_limits]`` become rlimits set by the inner launcher (RLIMIT_CPU -> SIGKILL at the
hard limit, RLIMIT_AS -> allocation fails, RLIMIT_FSIZE -> SIGXFSZ / EFBIG) and a pids cgroup per
command (``pids.max``; RLIMIT_NPROC does nothing for root). Without the sandbox no limit applies.
The output flood is bounded by the shell tool's capture (head + tail, 1 MiB), not by the sandbox.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sandbox_attacks import PY, RUN_TIMEOUT_S, Arena, attack

from tandem.testing import ScriptedModelServer

from helpers import TEST_API_KEY, jsonl, last_outputs, message, respond, shell

MB = 1024 * 1024

BURN = """
import time
while time.process_time() < 4:  # 4 CPU seconds, whatever the wall time on a busy machine
    pass
print("BURNED")
"""


def test_cpu_burn_is_killed_at_the_cpu_limit(arena: Arena) -> None:
    sandboxed, _ = attack(
        lambda sandbox: arena.py(BURN, sandbox=sandbox, config=["sandbox_limits.cpu_seconds=2"]),
        lambda done: "BURNED" in done.stdout,
        what="cpu burn",
    )
    assert sandboxed.returncode in (128 + 9, 128 + 24), sandboxed  # SIGKILL (hard limit) or SIGXCPU


ALLOCATE = """
block = bytearray(512 * 1024 * 1024)
block[::4096] = b"x" * len(block[::4096])  # touch every page
print("ALLOCATED")
"""


def test_memory_bomb_fails_at_the_address_space_limit(arena: Arena) -> None:
    sandboxed, _ = attack(
        lambda sandbox: arena.py(ALLOCATE, sandbox=sandbox, config=["sandbox_limits.address_space_mb=256"]),
        lambda done: "ALLOCATED" in done.stdout,
        what="memory bomb",
    )
    assert "MemoryError" in sandboxed.stderr


WRITE_PY = """
import signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
with open("big.bin", "wb") as out:
    for _ in range(20):
        out.write(b"x" * 1024 * 1024)
        out.flush()
print("WROTE")
"""


@pytest.mark.parametrize("writer", ["head", "python"])
def test_disk_fill_stops_at_the_file_size_limit(arena: Arena, writer: str) -> None:
    big = arena.work / "big.bin"
    config = ["sandbox_limits.file_size_mb=10"]

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        big.unlink(missing_ok=True)
        if writer == "head":
            return arena.sh(f"head -c {20 * MB} /dev/zero > big.bin", sandbox=sandbox, config=config)
        return arena.py(WRITE_PY, sandbox=sandbox, config=config)

    sandboxed, _ = attack(run, lambda _: big.exists() and big.stat().st_size > 10 * MB, what=f"disk fill ({writer})")
    # SIGXFSZ, or EFBIG where it is ignored (the launcher currently leaves it ignored: see test_positive_controls)
    assert sandboxed.returncode == 128 + 25 or "File too large" in sandboxed.stderr, sandboxed


FORK = """
import os
read_end, write_end = os.pipe()
started, error = 0, None
for _ in range(300):
    try:
        pid = os.fork()
    except OSError as exc:
        error = exc
        continue
    if pid == 0:  # a child sleeps until the parent exits (EOF on the pipe), then goes: nothing lingers
        os.close(write_end)
        os.read(read_end, 1)
        os._exit(0)
    started += 1
print("STARTED", started, error)
"""


def test_fork_bomb_is_bounded_by_the_pids_cgroup(arena: Arena, pids_cgroup: None) -> None:
    def started(done: subprocess.CompletedProcess[str]) -> int:
        words = done.stdout.split()
        assert words[:1] == ["STARTED"], done.stderr
        return int(words[1])

    sandboxed, _ = attack(
        lambda sandbox: arena.py(FORK, sandbox=sandbox, config=["sandbox_limits.max_pids=64"]),
        lambda done: started(done) == 300,
        what="fork bomb",
    )
    assert started(sandboxed) < 64 and "Resource temporarily unavailable" in sandboxed.stdout


# --- 200 MB of output through the shell tool ---------------------------------------------------------

PEAK_RSS = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # KiB: tandem and what it reaped
"""


def exec_peak(
    command: str, workspace: Path, server_start: Callable[..., ScriptedModelServer], tmp_path: Path, name: str
) -> tuple[int, dict[str, object], ScriptedModelServer]:
    """Run ``tandem exec --json`` whose model asks for ``command``; returns (peak RSS KiB, the command
    item, the server)."""
    server = server_start([respond(shell(command, timeout_ms=600_000)), respond(message("done"))])
    out = tmp_path / f"{name}.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(out), PY, "-m", "tandem.cli", "exec", "--json", "go"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=True,
    )
    code, peak = (int(word) for word in done.stdout.split())
    assert code == 0
    item = next(
        e["item"]
        for e in jsonl(out.read_text())
        if e["type"] == "item.completed" and e["item"]["type"] == "command_execution"
    )
    return peak, item, server


def test_200_mb_of_output_is_truncated_and_memory_stays_bounded(
    model_server, workspace: Path, tmp_path: Path, tandem_home: Path
) -> None:
    flood = "seq 1 24000000"  # its last line shows that everything was read
    control = subprocess.run(
        ["bash", "-c", f"{flood} | wc -c"], capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=True
    )
    assert int(control.stdout) > 200 * 1000 * 1000  # the command really writes 200 MB
    baseline, _, _ = exec_peak("seq 1 1000", workspace, model_server, tmp_path, "small")
    peak, item, server = exec_peak(flood, workspace, model_server, tmp_path, "flood")
    assert item["exit_code"] == 0 and item["status"] == "completed"
    assert len(str(item["aggregated_output"])) <= 1 * MB + 4096  # the capture keeps head + tail only
    tool_output = last_outputs(server.requests[1].body)[0]
    assert "Total output lines:" in tool_output and len(tool_output) < 100_000, len(tool_output)
    assert tool_output.rstrip().endswith("\n24000000") and "\n1\n2\n3\n" in tool_output  # head and tail kept
    assert len(json.dumps(server.requests[1].body)) < 200_000
    assert TEST_API_KEY not in tool_output
    # Peak RSS of the agent (max over it and everything it reaped) grows by far less than the output.
    assert peak - baseline < 64 * 1024, f"peak {peak} KiB vs baseline {baseline} KiB"
