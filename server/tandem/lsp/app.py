"""Building and running the Tandem language server (``tandem lsp``)."""

from __future__ import annotations

import logging
import sys

from lsprotocol import types

from tandem.config import CliOverrides
from tandem.lsp.documents import LiveFileSystem
from tandem.lsp.editor import EditorBridge
from tandem.lsp.handlers import changes, code_actions, documents, threads, turns
from tandem.lsp.hub import ThreadHub
from tandem.lsp.server import TandemLanguageServer
from tandem.patch.textedits import PositionEncoding


def create_server(defaults: CliOverrides | None = None) -> tuple[TandemLanguageServer, ThreadHub]:
    """A server with every feature registered; ``defaults`` apply under each thread's own settings."""
    server = TandemLanguageServer()
    editor = EditorBridge(server, LiveFileSystem(lambda: server.workspace))
    hub = ThreadHub(server, editor, defaults or CliOverrides())

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        editor.configure(params)

    @server.feature(types.INITIALIZED)
    def initialized(params: types.InitializedParams) -> None:
        encoding = server.workspace.position_encoding
        editor.encoding = PositionEncoding(str(getattr(encoding, "value", encoding) or "utf-16"))

    @server.feature(types.SHUTDOWN)
    async def shutdown(params: None) -> None:
        await hub.shutdown()

    for module in (threads, turns, changes, code_actions, documents):
        module.register(server, hub)
    return server, hub


def run_stdio(defaults: CliOverrides | None = None, log_file: str | None = None) -> int:
    """Serve LSP on stdin/stdout until the client exits. Logs go to stderr (or ``log_file``), never stdout."""
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    logging.basicConfig(level=logging.INFO, handlers=[handler],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("pygls", "httpx"):  # they log every message at INFO: slow, and not for users
        logging.getLogger(noisy).setLevel(logging.WARNING)
    server, _ = create_server(defaults)
    server.start_io()
    return 0
