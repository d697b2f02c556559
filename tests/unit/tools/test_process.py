"""run_process with real subprocesses: exit codes, ordering, streaming, timeouts, cancellation,
background daemons, the capture bound, UTF-8 decoding, spawn errors; and the Codex text format."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tandem.errors import ToolError
from tandem.sandbox.env import build_child_env
from tandem.tools import process as process_module
from tandem.tools.process import ProcessResult, format_exec_output, run_process, shell_argv

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process-tree tests read /proc")

ENV = build_child_env(os.environ)


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (killed orphans may stay zombies under PID 1)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rfind(")") + 2] not in "ZXx"


async def _sh(command: str, cwd: Path, *, timeout_s: float | None = 30, **kwargs: object) -> ProcessResult:
    return await run_process(shell_argv(command), cwd=cwd, env=ENV, timeout_s=timeout_s, **kwargs)  # type: ignore[arg-type]


class Gate:
    """A FIFO a child blocks on (`read line < gate`) until the test opens it."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        # O_RDWR never blocks on Linux and keeps a writer present, so the child's read blocks
        self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def open(self) -> None:
        os.write(self._fd, b"go\n")

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    fifo = Gate(tmp_path / "gate")
    yield fifo
    fifo.close()


class Watcher:
    """on_output callback that lets the test wait for a piece of output."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self._event = asyncio.Event()
        self._want = ""

    def __call__(self, chunk: str) -> None:
        self.chunks.append(chunk)
        if self._want and self._want in "".join(self.chunks):
            self._event.set()

    async def wait_for(self, text: str) -> str:
        self._want = text
        self._event.clear()
        if text not in "".join(self.chunks):
            await asyncio.wait_for(self._event.wait(), 20)
        return "".join(self.chunks)


# --- exit codes, ordering, stdin ------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code"), [("true", 0), ("exit 3", 3), ("kill -TERM $$", 143), ("kill -KILL $$", 137)]
)
async def test_exit_codes_signals_map_to_128_plus_n(tmp_path: Path, command: str, code: int) -> None:
    result = await _sh(command, tmp_path)
    assert result.exit_code == code
    assert not result.timed_out
    assert result.truncated_bytes == 0


async def test_stdout_and_stderr_are_interleaved_in_arrival_order(tmp_path: Path) -> None:
    result = await _sh("for i in 1 2 3; do echo out$i; echo err$i >&2; done", tmp_path)
    assert result.output == "out1\nerr1\nout2\nerr2\nout3\nerr3\n"


async def test_runs_in_cwd_with_the_given_env(tmp_path: Path) -> None:
    result = await run_process(
        shell_argv("pwd; echo $ONLY_VAR"), cwd=tmp_path, env={**ENV, "ONLY_VAR": "v"}, timeout_s=10
    )
    assert result.output == f"{tmp_path}\nv\n"


async def test_stdin_is_dev_null_by_default_and_bytes_when_given(tmp_path: Path) -> None:
    assert (await _sh("cat", tmp_path)).output == ""
    assert (await _sh("cat", tmp_path, stdin=b"hello\n")).output == "hello\n"
    big = b"x" * 1_000_000  # more than a pipe buffer: written asynchronously
    assert (await _sh("wc -c", tmp_path, stdin=big)).output.strip() == "1000000"
    assert (await _sh("true", tmp_path, stdin=big)).exit_code == 0  # child never reads: no error


async def test_child_runs_in_its_own_session(tmp_path: Path) -> None:
    result = await _sh("echo $$; cut -d' ' -f6 /proc/$$/stat", tmp_path)  # field 6: session id
    pid, sid = result.output.split()
    assert pid == sid


# --- streaming and decoding -----------------------------------------------------------------


async def test_output_is_streamed_before_the_process_ends(tmp_path: Path, gate: Gate) -> None:
    watcher = Watcher()
    task = asyncio.create_task(_sh(f"echo ready; read line < {gate.path}; echo got $line", tmp_path, on_output=watcher))
    assert await watcher.wait_for("ready\n") == "ready\n"
    assert not task.done()
    gate.open()
    result = await task
    assert result.output == "ready\ngot go\n"
    assert "".join(watcher.chunks) == result.output


async def test_multibyte_character_split_across_reads_is_decoded(tmp_path: Path, gate: Gate) -> None:
    watcher = Watcher()  # € = e2 82 ac: the first two bytes, a pause, then the last one
    task = asyncio.create_task(
        _sh(rf"printf 'A\342\202'; read line < {gate.path}; printf '\254B'", tmp_path, on_output=watcher)
    )
    assert await watcher.wait_for("A") == "A"
    gate.open()
    result = await task
    assert result.output == "A€B"
    assert watcher.chunks == ["A", "€B"]


async def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    assert (await _sh(r"printf 'a\377b'", tmp_path)).output == "a\ufffdb"


async def test_failing_callback_does_not_break_the_command(tmp_path: Path) -> None:
    def broken(chunk: str) -> None:
        raise RuntimeError("client gone")

    result = await _sh("echo one; echo two", tmp_path, on_output=broken)
    assert result.exit_code == 0
    assert result.output == "one\ntwo\n"


# --- the capture bound ----------------------------------------------------------------------


async def test_capture_bound_keeps_head_and_tail(tmp_path: Path) -> None:
    # 1000 lines of 10 bytes ("line00042\n") = 10,000 bytes through a 1,000-byte bound
    result = await _sh("seq -f 'line%05g' 0 999", tmp_path, max_capture_bytes=1000)
    lines = [f"line{i:05d}\n" for i in range(1000)]
    assert result.truncated_bytes == 9000
    assert result.output == "".join(lines[:50]) + "…9000 bytes truncated…\n" + "".join(lines[-50:])


async def test_large_output_is_bounded_and_counted(tmp_path: Path) -> None:
    result = await _sh("head -c 5000000 /dev/zero | tr '\\0' a", tmp_path)
    assert result.truncated_bytes == 5_000_000 - (1 << 20)
    assert len(result.output) < (1 << 20) + 100


# --- timeouts, cancellation, background processes ------------------------------------------

# Four kinds of descendants, each writing its own pid before the command says "started":
# a plain background job (same group), one that ignores SIGTERM, one that escaped into its own
# session with `setsid` (found by the environment tag) and one that also cleared its
# environment (found by ancestry: its parent, the shell, is alive when the kill starts).
NAMES = ("plain", "stubborn", "escaped", "anonymous")
TREE = (
    "sh -c 'echo $$ > plain.pid; exec sleep 1000' & "
    "sh -c 'trap \"\" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' & "
    "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' & "
    "setsid env -i /bin/sh -c 'echo $$ > anonymous.pid; exec /bin/sleep 1000' & "
    "for f in " + " ".join(NAMES) + "; do while [ ! -s $f.pid ]; do sleep 0.01; done; done; "
    "echo started $$; "
)


def _tree_pids(cwd: Path, output: str) -> dict[str, int]:
    match = re.search(r"started (\d+)", output)
    assert match, output
    pids = {name: int((cwd / f"{name}.pid").read_text()) for name in NAMES}
    return {"leader": int(match.group(1)), **pids}


async def test_timeout_kills_the_whole_tree(tmp_path: Path) -> None:
    start = time.monotonic()
    result = await _sh(TREE + "wait", tmp_path, timeout_s=1)
    assert result.timed_out
    assert result.exit_code is None
    assert 1 <= result.duration_s < 10 and time.monotonic() - start < 10
    pids = _tree_pids(tmp_path, result.output)  # output before the kill is kept
    assert {name: _alive(pid) for name, pid in pids.items()} == dict.fromkeys(pids, False)


async def test_cancellation_kills_the_tree_and_reraises(tmp_path: Path) -> None:
    watcher = Watcher()
    task = asyncio.create_task(_sh(TREE + "wait", tmp_path, timeout_s=None, on_output=watcher))
    output = await watcher.wait_for("started")
    task.cancel()
    await asyncio.sleep(0)  # let the clean-up start, then interrupt it again: it must still finish
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pids = _tree_pids(tmp_path, output)
    assert {name: _alive(pid) for name, pid in pids.items()} == dict.fromkeys(pids, False)


@pytest.mark.parametrize("redirect", ["", "> /dev/null 2>&1"])
async def test_background_daemon_neither_blocks_nor_survives(tmp_path: Path, redirect: str) -> None:
    start = time.monotonic()
    result = await _sh(f"sleep 1000 {redirect} & echo $!", tmp_path, timeout_s=30)
    elapsed = time.monotonic() - start
    assert result.exit_code == 0 and not result.timed_out
    assert elapsed < 5, elapsed  # ~0.1 s: the grace period, not the 30 s timeout
    assert not _alive(int(result.output))


async def test_escaped_double_forked_daemon_does_not_survive(tmp_path: Path) -> None:
    # the classic daemon: its parent exits at once, it lives on in its own session
    result = await _sh(
        "(setsid sh -c 'echo $$ > d.pid; exec sleep 1000' > /dev/null 2>&1 &); "
        "while [ ! -s d.pid ]; do sleep 0.01; done",
        tmp_path,
    )
    assert result.exit_code == 0
    assert not _alive(int((tmp_path / "d.pid").read_text()))


async def test_many_parallel_runs(tmp_path: Path) -> None:
    results = await asyncio.gather(*(_sh(f"echo {i}; echo e{i} >&2", tmp_path) for i in range(20)))
    assert [r.output for r in results] == [f"{i}\ne{i}\n" for i in range(20)]


# --- errors -------------------------------------------------------------------------------


async def test_missing_executable_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="command not found"):
        await run_process(["tandem-no-such-program-xyz"], cwd=tmp_path, env=ENV, timeout_s=5)


async def test_missing_cwd_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        await run_process(["true"], cwd=tmp_path / "missing", env=ENV, timeout_s=5)
    (tmp_path / "file").write_text("")
    with pytest.raises(ToolError, match="not a directory"):
        await run_process(["true"], cwd=tmp_path / "file", env=ENV, timeout_s=5)


async def test_not_executable_and_bad_arguments_are_tool_errors(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(ToolError, match="permission denied"):
        await run_process([str(script)], cwd=tmp_path, env=ENV, timeout_s=5)
    with pytest.raises(ToolError):
        await run_process(["echo", "a\0b"], cwd=tmp_path, env=ENV, timeout_s=5)
    with pytest.raises(ToolError):
        await run_process([], cwd=tmp_path, env=ENV, timeout_s=5)
    with pytest.raises(ToolError):
        await run_process(["true"], cwd=tmp_path, env=ENV, timeout_s=-1)


# --- shell_argv and the Codex text format ---------------------------------------------------


def test_shell_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    assert shell_argv("ls") == ["bash", "-c", "ls"]
    assert shell_argv("ls", login=True) == ["bash", "-lc", "ls"]
    fake_which: Callable[[str], None] = lambda name: None  # noqa: E731
    monkeypatch.setattr(process_module.shutil, "which", fake_which)
    assert shell_argv("ls") == ["sh", "-c", "ls"]


def _result(
    output: str = "hi\n", *, code: int | None = 0, duration: float = 1.25, timed_out: bool = False
) -> ProcessResult:
    return ProcessResult(exit_code=code, output=output, duration_s=duration, timed_out=timed_out, truncated_bytes=0)


def test_format_exec_output_is_codex_shell_text() -> None:
    assert format_exec_output(_result()) == "Exit code: 0\nWall time: 1.3 seconds\nOutput:\nhi\n"
    assert format_exec_output(_result(code=2, duration=0.04, output="")) == (
        "Exit code: 2\nWall time: 0 seconds\nOutput:\n"
    )
    assert format_exec_output(_result(duration=3.0)).startswith("Exit code: 0\nWall time: 3 seconds\n")


def test_format_exec_output_timeout_says_124_and_timed_out_first() -> None:
    text = format_exec_output(_result("partial\n", code=None, duration=10.0004, timed_out=True))
    assert text == (
        "Exit code: 124\nWall time: 10 seconds\nOutput:\ncommand timed out after 10000 milliseconds\npartial\n"
    )


def test_format_exec_output_truncates_with_total_lines() -> None:
    output = "".join(f"line {i}\n" for i in range(5000))
    text = format_exec_output(_result(output), max_tokens=50)
    head, _, rest = text.partition("Output:\n")
    assert head == "Exit code: 0\nWall time: 1.3 seconds\nTotal output lines: 5000\n"
    assert rest.startswith("line 0\nline 1\n")
    assert re.search(r"\n…\d+ tokens truncated…\n", rest)
    assert rest.endswith("line 4998\nline 4999\n")
