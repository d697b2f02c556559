"""``ScriptedModelServer``: a real HTTP server on 127.0.0.1 that plays a model script.

The Nth model request gets the script's Nth response (see :mod:`tandem.testing.script`), streamed
as Server-Sent Events in the provider's wire format (:mod:`tandem.testing.responses_sse`); every
request is recorded first (:mod:`tandem.testing.recording`). The server runs in a background
daemon thread with one thread per connection, so it serves sync tests, async tests (the event loop
is never blocked by it) and subprocess users alike::

    with ScriptedModelServer({"responses": [{"output": [{"type": "message", "text": "hi"}]}]}) as server:
        client = SomeClient(base_url=server.base_url)      # "http://127.0.0.1:<port>/v1"
        ...
        [request] = server.wait_for_requests(1)
        assert request.body["stream"] is True

``stop()`` wakes every scripted delay and stall, resets open streams and joins every thread.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tandem.protocol import JsonDict
from tandem.testing.handler import ScriptedRequestHandler, Turn
from tandem.testing.recording import RecordedRequest, RequestLog
from tandem.testing.script import Script, load_script
from tandem.testing.usage import common_prefix_length
from tandem.testing.wire import RenderContext, WireFormat

log = logging.getLogger("tandem.testing")

DEFAULT_MODEL = "scripted-model"
_Request = socket.socket | tuple[bytes, socket.socket]


class _HTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that tracks its connections so ``stop()`` can end them."""

    request_queue_size = 64

    def __init__(self, address: tuple[str, int], host: ScriptedModelServer) -> None:
        self.host = host
        self._connections_lock = threading.Lock()
        self._active: set[socket.socket] = set()
        self._aborted: set[socket.socket] = set()
        self._connection_threads: list[threading.Thread] = []
        super().__init__(address, ScriptedRequestHandler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the address."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: _Request, client_address: Any) -> None:
        """Track the connection and serve it in a new daemon thread (joined by :meth:`close`).

        ``ThreadingMixIn`` does not track daemon threads, so this replaces its bookkeeping.
        """
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            daemon=True,
            name=f"scripted-model-server:{self.server_port}:connection",
        )
        with self._connections_lock:
            if isinstance(request, socket.socket):
                self._active.add(request)
            self._connection_threads = [t for t in self._connection_threads if t.is_alive()]
            self._connection_threads.append(thread)
        thread.start()

    def shutdown_request(self, request: _Request) -> None:
        """Close a finished connection: gracefully, or with a reset if it was aborted."""
        if not isinstance(request, socket.socket):
            return
        with self._connections_lock:
            self._active.discard(request)
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            request.close()  # SO_LINGER 0: the kernel sends RST, no FIN
        else:
            super().shutdown_request(request)

    def abort(self, sock: socket.socket) -> None:
        """Mark ``sock`` to be reset when its handler returns."""
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._connections_lock:
            self._aborted.add(sock)

    def interrupt_connections(self) -> None:
        """Shut down every open connection so blocked reads and writes return at once."""
        with self._connections_lock:
            active = list(self._active)
        for sock in active:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the listening socket and join every connection thread."""
        self.server_close()
        with self._connections_lock:
            threads, self._connection_threads = self._connection_threads, []
        for thread in threads:
            thread.join()

    def handle_error(self, request: _Request, client_address: Any) -> None:
        """Log handler errors instead of printing tracebacks to stderr."""
        log.debug("error while serving %s", client_address, exc_info=True)


class ScriptedModelServer:
    """A scripted model provider on ``127.0.0.1`` (see the module docstring).

    Args:
        script: a :class:`~tandem.testing.script.Script`, a dict, JSON text or a path to a JSON file.
        port: TCP port; 0 lets the OS choose (read :attr:`base_url` after :meth:`start`).
        on_request: called with each :class:`RecordedRequest` as it arrives (in a server thread).

    Raises:
        ScriptError: the script is invalid (raised by the constructor).
    """

    def __init__(
        self,
        script: Script | Mapping[str, Any] | str | Path,
        *,
        port: int = 0,
        on_request: Callable[[RecordedRequest], None] | None = None,
    ) -> None:
        self.script = load_script(script)
        self.log = RequestLog(on_request)
        self.stop_event = threading.Event()
        self._port = port
        self._lifecycle = threading.Lock()
        self._turn_lock = threading.Lock()
        self._served = 0
        self._last_prefix: dict[str, bytes] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._stopped = False

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        """Bind and start serving in a background thread; returns ``self``. Idempotent.

        Raises:
            RuntimeError: the server was already stopped (servers are not restartable).
            OSError: the port could not be bound.
        """
        with self._lifecycle:
            if self._stopped:
                raise RuntimeError("a stopped ScriptedModelServer cannot be restarted; create a new one")
            if self._httpd is not None:
                return self
            httpd = _HTTPServer(("127.0.0.1", self._port), self)
            self._wake = socket.socketpair()
            self._httpd = httpd
            self._thread = threading.Thread(
                target=self._serve,
                args=(httpd, self._wake[0]),
                daemon=True,
                name=f"scripted-model-server:{httpd.server_port}",
            )
            self._thread.start()
        return self

    def _serve(self, httpd: _HTTPServer, wake: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(httpd.socket, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not self.stop_event.is_set():
                for key, _ in selector.select():
                    if key.fileobj is wake or self.stop_event.is_set():
                        return
                    try:
                        request, address = httpd.get_request()
                    except OSError:
                        continue
                    try:
                        httpd.process_request(request, address)
                    except Exception:  # noqa: BLE001 - one bad connection must not stop the server
                        httpd.handle_error(request, address)
                        httpd.shutdown_request(request)

    def stop(self) -> None:
        """Stop serving: wake delays and stalls, reset open streams, join every thread. Idempotent."""
        with self._lifecycle:
            self._stopped = True
            httpd, thread, wake = self._httpd, self._thread, self._wake
            if httpd is None or thread is None or wake is None:
                return
            self.stop_event.set()
            with contextlib.suppress(OSError):
                wake[1].send(b"x")
            thread.join()
            httpd.interrupt_connections()
            httpd.close()
            for sock in wake:
                sock.close()
            self._httpd = self._thread = self._wake = None

    def __enter__(self) -> ScriptedModelServer:
        """``start()``; returns the running server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """``stop()``."""
        self.stop()

    async def __aenter__(self) -> ScriptedModelServer:
        """``start()`` (binding is instant; nothing is awaited)."""
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """``stop()``: quick, since it wakes every delay and resets open streams."""
        self.stop()

    # --- observation -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port.

        Raises:
            RuntimeError: the server is not running.
        """
        httpd = self._httpd
        if httpd is None:
            raise RuntimeError("the ScriptedModelServer is not running; call start() or use `with`")
        return int(httpd.server_port)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: what a client uses as its OpenAI base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request recorded so far, oldest first (a copy; thread-safe)."""
        return self.log.snapshot()

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least ``n`` requests were recorded; returns all of them.

        Raises:
            TimeoutError: fewer than ``n`` arrived within ``timeout`` seconds.
        """
        return self.log.wait_for(n, timeout)

    # --- HandlerHost -------------------------------------------------------------------------------

    def next_turn(self, wire: WireFormat, body: JsonDict, body_size: int) -> Turn | None:
        """Pick the scripted response for the next model request (``None`` once exhausted)."""
        prefix = wire.cache_prefix(body)
        with self._turn_lock:
            previous = self._last_prefix.get(wire.name, b"")
            self._last_prefix[wire.name] = prefix
            responses = self.script.responses
            index = self._served
            if index >= len(responses):
                if not (self.script.repeat_last and responses):
                    return None
                index = len(responses) - 1
            self._served += 1
            number = self._served
        response = responses[index]
        model = (
            response.model
            or (body.get("model") if isinstance(body.get("model"), str) else None)
            or self.script.model
            or DEFAULT_MODEL
        )
        ctx = RenderContext(
            request_number=number,
            model=str(model),
            input_bytes=body_size,
            cached_prefix_bytes=common_prefix_length(prefix, previous),
            created_at=int(time.time()),
            request=body,
        )
        return Turn(response, ctx)

    def exhausted_message(self) -> str:
        """``scripted model server: script exhausted after N responses``."""
        return f"scripted model server: script exhausted after {len(self.script.responses)} responses"

    def model_names(self) -> list[str]:
        """Model ids the script mentions, or ``["scripted-model"]``."""
        return self.script.model_names(DEFAULT_MODEL)

    def abort_connection(self, sock: socket.socket) -> None:
        """Make ``sock`` end with a TCP reset when its handler returns."""
        httpd = self._httpd
        if httpd is not None:
            httpd.abort(sock)
