"""What the editor needs to give feedback on failures and commands: ``TurnError.code`` and
``streamRetry.code`` (so a client advises on a code, not on the message), the slash commands the
server announces in ``initialize``, and reasoning summary parts as separate paragraphs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import client_capabilities, make_test_lsp_client

from tandem.protocol import methods
from tandem.protocol.messages import TandemServerCapabilities

from helpers import message, respond

NO_RETRY = ("-c", "model_providers.openai.request_max_retries=1")


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


def http_error(status: int, **extra: Any) -> dict[str, Any]:
    return {"output": [], "fault": {"kind": "http_error", "status": status, **extra}}


async def run_turn(editor: Any, thread_id: str, prompt: str) -> dict[str, Any]:
    turn = (await editor.request(methods.TURN_START, {"threadId": thread_id, "input": text(prompt)}))["turn"]
    done = await editor.wait_for(methods.TURN_COMPLETED, lambda p: p["turn"]["id"] == turn["id"])
    return dict(done["turn"])


async def test_a_500_fails_the_turn_as_a_server_error_and_the_same_input_can_be_sent_again(lsp) -> None:  # type: ignore[no-untyped-def]
    editor, _ = await lsp([http_error(500), http_error(500), respond(message("Now it works."))], args=NO_RETRY)
    thread_id = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    turn = await run_turn(editor, thread_id, "hello")
    assert turn["status"] == "failed"
    assert turn["error"]["code"] == "server"
    assert "500" in turn["error"]["message"]
    retry = await editor.wait_for(methods.STREAM_RETRY)
    assert retry["code"] == "server" and retry["attempt"] == 1
    # The client's Retry re-sends the failed turn's input: a new turn that succeeds.
    again = await run_turn(editor, thread_id, "hello")
    assert again["status"] == "completed" and "error" not in again


async def test_an_insufficient_quota_429_is_a_quota_error_and_not_retried(lsp) -> None:  # type: ignore[no-untyped-def]
    editor, server = await lsp([http_error(429, error="insufficient_quota")], args=NO_RETRY)
    thread_id = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    turn = await run_turn(editor, thread_id, "hello")
    assert turn["status"] == "failed" and turn["error"]["code"] == "quota"
    assert not any(m == methods.STREAM_RETRY for m, _ in editor.notes)
    assert len(server.requests) == 1


async def test_a_401_is_an_auth_error(lsp) -> None:  # type: ignore[no-untyped-def]
    editor, _ = await lsp([http_error(401)], args=NO_RETRY)
    thread_id = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    turn = await run_turn(editor, thread_id, "hello")
    assert turn["error"]["code"] == "auth"


async def test_reasoning_summary_parts_stream_as_paragraphs(lsp) -> None:  # type: ignore[no-untyped-def]
    reasoning = {
        "type": "reasoning",
        "summary": ["**Reading** the file.", "**Planning** the fix."],
        "encrypted_content": "e",
    }
    editor, _ = await lsp([respond(reasoning, message("Done."))])
    thread_id = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await run_turn(editor, thread_id, "think")
    streamed = "".join(p["delta"] for m, p in editor.notes if m == methods.REASONING_DELTA)
    assert streamed == "**Reading** the file.\n\n**Planning** the fix."
    item = next(p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "reasoning")
    assert item["summary"] == ["**Reading** the file.", "**Planning** the fix."]


async def test_initialize_announces_the_supported_slash_commands(workspace: Path, tandem_home: Path) -> None:
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "tandem.cli", "lsp", env=dict(os.environ), cwd=str(workspace))
    try:
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"tandem": {"version": 1}}
        result = await client.initialize_session(
            types.InitializeParams(capabilities=capabilities, root_uri=workspace.as_uri())
        )
        announced = TandemServerCapabilities.model_validate(result.capabilities.experimental["tandem"])
        assert announced.version == 1
        assert announced.slash_commands == ["new", "compact", "undo", "redo", "skills"]
        assert "review" not in announced.slash_commands  # not offered until the server has it
        assert result.capabilities.execute_command_provider is not None  # pygls' own capabilities stay
    finally:
        await client.shutdown_session()
        await client.stop()
