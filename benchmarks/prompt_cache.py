"""Benchmark: prompt-cache prefix reuse over a 20-turn session (goal: 100% outside compactions).

Drives a thread in-process against the scripted model server: 20 turns, every third one running a
shell command first. For each request after the first it measures how much of the previous request
(instructions + tools + input items, serialized) is a byte prefix of the new one — what a provider's
prompt cache can reuse — and the cached/input token ratio the scripted server reports.

Usage: .venv/bin/python benchmarks/prompt_cache.py [--turns N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tandem.agent.threads import ThreadManager
from tandem.config import ApprovalPolicy, CliOverrides, load_config
from tandem.protocol.items import TextInput
from tandem.testing import ScriptedModelServer


def canonical(body: dict[str, Any]) -> bytes:
    head = json.dumps({"instructions": body["instructions"], "tools": body["tools"]}, sort_keys=True)
    return (head + "".join(json.dumps(item, sort_keys=True) for item in body["input"])).encode()


def common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    script: list[dict[str, Any]] = []
    for n in range(args.turns):
        if n % 3 == 0:
            script.append(
                {"output": [{"type": "function_call", "name": "shell_command", "arguments": {"command": f"echo {n}"}}]}
            )
        script.append({"output": [{"type": "message", "text": f"answer {n} " + "words " * 40}]})
    with tempfile.TemporaryDirectory() as tmp, ScriptedModelServer({"responses": script}) as server:
        work = Path(tmp) / "work"
        work.mkdir()
        env = {"TANDEM_HOME": str(Path(tmp) / "home"), "OPENAI_BASE_URL": server.base_url}
        config = load_config(work, CliOverrides(approval_policy=ApprovalPolicy.NEVER), environ=env)
        os.environ["TANDEM_HOME"] = env["TANDEM_HOME"]
        thread = ThreadManager(lambda _folder: config).create()
        for n in range(args.turns):
            await thread.run_turn([TextInput(text=f"question {n}")])
        await thread.client.aclose()
        bodies = [r.body for r in server.requests if r.body]
    prefixes = [canonical(b) for b in bodies]
    reuse = [common_prefix(a, b) / len(a) for a, b in itertools.pairwise(prefixes)]
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "turns": args.turns,
                "requests": len(bodies),
                "previous_request_reused_min": round(min(reuse), 4),
                "previous_request_reused_mean": round(sum(reuse) / len(reuse), 4),
                "bytes_last_request": len(prefixes[-1]),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
