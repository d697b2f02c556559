"""Threads, turns and streaming over LSP."""

from __future__ import annotations

from pathlib import Path

from helpers import message, patch_call, respond, shell

from tandem.protocol import methods


async def test_turn_streams_items_and_completes(lsp, workspace: Path) -> None:
    (workspace / "a.py").write_text("x = 1\n")
    editor, server = await lsp([respond(shell("cat a.py")), respond(message("It sets x to one."))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]
    assert thread["cwd"] == str(workspace)
    turn = (await editor.request(methods.TURN_START, {"threadId": thread["id"],
                                                      "input": [{"type": "text", "text": "what is a.py?"}]}))["turn"]
    assert turn["status"] == "inProgress"
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "completed" and done["turn"]["id"] == turn["id"]
    kinds = [(m, p.get("item", {}).get("type")) for m, p in editor.notes if m.startswith("tandem/item/") and "item" in p]
    assert (methods.ITEM_COMPLETED, "commandExecution") in kinds
    deltas = "".join(p["delta"] for m, p in editor.notes if m == methods.AGENT_MESSAGE_DELTA)
    assert deltas == "It sets x to one."
    command = next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED
                   and p["item"]["type"] == "commandExecution")
    assert command["exitCode"] == 0 and "x = 1" in command["output"]
