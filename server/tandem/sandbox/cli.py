"""``tandem sandbox`` and ``tandem doctor``: run one command under the policy; report the mechanisms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from tandem.config import Config
from tandem.errors import SandboxError
from tandem.protocol.enums import SandboxMode
from tandem.sandbox.env import build_child_env
from tandem.sandbox.policy import policy_for
from tandem.sandbox.probe import Strength, probe_now
from tandem.sandbox.runner import prepare


def run_sandboxed(
    config: Config, command: Sequence[str], mode: SandboxMode | None = None, err: IO[str] | None = None
) -> int:
    """Run ``command`` with the shell tool's policy, environment and limits; returns its exit status.

    The current directory (``config.cwd``) is the workspace root; stdin/stdout/stderr are inherited.
    """
    err = err or sys.stderr
    private_tmp = Path(tempfile.mkdtemp(prefix="tandem-sandbox-tmp-"))
    try:
        policy = policy_for(config, config.cwd, mode, private_tmp=private_tmp)
        env = build_child_env(os.environ, sandbox_mode=policy.mode.value, extra_deny_patterns=policy.env_exclude)
        try:
            launch = prepare(command, policy, config.cwd, env)
        except SandboxError as exc:
            err.write(f"tandem sandbox: {exc.message}\n")
            return 126
        try:
            done = subprocess.run(launch.argv, cwd=config.cwd, env=launch.env, pass_fds=launch.pass_fds, check=False)
        except OSError as exc:
            err.write(f"tandem sandbox: cannot run {command[0]}: {exc.strerror}\n")
            return 127
        finally:
            launch.close()
        return done.returncode if done.returncode >= 0 else 128 - done.returncode
    finally:
        shutil.rmtree(private_tmp, ignore_errors=True)


def doctor(out: IO[str] | None = None) -> int:
    """Print which sandbox mechanisms this machine has; exit 0 when the full sandbox is available."""
    out = out or sys.stdout
    found = probe_now()
    out.write(f"bubblewrap:   {found.bwrap or 'missing'}\n")
    out.write(f"landlock:     {'ABI ' + str(found.landlock_abi) if found.landlock_abi else 'unavailable'}\n")
    out.write(f"seccomp:      {'available (libseccomp)' if found.seccomp else 'unavailable'}\n")
    out.write(f"pids cgroup:  {found.pids_cgroup or 'unavailable'}\n")
    verdict = {
        Strength.FULL: "full sandbox: bubblewrap namespaces + Landlock + seccomp",
        Strength.REDUCED: "reduced sandbox: Landlock + seccomp only (.git inside the workspace is NOT read-only, "
        "the host /tmp and /proc of other processes stay visible)",
        Strength.NONE: "NO sandbox: read-only and workspace-write modes are refused; every command is asked",
    }[found.strength]
    out.write(f"sandbox:      {verdict}\n")
    for problem in found.problems:
        out.write(f"  - {problem}\n")
    return 0 if found.strength is Strength.FULL else 1
