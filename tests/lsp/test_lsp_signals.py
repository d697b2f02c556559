"""SIGTERM to `tandem lsp`: every process its turns started ends with it, and each turn is recorded as
interrupted with its checkpoint."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tandem.protocol import methods

from helpers import (
    TURN_SPAWNING_DAEMONS,
    assert_all_gone,
    checkpointed_paths,
    last_turn,
    message,
    respond,
    shell,
    wait_for_pid_files,
)


async def test_a_signal_to_the_language_server_ends_every_process_of_its_turns(
    lsp, workspace: Path, tandem_home: Path
) -> None:
    editor, _ = await lsp(
        [respond(shell(TURN_SPAWNING_DAEMONS, timeout_ms=600_000)), respond(message("never sent"))],
        args=("-s", "danger-full-access", "-a", "never"),
    )
    thread = await editor.request(methods.THREAD_START, {})
    await editor.request(
        methods.TURN_START, {"threadId": thread["thread"]["id"], "input": [{"type": "text", "text": "run it"}]}
    )
    server = editor.client._server
    assert server is not None
    pids = await asyncio.to_thread(wait_for_pid_files, workspace)
    server.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(server.wait(), 30)
    assert_all_gone(pids)
    assert code == 128 + signal.SIGTERM
    turn = last_turn(tandem_home)
    assert turn["status"] == "interrupted"
    assert "made.txt" in checkpointed_paths(tandem_home, turn["id"])
