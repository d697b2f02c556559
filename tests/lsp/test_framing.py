"""Bad message framing on `tandem lsp`'s stdin: a size cap, an error reply, and the next message served.

Real server processes spoken to in raw bytes (tests/lsp/raw_lsp.py); the in-process cases drive
the real reader loop (``TandemLanguageServer.start_io``) over in-memory streams, to cover what is
too big to send through a pipe in a test (a body over the cap, a header cut at the line limit).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.lsp import framing
from tandem.lsp.server import TandemLanguageServer

from raw_lsp import INITIALIZE, RawServer, frame

THREAD_LIST = {"jsonrpc": "2.0", "id": 7, "method": "tandem/thread/list", "params": {}}


@pytest.fixture
def server(tandem_home: Path, workspace: Path) -> Iterator[RawServer]:
    raw = RawServer(workspace)
    yield raw
    if raw.process.poll() is None:
        raw.process.kill()
        raw.process.wait(20)


def test_a_huge_content_length_is_refused_without_reading_it(server: RawServer) -> None:
    server.send(b"Content-Length: 99999999999\r\n\r\n{}")
    error = server.next()
    assert error["id"] is None
    assert error["error"]["code"] == -32600
    assert "99999999999 bytes" in error["error"]["message"]
    assert str(framing.MAX_MESSAGE_BYTES) in error["error"]["message"]
    assert server.request(INITIALIZE)["result"]["serverInfo"]["name"] == "tandem"
    assert server.process.poll() is None
    assert server.close() == 0
    assert "MemoryError" not in server.stderr
    assert "dropped a message of 99999999999 bytes" in server.stderr


def test_a_too_short_content_length_leaves_the_server_able_to_serve_the_next_message(server: RawServer) -> None:
    body = json.dumps(INITIALIZE).encode()
    server.send(frame(body, len(body) - 5))
    error = server.next()
    assert (error["id"], error["error"]["code"]) == (None, -32700)
    assert "result" in server.request(INITIALIZE)
    assert server.request(THREAD_LIST)["result"] == {"threads": []}
    assert server.close() == 0
    assert "skipped 5 bytes that were not an LSP message" in server.stderr


def test_a_too_long_content_length_costs_the_message_it_overlaps_not_the_ones_after(server: RawServer) -> None:
    server.initialize()
    overlapped = {**THREAD_LIST, "id": 8}
    server.send(frame(json.dumps(THREAD_LIST).encode(), len(json.dumps(THREAD_LIST)) + 20) + frame(overlapped))
    error = server.next()
    assert (error["id"], error["error"]["code"]) == (None, -32700)
    assert server.request({**THREAD_LIST, "id": 9})["result"] == {"threads": []}


def test_bytes_that_are_not_a_message_are_skipped(server: RawServer) -> None:
    server.send(b"hello\r\n\r\nContent-Type: nonsense\r\n\r\n{}\r\n" + b"x" * 100_000)
    assert "result" in server.request(INITIALIZE)
    server.send(b"\r\n\r\n" + frame(THREAD_LIST))
    assert server.next()["result"] == {"threads": []}


def _serve(data: bytes) -> list[dict[str, Any]]:
    """Run the real reader loop over ``data`` until its end; the messages the server wrote."""
    out = io.BytesIO()
    TandemLanguageServer()._start_io_async(io.BytesIO(data), out)
    replies = []
    rest = out.getvalue()
    while rest:
        header, _, rest = rest.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        replies.append(json.loads(rest[:length]))
        rest = rest[length:]
    return replies


def test_an_honest_oversize_body_is_skipped_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "MAX_MESSAGE_BYTES", 1000)
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"pad": "y" * 300_000}})
    replies = _serve(frame(big.encode()) + frame(INITIALIZE))
    assert replies[0]["id"] is None and replies[0]["error"]["code"] == -32600
    assert replies[1]["id"] == "init" and "result" in replies[1]


def test_a_header_cut_at_the_line_limit_is_still_found() -> None:
    junk = b"z" * (framing.LINE_LIMIT - 7)  # "Content-Length" starts 7 bytes before the first cut
    replies = _serve(junk + frame(INITIALIZE))
    assert replies[0]["id"] == "init" and "result" in replies[0]


def test_json_that_is_not_a_request_gets_invalid_request_and_bad_params_get_invalid_params() -> None:
    replies = _serve(
        frame(b"[1, 2]")
        + frame({"id": 3, "method": "initialize"})
        + frame(INITIALIZE)
        + frame({"jsonrpc": "2.0", "id": 4, "method": "textDocument/codeAction", "params": {"textDocument": 5}})
        + frame(b"\xff\xfe{")
    )
    assert [(r.get("id"), r.get("error", {}).get("code")) for r in replies] == [
        (None, -32600),
        (3, -32600),
        ("init", None),
        (4, -32602),
        (None, -32700),
    ]
