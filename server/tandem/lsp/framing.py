"""Reading LSP messages from stdin: pygls' header/body loop with a size cap and resynchronisation.

This replaces ``pygls.io_.run_async`` for ``tandem lsp`` (see ``TandemLanguageServer._start_io_async``
in :mod:`tandem.lsp.server`). The message framing is the LSP base protocol's: header lines
``Name: value\\r\\n`` (``Content-Length`` required), a blank line, then ``Content-Length`` bytes of
UTF-8 JSON. What differs from pygls:

- a ``Content-Length`` over :data:`MAX_MESSAGE_BYTES` is answered with an InvalidRequest error
  (``id: null``) and its body is never read into memory: it is skipped like any other bytes that
  are not a header (below);
- bytes that are not a message header — the rest of a body longer than its ``Content-Length``
  said, garbage — are skipped, in lines of at most :data:`LINE_LIMIT` bytes, up to the next line
  that *ends* with a ``Content-Length`` header, and the skip is logged. A JSON body never contains
  such a line (a JSON string holds no raw CR or LF; outside strings the text is not JSON), so the
  next well-framed message is found again;
- a lone UTF-16 surrogate in a string (``"\\ud83d"`` without its pair: a selection that splits an
  emoji) becomes U+FFFD, the replacement character, before the message is handled: a Python string
  holding one cannot be written as UTF-8 (rollouts, files, model requests), so it would fail the
  turn and every later turn of its thread. U+FFFD is one UTF-16 code unit too, so positions hold;
- a body that is not JSON (or not UTF-8) is answered with ParseError ``-32700`` (``id: null``);
  JSON that is not a JSON-RPC 2.0 message object with InvalidRequest ``-32600``; a request whose
  params do not fit its method's type with InvalidParams ``-32602`` under its id (pygls logs these
  and answers nothing, so the client would wait for ever).

Messages are handled one at a time, on the event loop, before the next line is read (as pygls does),
so ``exit`` ends the process with no read pending.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest message body read (bytes). VS Code syncs buffers up to 50 MiB to language servers."""
LINE_LIMIT = 64 * 1024
"""The longest header line read at once (bytes); longer runs are read (and skipped) in pieces."""

_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d{1,20})[ \t]*\r\n\Z", re.IGNORECASE)
_HEADER = re.compile(rb"[A-Za-z0-9-]+:[^\r\n]*\r\n\Z")
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")  # escaped, or raw (json.loads passes those)
_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads joins valid pairs: what is left is a lone half
_CARRY = 64  # bytes kept from a line cut at LINE_LIMIT, so a header split across two pieces is found


class _State(enum.Enum):
    BETWEEN = "between"  # expecting the first header line of a message
    HEADERS = "headers"  # inside a message's header lines


class StdinReader:
    """Blocking reads of a binary stream, run in ``executor`` (a thread) so the event loop stays free."""

    def __init__(self, stream: BinaryIO, executor: ThreadPoolExecutor) -> None:
        self._stream = stream
        self._executor = executor

    def readline(self, limit: int) -> Awaitable[bytes]:
        """One line (with its ``\\n``), or at most ``limit`` bytes of it; ``b""`` at end of stream."""
        return asyncio.get_running_loop().run_in_executor(self._executor, self._stream.readline, limit)

    def read(self, size: int) -> Awaitable[bytes]:
        """``size`` bytes (fewer only at end of stream)."""
        return asyncio.get_running_loop().run_in_executor(self._executor, self._stream.read, size)


def _send_error(protocol: JsonRPCProtocol, msg_id: int | str | None, error: JsonRpcException) -> None:
    """Send a JSON-RPC error response; ``msg_id`` None is sent as ``"id": null`` (JSON-RPC 2.0 §5:
    the id when it could not be read). pygls' own response type would drop a null id."""
    body = {"jsonrpc": "2.0", "id": msg_id, "error": {"code": error.code, "message": error.message}}
    protocol._send_data(body)


def _without_lone_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` (decoded JSON) with every lone surrogate in its strings and keys replaced by U+FFFD,
    and how many were replaced."""
    if isinstance(value, str):
        return _SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        items = [_without_lone_surrogates(item) for item in value]
        return [item for item, _ in items], sum(n for _, n in items)
    if isinstance(value, dict):
        replaced, out = 0, {}
        for key, item in value.items():
            new_key, n_key = _SURROGATE.subn("\ufffd", key)
            out[new_key], n_item = _without_lone_surrogates(item)
            replaced += n_key + n_item
        return out, replaced
    return value, 0


def _handle_body(protocol: JsonRPCProtocol, body: bytes, on_error: Callable[[Exception, Any], Any]) -> None:
    """Decode one message body and hand it to ``protocol`` (errors answered as the module docstring says)."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        log.warning("dropped a message that is not JSON: %s", exc)
        _send_error(protocol, None, JsonRpcParseError(f"Parse error: {exc}"))
        return
    if _MAYBE_SURROGATE.search(body):
        data, replaced = _without_lone_surrogates(data)
        if replaced:
            method = data.get("method") if isinstance(data, dict) else None
            log.warning("replaced %d lone UTF-16 surrogate(s) with U+FFFD in a %s message", replaced, method)
    msg_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(msg_id, int | str):
        msg_id = None
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        log.warning("dropped JSON that is not a JSON-RPC 2.0 message: %.200s", body)
        _send_error(protocol, msg_id, JsonRpcInvalidRequest("Invalid Request: not a JSON-RPC 2.0 message object"))
        return
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as exc:  # pygls logged the traceback
        if "method" in data and msg_id is not None:
            method = data["method"]
            _send_error(protocol, msg_id, type(exc)(f"invalid params for {method}: {exc.__cause__ or exc}"))
        return
    try:
        protocol.handle_message(message)
    except Exception as exc:
        log.exception("unable to handle a message")
        on_error(exc, JsonRpcException)


async def run_async(
    stop_event: threading.Event,
    reader: StdinReader,
    protocol: JsonRPCProtocol,
    on_error: Callable[[Exception, Any], Any],
) -> None:
    """Read and handle messages until end of stream or ``stop_event`` (see the module docstring).

    Args:
        on_error: called as ``on_error(exception, JsonRpcException)`` when a handler raised (pygls'
            ``report_server_error``).
    """
    state = _State.BETWEEN
    length: int | None = None
    skipped = 0  # bytes skipped since the last message
    carry = b""
    while not stop_event.is_set():
        piece = await reader.readline(LINE_LIMIT)
        if not piece:
            break
        line = carry + piece
        carry = b""
        if not line.endswith(b"\n") and len(piece) >= LINE_LIMIT:  # a long run without a newline
            carry = line[-_CARRY:]
            skipped += len(line) - len(carry)
            state, length = _State.BETWEEN, None
            continue
        match = _CONTENT_LENGTH.search(line)
        if match is not None:
            skipped += match.start()
            if skipped:
                log.warning("skipped %d bytes that were not an LSP message (bad framing)", skipped)
                skipped = 0
            state, length = _State.HEADERS, int(match.group(1))
            continue
        if state is _State.HEADERS and line in (b"\r\n", b"\n"):
            state = _State.BETWEEN
            if length is None:
                log.warning("dropped a message without a Content-Length header")
                continue
            size, length = length, None
            if size > MAX_MESSAGE_BYTES:
                log.warning("dropped a message of %d bytes (the limit is %d bytes)", size, MAX_MESSAGE_BYTES)
                _send_error(
                    protocol,
                    None,
                    JsonRpcInvalidRequest(
                        f"Invalid Request: a message of {size} bytes is over the limit of "
                        f"{MAX_MESSAGE_BYTES} bytes; it was dropped"
                    ),
                )
                continue  # its body is skipped as bytes that are not a header
            body = await reader.read(size)
            if len(body) < size:
                break
            _handle_body(protocol, body, on_error)
            continue
        if _HEADER.match(line) and (state is _State.HEADERS or not skipped):
            state = _State.HEADERS  # Content-Type, or any other header
            continue
        skipped += len(line)
        state, length = _State.BETWEEN, None
    if skipped:
        log.warning("skipped %d bytes that were not an LSP message (bad framing) before the end of input", skipped)
