"""The LSP lifecycle rules on `tandem lsp`: nothing before initialize, the exit code of exit, errors
for malformed messages, and document versions that only go forward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from tandem.protocol import methods

from helpers import last_outputs, message, respond
from raw_lsp import EXIT, INITIALIZE, INITIALIZED, SHUTDOWN, RawServer, frame

THREAD_LIST = {"jsonrpc": "2.0", "id": 7, "method": "tandem/thread/list", "params": {}}


@pytest.fixture
def server(tandem_home: Path, workspace: Path) -> Iterator[RawServer]:
    raw = RawServer(workspace)
    yield raw
    if raw.process.poll() is None:
        raw.process.kill()
        raw.process.wait(20)


def test_requests_before_initialize_get_server_not_initialized(server: RawServer, workspace: Path) -> None:
    uri = (workspace / "a.py").as_uri()
    did_open = {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x"}}
    server.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": did_open}))  # dropped
    reply = server.request(THREAD_LIST)
    assert reply["error"]["code"] == -32002
    assert "initialize" in reply["error"]["message"]
    lens = {"jsonrpc": "2.0", "id": 8, "method": "textDocument/codeLens", "params": {"textDocument": {"uri": uri}}}
    assert server.request(lens)["error"]["code"] == -32002
    server.initialize()
    assert server.request(THREAD_LIST)["result"] == {"threads": []}
    assert server.close() == 0
    assert "refused textDocument/didOpen" in server.stderr


def test_a_second_initialize_and_requests_after_shutdown_get_invalid_request(server: RawServer) -> None:
    server.initialize()
    assert server.request({**INITIALIZE, "id": "again"})["error"]["code"] == -32600
    assert server.request(SHUTDOWN)["result"] is None
    reply = server.request(THREAD_LIST)
    assert reply["error"]["code"] == -32600
    assert "shutdown" in reply["error"]["message"]
    server.send(frame(EXIT))
    assert server.wait() == 0


def test_malformed_json_gets_a_parse_error_reply(server: RawServer) -> None:
    server.initialize()
    server.send(frame(b'{"jsonrpc": "2.0", "id": 5, "method": '))
    error = server.next()
    assert error["id"] is None
    assert error["error"]["code"] == -32700
    assert server.request(THREAD_LIST)["result"] == {"threads": []}


def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    server.initialize()
    server.send(frame(EXIT))
    assert server.wait() == 1


def test_exit_after_shutdown_exits_0(server: RawServer) -> None:
    server.initialize()
    assert server.request(SHUTDOWN)["result"] is None
    server.send(frame(EXIT))
    assert server.wait() == 0


def test_exit_before_initialize_exits_1(server: RawServer) -> None:
    server.send(frame(EXIT))
    assert server.wait() == 1


def test_end_of_input_without_exit_exits_0(server: RawServer) -> None:
    server.send(frame(INITIALIZE) + frame(INITIALIZED))
    assert server.close() == 0


async def test_a_did_change_whose_version_goes_backwards_is_ignored(lsp, workspace: Path) -> None:
    read = {"type": "function_call", "name": "read_file", "arguments": {"file_path": "a.py"}}
    editor, model = await lsp([respond(read), respond(message("ok")), respond(read), respond(message("ok"))])
    uri = editor.open("a.py", "version one\n")
    editor.type("a.py", "version two\n")  # version 2

    def change(version: int, text: str) -> None:
        editor.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def read_in_a_turn(thread: str) -> str:
        started = await editor.request(
            methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "read"}]}
        )
        turn_id = started["turn"]["id"]
        await editor.wait_for(methods.TURN_COMPLETED, lambda params: params["turn"]["id"] == turn_id)
        (output,) = last_outputs(model.requests[-1].body)
        return output

    change(1, "stale: version one again\n")
    change(2, "stale: version two again\n")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    assert await read_in_a_turn(thread) == "L1: version two"
    change(3, "version three\n")  # forward again: applied
    assert await read_in_a_turn(thread) == "L1: version three"
