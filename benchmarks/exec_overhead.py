"""Benchmark: wall time and peak RSS of `tandem exec` on a scripted 3-turn session.

The session (the same shape as docs/reference-facts.md §8 uses for Codex): the model runs one shell
command, applies one patch, then answers; the scripted model server answers instantly. Each run
is a fresh `tandem exec --json` process in a fresh workspace copy. Peak RSS is the child's
``ru_maxrss`` from ``wait4``.

Usage: .venv/bin/python benchmarks/exec_overhead.py [--runs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tandem.testing import ScriptedModelServer

PATCH = """*** Begin Patch
*** Update File: app.py
@@ def greet(name):
-    return "Hello " + nam
+    return "Hello " + name
*** End Patch"""


def session(runs: int) -> dict[str, object]:
    one = [
        {"output": [{"type": "function_call", "name": "shell_command", "arguments": {"command": "cat app.py"}}]},
        {"output": [{"type": "custom_tool_call", "name": "apply_patch", "input": PATCH}]},
        {"output": [{"type": "message", "text": "Fixed the typo in greet()."}]},
    ]
    return {"responses": one * runs}


def run_once(
    tandem: Path, workspace: Path, env: dict[str, str], sandbox: str, overrides: tuple[str, ...] = ()
) -> tuple[float, int, int]:
    (workspace / "app.py").write_text('def greet(name):\n    return "Hello " + nam\n')
    start = time.perf_counter()
    argv = [str(tandem), "exec", "--json", "-s", sandbox, *(f"-c{o}" for o in overrides), "fix the typo in app.py"]
    proc = subprocess.Popen(
        argv,
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or b'"turn.completed"' not in output:
        raise SystemExit(f"run failed (exit {proc.returncode}): {output[-500:]!r}")
    return wall, usage.ru_maxrss, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "-c",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help='a config override passed to every run, e.g. -c checkpoints="off"',
    )
    parser.add_argument(
        "--sandbox",
        default="workspace-write",
        help="sandbox mode for the shell command (workspace-write, danger-full-access)",
    )
    args = parser.parse_args()
    tandem = Path(sys.executable).parent / "tandem"
    total = args.runs + args.warmup
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp, ScriptedModelServer(session(total)) as server:
        home = Path(tmp) / "home"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "TANDEM_HOME": str(home),
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "bench-key",
            "LANG": "C.UTF-8",
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        }  # to measure another checkout
        walls, rss = [], []
        for index in range(total):
            workspace = Path(tmp) / f"w{index}"
            workspace.mkdir()
            wall, maxrss_kb, _ = run_once(tandem, workspace, env, args.sandbox, tuple(args.overrides))
            if index >= args.warmup:
                walls.append(wall * 1000)
                rss.append(maxrss_kb / 1024)
    walls.sort()
    result = {
        "runs": args.runs,
        "wall_ms": {
            "median": round(statistics.median(walls), 1),
            "min": round(walls[0], 1),
            "p90": round(walls[int(0.9 * (len(walls) - 1))], 1),
            "max": round(walls[-1], 1),
        },
        "peak_rss_mib": {"median": round(statistics.median(rss), 1), "max": round(max(rss), 1)},
        "sandbox": args.sandbox,
        "python": sys.version.split()[0],
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
