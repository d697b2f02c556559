"""Helpers of the security attack suite: arenas, the attack/control discipline, marker processes, the
in-process agent harness. Fixtures that use them live in ``conftest.py``.

Every attack runs through the real CLI (``python -m tandem.cli sandbox …``, exactly what the shell
tool runs) or the real agent loop, twice: once sandboxed, where its effect must NOT happen, and
once without the sandbox (``-s danger-full-access`` or a plain subprocess), where the effect MUST
happen — an attack whose unsandboxed control does nothing proves nothing, so its test fails.

A real hole is a test that raises :class:`Escaped` in the sandboxed run; it is marked
``xfail(strict=True, raises=Escaped, reason="HOLE: …")`` so that any other failure (a broken
control) still fails, and a fixed hole (XPASS) fails until the marker is removed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.agent.events import Event, ItemCompleted
from tandem.agent.thread import Thread
from tandem.protocol.enums import ApprovalDecision
from tandem.protocol.items import TextInput
from tandem.protocol.messages import RequestApprovalParams
from tandem.testing import ScriptedModelServer
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse

from helpers import processes_named

PY = sys.executable
#: Hang guard for one CLI run (never a synchronisation device: tests wait for results, not time).
RUN_TIMEOUT_S = 300


class Escaped(AssertionError):
    """The attack's effect happened INSIDE the sandbox: a hole."""


class KnownBug(AssertionError):
    """A documented bug (not a hole) is still there; used with ``xfail(raises=KnownBug)``."""


# --- tandem doctor ----------------------------------------------------------------------------


@functools.cache
def doctor() -> subprocess.CompletedProcess[str]:
    """``tandem doctor --skip-provider`` on this machine (run once, with a throw-away ``$TANDEM_HOME``): the
    sandbox report only, whose exit status says whether the sandbox is complete."""
    home = tempfile.mkdtemp(prefix="tandem-sec-doctor-")
    try:
        return subprocess.run(
            [PY, "-m", "tandem.cli", "doctor", "--skip-provider"],
            env={**os.environ, "TANDEM_HOME": home},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)


def doctor_problem(word: str) -> str | None:
    """The doctor's problem line mentioning ``word`` (e.g. ``"pids cgroup"``), if any."""
    for line in doctor().stdout.splitlines():
        if line.strip().startswith("- ") and word in line:
            return line.strip()[2:]
    return None


# --- arenas -----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Everything observable under ``root`` (names, types, modes, owners, contents, link targets)."""
    if not root.exists() and not root.is_symlink():
        return {}
    found: dict[str, tuple[Any, ...]] = {}
    paths = [root, *root.rglob("*")] if root.is_dir() and not root.is_symlink() else [root]
    for path in paths:
        info = path.lstat()
        key = str(path.relative_to(root))
        if stat.S_ISLNK(info.st_mode):
            found[key] = ("link", str(path.readlink()))
        elif stat.S_ISREG(info.st_mode):
            found[key] = ("file", info.st_mode, info.st_uid, info.st_gid, path.read_bytes())
        else:
            found[key] = ("other", info.st_mode, info.st_uid, info.st_gid, info.st_rdev)
    return found


@dataclass
class Arena:
    """A workspace (``work``) with an ``outside`` directory beside it, and a private ``$TANDEM_HOME``.

    ``outside/target.txt`` holds ``original``; :attr:`target` is its absolute path. The
    environment is this process's, without ``TMPDIR`` (it would become a writable root).
    """

    base: Path
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.outside.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.target.write_text("original\n")
        env = {key: value for key, value in os.environ.items() if key not in ("TMPDIR", "OPENAI_BASE_URL")}
        self.env = {**env, "TANDEM_HOME": str(self.home), **self.env}

    @property
    def work(self) -> Path:
        return self.base / "work"

    @property
    def outside(self) -> Path:
        return self.base / "outside"

    @property
    def target(self) -> Path:
        return self.outside / "target.txt"

    def argv(
        self, *command: str, sandbox: bool = True, mode: str | None = None, config: Sequence[str] = ()
    ) -> list[str]:
        """The ``tandem sandbox`` command line (``sandbox=False``: ``-s danger-full-access``)."""
        flags = ["-s", "danger-full-access"] if not sandbox else (["-s", mode] if mode else [])
        for item in config:
            flags += ["-c", item]
        return [PY, "-m", "tandem.cli", "sandbox", *flags, "--", *command]

    def tandem(
        self,
        *command: str,
        sandbox: bool = True,
        mode: str | None = None,
        config: Sequence[str] = (),
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``tandem sandbox … -- COMMAND`` in the workspace and wait for it."""
        return subprocess.run(
            self.argv(*command, sandbox=sandbox, mode=mode, config=config),
            cwd=cwd or self.work,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            start_new_session=True,
            check=False,
        )

    def sh(self, script: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run a bash script through :meth:`tandem`."""
        return self.tandem("bash", "-c", script, **kwargs)

    def py(self, code: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run Python code (this interpreter) through :meth:`tandem`."""
        return self.tandem(PY, "-c", code, *args, **kwargs)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """A readable account of one run, for assertion messages."""
    return f"exit {result.returncode}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"


Run = Callable[[bool], subprocess.CompletedProcess[str]]
Effect = Callable[[subprocess.CompletedProcess[str]], bool]


def attack(
    run: Run,
    effect: Effect,
    *,
    what: str,
    reset: Callable[[], None] | None = None,
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Run the attack sandboxed (``run(True)``), then without the sandbox (``run(False)``).

    ``effect(result)`` says whether the attack's effect happened (it may look at the world or at
    the run's output). Returns both results.

    Raises:
        Escaped: the effect happened sandboxed. With ``reset`` (which undoes the effect) the
            control is still run and checked first, so a hole test also proves its attack works.
        AssertionError: the unsandboxed control did not produce the effect: the attack is broken.
    """
    sandboxed = run(True)
    escaped = effect(sandboxed)
    if escaped and reset is None:
        raise Escaped(f"{what}: the attack worked INSIDE the sandbox\n{describe(sandboxed)}")
    if escaped and reset is not None:
        reset()
    control = run(False)
    assert effect(control), (
        f"{what}: the unsandboxed control had no effect, so the attack proves nothing\n{describe(control)}"
    )
    if escaped:
        raise Escaped(f"{what}: the attack worked INSIDE the sandbox\n{describe(sandboxed)}")
    return sandboxed, control


# --- marker processes (found by argv[0], across pid namespaces) --------------------------------


def new_marker(label: str) -> str:
    """A unique argv[0] for a process an attack starts."""
    return f"tandem-sec-{uuid.uuid4().hex[:10]}-{label}"


def grep_pattern(marker: str) -> str:
    """A regex matching ``marker`` but not itself (so ``grep`` does not find its own command line)."""
    return f"{marker[:-1]}[{marker[-1]}]"


def survivors(markers: Sequence[str], settle_s: float = 15.0) -> dict[str, list[int]]:
    """The marker processes still alive after the dying ones had up to ``settle_s`` to go.

    A killed process disappears within milliseconds; a survivor (``sleep 1000``) is still there after
    the whole grace period, so a slow machine cannot turn a survivor into a pass (the grace period
    only bounds how long a correct result takes).
    """
    deadline = time.monotonic() + settle_s
    while True:
        alive = {marker: pids for marker in markers if (pids := processes_named(marker))}
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def kill_markers(markers: Sequence[str]) -> None:
    """SIGKILL every process carrying one of ``markers`` (test clean-up)."""
    for marker in markers:
        for pid in processes_named(marker):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


# --- the agent loop in-process ------------------------------------------------------------------


class Harness:
    """A thread wired to a scripted server, recording every event."""

    def __init__(self, thread: Thread, server: ScriptedModelServer) -> None:
        self.thread = thread
        self.server = server
        self.events: list[Event] = []
        thread.subscribe(self.events.append)

    async def turn(self, text: str = "go") -> Any:
        return await self.thread.run_turn([TextInput(text=text)])

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.server.requests]

    def completed(self, kind: type) -> list[Any]:
        return [e.item for e in self.events if isinstance(e, ItemCompleted) and isinstance(e.item, kind)]


class DeclineAll:
    """An approver that records every request and declines it."""

    def __init__(self) -> None:
        self.requests: list[RequestApprovalParams] = []  # what the user was shown

    async def __call__(self, request: ApprovalRequest) -> ApprovalResponse:
        self.requests.append(request.params)
        return ApprovalResponse(ApprovalDecision.DECLINE)
