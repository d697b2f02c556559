"""A command printing far more than the 1 MiB capture: the model is told the real ``Total output lines`` and
the real number of tokens left out, counted while the output streamed past the capture bound. The real
`tandem exec` and a real `seq`, against the scripted model server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import last_outputs, message, respond, run_tandem, shell

LINES = 600_000  # `seq 1 600000` prints 3,988,895 bytes: nearly 4x the capture


@pytest.mark.parametrize("timeout", [False, True])
def test_total_lines_and_truncated_tokens_count_the_real_output(model_server, workspace: Path, timeout: bool) -> None:
    full = "".join(f"{n}\n" for n in range(1, LINES + 1))
    # With a timeout, the command prints everything and then hangs until it is killed.
    command = f"seq 1 {LINES}; sleep 1000" if timeout else f"seq 1 {LINES}"
    call = shell(command, timeout_ms=8000) if timeout else shell(command)
    server = model_server([respond(call), respond(message("seen"))])
    result = run_tandem("exec", "--json", "count", cwd=workspace, timeout=120)
    assert result.returncode == 0, result.stderr
    (text,) = last_outputs(server.requests[1].body)
    prefix = "command timed out after " if timeout else ""
    header, body = text.split("\nOutput:\n", 1)
    assert header.splitlines()[2] == f"Total output lines: {LINES + (1 if timeout else 0)}"
    head, count, tail = re.fullmatch(r"(.*?)…(\d+) tokens truncated…\n(.*)", body, re.S).groups()  # type: ignore[union-attr]
    assert head.startswith(prefix) and head.endswith("\n") and tail.endswith(f"{LINES}\n")
    shown = len(head.encode()) + len(tail.encode())
    whole = len(full.encode()) + (len(head.split("\n", 1)[0]) + 1 if timeout else 0)
    assert int(count) == -(-(whole - shown) // 4)  # ceil: every byte not shown, past the capture too
    assert full.startswith(head.split("\n", 1)[1] if timeout else head) and full.endswith(tail)
