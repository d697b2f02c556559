"""The sandbox launch itself: full (bubblewrap) and reduced (Landlock + seccomp only) modes, real kernel."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from tandem.config import load_config
from tandem.errors import SandboxError
from tandem.protocol.enums import SandboxMode
from tandem.sandbox.policy import policy_for
from tandem.sandbox.probe import Mechanisms, Strength, probe
from tandem.sandbox.runner import prepare

FOUND = probe()
needs_full = pytest.mark.skipif(FOUND.strength is not Strength.FULL, reason="needs bubblewrap (make test installs it)")
needs_landlock = pytest.mark.skipif(FOUND.landlock_abi == 0 or not FOUND.seccomp, reason="needs Landlock + seccomp")


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    private_tmp = tmp_path / "private-tmp"
    private_tmp.mkdir()
    config = load_config(work, environ={"TANDEM_HOME": str(tmp_path / "home")})
    return work, outside, private_tmp, config


def run(launch, cwd: Path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    try:
        return subprocess.run(
            launch.argv,
            cwd=cwd,
            env=launch.env,
            pass_fds=launch.pass_fds,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        launch.close()


SCRIPT = (
    "echo inside > ok.txt; echo x > {outside}/escaped 2>/dev/null; echo x > .git/evil 2>/dev/null; "
    "echo tmp > /tmp/t && cat /tmp/t; "
    "python3 -c 'import socket; socket.socket(socket.AF_INET)' 2>/dev/null && echo NET; "
    "cat /proc/{agent}/environ >/dev/null 2>&1 && echo SAW_AGENT; echo done"
)


@needs_full
def test_full_sandbox_confines_writes_network_and_proc(setup) -> None:  # type: ignore[no-untyped-def]
    work, outside, private_tmp, config = setup
    policy = policy_for(config, work, private_tmp=private_tmp)
    script = SCRIPT.format(outside=outside, agent=os.getpid())
    done = run(prepare(["bash", "-c", script], policy, work, dict(os.environ)), work)
    assert done.stdout.split() == ["tmp", "done"], done.stderr
    assert (work / "ok.txt").read_text() == "inside\n"
    assert not (outside / "escaped").exists() and not (work / ".git" / "evil").exists()
    assert (private_tmp / "t").read_text() == "tmp\n"  # the thread's private /tmp
    control = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True, check=False)
    assert "NET" in control.stdout and (outside / "escaped").exists()  # the same script escapes unsandboxed


@needs_landlock
def test_reduced_sandbox_without_bubblewrap_still_confines_writes(setup) -> None:  # type: ignore[no-untyped-def]
    work, outside, private_tmp, config = setup
    reduced = dataclasses.replace(FOUND, bwrap=None, pids_cgroup=None)
    assert reduced.strength is Strength.REDUCED
    policy = policy_for(config, work, private_tmp=private_tmp)
    script = (
        f"echo inside > ok.txt; echo x > {outside}/escaped 2>/dev/null; echo tmp > $TMPDIR/t; "
        "python3 -c 'import socket; socket.socket(socket.AF_INET)' 2>/dev/null && echo NET; "
        f"cat /proc/{os.getpid()}/environ >/dev/null 2>&1 && echo SAW_AGENT; echo done"
    )
    done = run(prepare(["bash", "-c", script], policy, work, dict(os.environ), reduced), work)
    assert done.stdout.split() == ["done"], done.stderr
    assert (work / "ok.txt").exists() and not (outside / "escaped").exists()
    assert (private_tmp / "t").read_text() == "tmp\n"


def test_no_mechanism_refuses_sandboxed_modes(setup) -> None:  # type: ignore[no-untyped-def]
    work, _, private_tmp, config = setup
    nothing = Mechanisms(bwrap=None, landlock_abi=0, seccomp=False, pids_cgroup=None, problems=("none here",))
    with pytest.raises(SandboxError, match="no sandbox is available"):
        prepare(["true"], policy_for(config, work, private_tmp=private_tmp), work, {}, nothing)
    full_access = policy_for(config, work, SandboxMode.DANGER_FULL_ACCESS)
    launch = prepare(["true"], full_access, work, {"PATH": "/usr/bin:/bin"}, nothing)
    assert launch.argv == ["true"] and not launch.sandboxed


@needs_full
def test_read_only_mode_writes_nothing_but_tmp(setup) -> None:  # type: ignore[no-untyped-def]
    work, _, private_tmp, config = setup
    policy = policy_for(config, work, SandboxMode.READ_ONLY, private_tmp=private_tmp)
    done = run(
        prepare(["bash", "-c", "echo x > a.txt; echo y > /tmp/b && echo wrote-tmp"], policy, work, dict(os.environ)),
        work,
    )
    assert "Read-only file system" in done.stderr and "wrote-tmp" in done.stdout
    assert not (work / "a.txt").exists()


def test_denial_detection(tmp_path: Path) -> None:
    from tandem.sandbox.denials import looks_denied
    from tandem.tools.process import ProcessResult

    def result(code: int | None, output: str) -> ProcessResult:
        return ProcessResult(exit_code=code, output=output, duration_s=0.1, timed_out=False, truncated_bytes=0)

    assert looks_denied(result(1, "touch: cannot touch '/etc/x': Read-only file system"))
    assert looks_denied(result(1, "curl: (6) Could not resolve host: pypi.org"))
    assert looks_denied(result(2, f"cat: {tmp_path}/y: No such file or directory"))  # host /tmp path
    assert not looks_denied(result(0, "Permission denied"))  # it succeeded anyway
    assert not looks_denied(result(1, "AssertionError: 2 != 3"))
    assert not looks_denied(result(1, "cat: /nonexistent-dir/y: No such file or directory"))
