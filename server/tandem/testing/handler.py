"""HTTP handling of the scripted model server: read, record, route, answer.

Endpoints (all answers close the connection):

- ``POST /v1/responses`` and ``POST /responses``: the next scripted response, streamed as
  Server-Sent Events (``Content-Type: text/event-stream``, chunked transfer encoding so every event
  reaches the client as soon as it is written), or the scripted ``http_error``;
- ``POST /v1/chat/completions`` and ``POST /chat/completions``: the same as Chat Completions chunks;
- ``POST /v1/messages`` and ``POST /messages``: the same as Anthropic Messages API events;
- ``GET /v1/models`` (and ``/models``): ``{"object": "list", "data": [{"id", "object": "model"}]}``;
- ``GET /_scripted/requests`` (and ``/v1/_scripted/requests``): the recorded requests as a JSON list
  (this control request itself is not recorded).

Every other request is recorded too and answered 404 (or 405 for a wrong method) with a JSON error.
Wire formats are chosen by path through :data:`WIRE_FORMATS`.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

from tandem.protocol import JsonDict
from tandem.testing.anthropic_sse import ANTHROPIC
from tandem.testing.chat_sse import CHAT
from tandem.testing.player import play
from tandem.testing.recording import RequestLog
from tandem.testing.responses_sse import RESPONSES
from tandem.testing.script import HttpErrorFault, ScriptedResponse
from tandem.testing.wire import RenderContext, WireFormat, dumps

log = logging.getLogger("tandem.testing")

WIRE_FORMATS: dict[str, WireFormat] = {
    "/v1/responses": RESPONSES,
    "/responses": RESPONSES,
    "/v1/chat/completions": CHAT,
    "/chat/completions": CHAT,
    "/v1/messages": ANTHROPIC,
    "/messages": ANTHROPIC,
}
"""Path (without query string or trailing slash) -> the wire format served there."""

MODELS_PATHS = frozenset({"/v1/models", "/models"})
REQUESTS_PATHS = frozenset({"/_scripted/requests", "/v1/_scripted/requests"})
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Turn:
    """The scripted response chosen for one model request, with its render context."""

    response: ScriptedResponse
    ctx: RenderContext


class HandlerHost(Protocol):
    """What the handler needs from the server that owns it."""

    log: RequestLog
    stop_event: threading.Event

    def next_turn(self, wire: WireFormat, body: JsonDict, body_size: int) -> Turn | None:
        """The next scripted response, or ``None`` when the script is exhausted."""
        ...

    def exhausted_message(self) -> str:
        """The error message sent once the script is exhausted."""
        ...

    def model_names(self) -> list[str]:
        """Model ids listed by ``GET /v1/models``."""
        ...

    def abort_connection(self, sock: socket.socket) -> None:
        """Make the connection end with a reset instead of a clean close."""
        ...


class _BadRequest(Exception):
    pass


class ScriptedRequestHandler(BaseHTTPRequestHandler):
    """One connection; its server must carry a ``host`` attribute (a :class:`HandlerHost`)."""

    protocol_version = "HTTP/1.1"
    server_version = "TandemScriptedModelServer/1"
    disable_nagle_algorithm = True
    timeout = 60.0

    def do_GET(self) -> None:
        """GET endpoints (models list, recorded requests)."""
        self._dispatch()

    def do_POST(self) -> None:
        """POST endpoints (model requests)."""
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Route the base class's access log to the ``tandem.testing`` logger (debug level)."""
        log.debug("%s " + format, self.address_string(), *args)

    # --- plumbing --------------------------------------------------------------------------

    @property
    def _host(self) -> HandlerHost:
        return cast(HandlerHost, getattr(self.server, "host"))  # noqa: B009 - typed via Protocol

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size_line = self.rfile.readline(1024)
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequest("malformed chunked request body") from exc
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                if len(data) + size > MAX_BODY_BYTES:
                    raise _BadRequest("request body too large")
                data += self.rfile.read(size)
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            raise _BadRequest("invalid Content-Length") from exc
        if length < 0 or length > MAX_BODY_BYTES:
            raise _BadRequest("invalid Content-Length")
        return self.rfile.read(length) if length else b""

    def _headers_dict(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers

    def _send_bytes(self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        extra = extra or {}
        self.send_response(status)
        if not any(name.lower() == "content-type" for name in extra):
            self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        self._send_bytes(status, dumps(payload).encode(), "application/json", extra)

    def _send_error_json(
        self, status: int, message: str, code: str | None = None, wire: WireFormat = RESPONSES
    ) -> None:
        self._send_json(status, wire.error_body(status, message, code))

    def abort_stream(self) -> None:
        """Reset the connection, leaving any body unfinished."""
        self._host.abort_connection(self.connection)

    # --- routing -------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        self.close_connection = True
        host = self._host
        route = urlsplit(self.path).path.rstrip("/") or "/"
        try:
            raw = self._read_body()
        except _BadRequest as exc:
            self._send_error_json(400, f"scripted model server: {exc}")
            return
        if self.command == "GET" and route in REQUESTS_PATHS:
            self._send_json(200, [record.to_json() for record in host.log.snapshot()])
            return
        body: JsonDict | None = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        host.log.add(self.command, self.path, self._headers_dict(), body)
        if route in MODELS_PATHS and self.command == "GET":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": name, "object": "model", "created": 0, "owned_by": "tandem-scripted"}
                        for name in host.model_names()
                    ],
                },
            )
            return
        wire = WIRE_FORMATS.get(route)
        if wire is None or self.command != "POST":
            status = 405 if wire is not None or route in MODELS_PATHS else 404
            self._send_error_json(status, f"scripted model server: no endpoint for {self.command} {self.path}")
            return
        problem = wire.request_error(body)
        if problem is not None or body is None:
            self._send_error_json(400, problem or "scripted model server: bad request", wire=wire)
            return
        turn = host.next_turn(wire, body, len(raw))
        if turn is None:
            self._send_error_json(500, host.exhausted_message(), "script_exhausted", wire=wire)
            return
        self._answer(wire, turn)

    def _answer(self, wire: WireFormat, turn: Turn) -> None:
        response, stop = turn.response, self._host.stop_event
        fault = response.fault
        if isinstance(fault, HttpErrorFault):
            if response.delay_ms and stop.wait(response.delay_ms / 1000):
                self.abort_stream()
                return
            if fault.body is None:
                self._send_json(
                    fault.status,
                    wire.error_body(fault.status, fault.message or f"scripted HTTP error {fault.status}", fault.error),
                    fault.headers,
                )
            elif isinstance(fault.body, str):
                self._send_bytes(fault.status, fault.body.encode(), "text/plain; charset=utf-8", fault.headers)
            else:
                self._send_json(fault.status, fault.body, fault.headers)
            return
        frames = wire.render(response, turn.ctx)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.send_header("X-Request-Id", f"req_scripted_{turn.ctx.request_number}")
        self.end_headers()
        try:
            play(frames, response, wire, _ChunkedSink(self.wfile, self.abort_stream), stop)
        except OSError as exc:
            log.debug("client went away during a scripted stream: %s", exc)
            self.abort_stream()


class _ChunkedSink:
    """A :class:`tandem.testing.player.StreamSink` writing HTTP/1.1 chunks (RFC 9112 §7.1)."""

    __slots__ = ("_abort", "_out")

    def __init__(self, out: io.BufferedIOBase, abort: Callable[[], None]) -> None:
        self._out, self._abort = out, abort

    def write_chunk(self, data: bytes) -> None:
        if data:
            self._out.write(b"%x\r\n%b\r\n" % (len(data), data))

    def finish(self) -> None:
        self._out.write(b"0\r\n\r\n")

    def abort(self) -> None:
        self._abort()
