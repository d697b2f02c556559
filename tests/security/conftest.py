"""Fixtures of the security attack suite (helpers: ``sandbox_attacks.py``).

Targets outside the workspace live beside it: in pytest's ``tmp_path`` (under ``/tmp``, which the
sandbox replaces by a private directory) and, where it matters, under ``/var/tmp`` (visible inside
the sandbox through the read-only root, so the read-only layers are what stops the attack). Every
test has its own ``$TANDEM_HOME``. The whole suite is skipped only when ``tandem doctor`` reports
no full sandbox (bubblewrap missing).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_attacks import Arena, Harness, doctor, doctor_problem, kill_markers

from tandem.agent.thread import Approver, Thread
from tandem.config import ApprovalPolicy, CliOverrides
from tandem.protocol.enums import SandboxMode
from tandem.testing import ScriptedModelServer

from helpers import thread_manager


@pytest.fixture(autouse=True)
def _full_sandbox() -> None:
    report = doctor()
    if report.returncode != 0:
        pytest.skip(f"tandem doctor reports no full sandbox (install bubblewrap):\n{report.stdout}{report.stderr}")


@pytest.fixture
def pids_cgroup() -> None:
    """Skip, with the doctor's reason, when there is no pids cgroup to bound fork bombs."""
    for line in doctor().stdout.splitlines():
        if line.startswith("pids cgroup:") and "unavailable" in line:
            pytest.skip(f"no pids cgroup: {doctor_problem('pids cgroup') or line}")


@pytest.fixture
def arena(tmp_path: Path) -> Arena:
    """An arena in pytest's ``tmp_path`` (under ``/tmp``: hidden by the sandbox's private ``/tmp``)."""
    return Arena(tmp_path / "arena", tmp_path / "arena-home")


@pytest.fixture
def var_tmp_base() -> Iterator[Path]:
    """A unique directory under ``/var/tmp`` (outside ``/tmp``; visible, read-only, inside the sandbox)."""
    if not (Path("/var/tmp").is_dir() and os.access("/var/tmp", os.W_OK)):
        pytest.skip("/var/tmp is not a writable directory on this machine")
    base = Path(tempfile.mkdtemp(prefix="tandem-sec-", dir="/var/tmp"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def visible_arena(var_tmp_base: Path, tmp_path: Path) -> Arena:
    """An arena under ``/var/tmp``: its outside directory is visible inside the sandbox (read-only)."""
    return Arena(var_tmp_base, tmp_path / "arena-home")


@pytest.fixture(params=["beside-in-tmp", "outside-tmp"])
def any_arena(request: pytest.FixtureRequest) -> Arena:
    """Both arenas: under ``/tmp`` (the private-/tmp layer) and under ``/var/tmp`` (the read-only layers)."""
    name = "arena" if request.param == "beside-in-tmp" else "visible_arena"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def markers() -> Iterator[list[str]]:
    """Process markers registered here are SIGKILLed after the test, whatever happened."""
    made: list[str] = []
    yield made
    kill_markers(made)


@pytest.fixture
def agent(
    model_server: Callable[..., ScriptedModelServer], workspace: Path, tandem_home: Path
) -> Iterator[Callable[..., Harness]]:
    """Make a :class:`Harness` (a thread in the ``workspace`` fixture's directory)."""
    threads: list[Thread] = []

    def make(
        responses: list[dict[str, Any]],
        *,
        policy: ApprovalPolicy = ApprovalPolicy.NEVER,
        sandbox: SandboxMode | None = None,
        approver: Approver | None = None,
        overrides: tuple[str, ...] = (),
    ) -> Harness:
        server = model_server(responses)
        cli = CliOverrides(approval_policy=policy, sandbox_mode=sandbox, config_overrides=overrides)
        thread = thread_manager(workspace, cli, approver=approver).create()
        threads.append(thread)
        return Harness(thread, server)

    yield make
    for thread in threads:
        thread.close()
