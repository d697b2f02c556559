"""Running one hook command: the event JSON on stdin, stdout and stderr captured, a timeout.

As Codex's hook command runner (docs/reference-facts.md §11): the command line runs in a shell
(``bash -c``, or ``sh -c`` where there is no bash; Claude Code runs hooks with bash) in the session's
cwd, with the user's environment plus ``TANDEM_PROJECT_DIR`` and ``CLAUDE_PROJECT_DIR`` (the project
root, which Claude Code's scripts read). Hooks run **outside the sandbox**: the user configured them
(a project's hooks only run in a trusted project, :mod:`tandem.hooks.config`). On timeout the whole
process group is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from tandem.hooks.config import HookHandler

OUTPUT_LIMIT = 1024 * 1024
"""Bytes of stdout and of stderr kept from one hook; the rest is dropped."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one hook command did.

    Attributes:
        exit_code: its exit status (``None`` when it did not start, timed out or died of a signal).
        stdout, stderr: its output, decoded as UTF-8 with replacement, at most :data:`OUTPUT_LIMIT` bytes each.
        error: why it did not run to an exit status (``"timed out after 5 s"``, the OS error), else ``None``.
        duration_ms: wall time.
    """

    exit_code: int | None
    stdout: str
    stderr: str
    error: str | None
    duration_ms: int


def _shell() -> list[str]:
    bash = shutil.which("bash")
    return [bash, "-c"] if bash else ["/bin/sh", "-c"]


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


async def run_hook(handler: HookHandler, stdin: str, cwd: Path, project_dir: Path) -> RunResult:
    """Run ``handler.command`` with ``stdin`` as its input; never raises (failures are in the result).

    A cancelled caller (the turn was interrupted) kills the command before the cancel goes on.
    """
    started = time.monotonic()

    def done(code: int | None, out: bytes, err: bytes, error: str | None) -> RunResult:
        return RunResult(
            code,
            out[:OUTPUT_LIMIT].decode("utf-8", "replace"),
            err[:OUTPUT_LIMIT].decode("utf-8", "replace"),
            error,
            int((time.monotonic() - started) * 1000),
        )

    env = {**os.environ, "TANDEM_PROJECT_DIR": str(project_dir), "CLAUDE_PROJECT_DIR": str(project_dir)}
    try:
        proc = await asyncio.create_subprocess_exec(
            *_shell(),
            handler.command,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return done(None, b"", b"", f"could not start: {exc}")
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode("utf-8")), handler.timeout_s)
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        return done(None, b"", b"", f"timed out after {handler.timeout_s} s")
    except BaseException:
        _kill(proc)
        raise
    finally:
        _kill(proc)  # children it left behind in its group
    code = proc.returncode
    if code is not None and code < 0:
        return done(None, out, err, f"killed by signal {-code}")
    return done(code, out, err, None)
