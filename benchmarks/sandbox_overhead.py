"""Benchmark: per-command overhead of the sandbox over a plain spawn.

Runs `true` (and `sh -c 'echo hi'`) N times through the shell tool's process runner, once plainly
and once through :func:`tandem.sandbox.runner.prepare` (bubblewrap + the inner launcher with
Landlock, seccomp, rlimits and a pids cgroup where available) under the workspace-write policy,
interleaved, and reports the medians and their difference. The sandbox probe runs once beforehand.

Usage: .venv/bin/python benchmarks/sandbox_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tandem.config import load_config
from tandem.sandbox.env import build_child_env
from tandem.sandbox.policy import policy_for
from tandem.sandbox.probe import probe
from tandem.sandbox.runner import prepare
from tandem.tools.process import run_process


async def timed(argv: list[str], cwd: Path, env: dict[str, str], sandbox: object | None) -> float:
    start = time.perf_counter()
    if sandbox is None:
        result = await run_process(argv, cwd=cwd, env=env, timeout_s=30)
    else:
        launch = prepare(argv, sandbox, cwd, env)  # type: ignore[arg-type]
        try:
            result = await run_process(launch.argv, cwd=cwd, env=launch.env, timeout_s=30, pass_fds=launch.pass_fds)
        finally:
            launch.close()
    if result.exit_code != 0:
        raise SystemExit(f"{argv} failed: {result.output}")
    return (time.perf_counter() - start) * 1000


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    mechanisms = probe()
    with tempfile.TemporaryDirectory(prefix="tandem-sbx-bench-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        private_tmp = Path(tmp) / "tmp"
        private_tmp.mkdir()
        config = load_config(work, environ={"TANDEM_HOME": str(Path(tmp) / "home")})
        policy = policy_for(config, work, private_tmp=private_tmp)
        env = build_child_env(os.environ, sandbox_mode=policy.mode.value)
        result: dict[str, object] = {
            "date": time.strftime("%Y-%m-%d"),
            "strength": mechanisms.strength.value,
            "landlock_abi": mechanisms.landlock_abi,
            "pids_cgroup": str(mechanisms.pids_cgroup),
        }
        for label, argv in (("true", ["true"]), ("sh_echo", ["sh", "-c", "echo hi"])):
            plain, boxed = [], []
            for _ in range(args.runs):
                plain.append(await timed(argv, work, env, None))
                boxed.append(await timed(argv, work, env, policy))
            result[label] = {
                "plain_median_ms": round(statistics.median(plain), 2),
                "sandboxed_median_ms": round(statistics.median(boxed), 2),
                "overhead_median_ms": round(statistics.median(boxed) - statistics.median(plain), 2),
            }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
