"""A lone UTF-16 surrogate in what the client sends (a selection that splits an emoji) becomes U+FFFD
on the way in: the turn runs, and so do the thread's later turns."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tandem.lsp.server import TandemLanguageServer
from tandem.protocol import methods

from helpers import message, respond
from raw_lsp import frame


async def run_turn(editor, thread: str, text: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    started = await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": text}]})
    turn_id = started["turn"]["id"]
    done = await editor.wait_for(methods.TURN_COMPLETED, lambda params: params["turn"]["id"] == turn_id)
    return dict(done["turn"])


def user_texts(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [
        part["text"]
        for item in body["input"]
        if item.get("role") == "user"
        for part in item["content"]
        if part.get("type") == "input_text"
    ]


async def test_a_lone_surrogate_in_turn_input_does_not_break_the_thread(lsp, workspace: Path) -> None:
    editor, model = await lsp([respond(message("first")), respond(message("second"))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    first = await run_turn(editor, thread, "half an emoji: \ud83d, and a low half: \ude00!")
    assert first["status"] == "completed", first
    second = await run_turn(editor, thread, "and now? \U0001f600")
    assert second["status"] == "completed", second
    texts = user_texts(model.requests[1].body)
    assert "half an emoji: \ufffd, and a low half: \ufffd!" in texts
    assert "and now? \U0001f600" in texts
    resumed = await editor.request(methods.THREAD_RESUME, {"threadId": thread})
    assert resumed["thread"]["id"] == thread


def test_lone_surrogates_in_a_document_escaped_or_raw_become_the_replacement_character(workspace: Path) -> None:
    uri = (workspace / "a.py").as_uri()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    escaped = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = '\ud83d'"}},
        }
    ).encode()
    raw = escaped.replace(b"\\ud83d", b"\xed\xa0\xbd\xf0\x9f\x98\x80")  # a raw lone half, then a whole emoji
    server = TandemLanguageServer()
    server._start_io_async(io.BytesIO(frame(init) + frame(escaped)), io.BytesIO())
    assert server.workspace.text_documents[uri].source == "x = '\ufffd'"
    server = TandemLanguageServer()
    server._start_io_async(io.BytesIO(frame(init) + frame(raw)), io.BytesIO())
    assert server.workspace.text_documents[uri].source == "x = '\ufffd\U0001f600'"
