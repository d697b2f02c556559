"""The pygls language server: the only module family that knows LSP.

``TandemProtocol`` keeps the params of Tandem's custom requests as plain JSON (pygls would turn
unknown params into namedtuples); handlers validate them into :mod:`tandem.protocol.messages`
types (:mod:`tandem.lsp.rpc` maps every handler error to a JSON-RPC error). This module stays
light — no pydantic, no agent — so ``initialize`` is answered before the agent stack is loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.language_server import lsp_method

from tandem import __version__
from tandem.protocol import methods
from tandem.protocol.capabilities import tandem_capabilities

log = logging.getLogger(__name__)

CLIENT_REQUESTS = frozenset(
    {
        methods.THREAD_START,
        methods.THREAD_LIST,
        methods.THREAD_RESUME,
        methods.THREAD_FORK,
        methods.THREAD_COMPACT,
        methods.THREAD_ROLLBACK,
        methods.TURN_START,
        methods.TURN_INTERRUPT,
        methods.TURN_STEER,
        methods.CHANGE_ACCEPT,
        methods.CHANGE_REJECT,
        methods.CHANGE_PREVIEW,
        methods.CHANGE_READ,
        methods.UNDO,
        methods.REDO,
    }
)


@attrs.define
class RawRequest:
    """A custom request whose params stay plain JSON (no field has a default: see docs/reference-facts.md §7)."""

    id: int | str
    method: str
    jsonrpc: str
    params: Any


@attrs.define
class RawResponse:
    """A response to a server->client custom request; the result stays plain JSON."""

    id: int | str
    jsonrpc: str
    result: Any


def _converter() -> Any:
    converter = default_converter()  # type: ignore[no-untyped-call]
    converter.register_structure_hook(RawRequest, lambda obj, cls: cls(**obj))
    converter.register_structure_hook(RawResponse, lambda obj, cls: cls(**obj))
    return converter


class TandemProtocol(LanguageServerProtocol):
    """LSP protocol that leaves Tandem's custom params and results as JSON, and announces Tandem's
    server capabilities (:func:`tandem_capabilities`) in ``initialize``."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        """pygls' ``initialize``, plus ``capabilities.experimental.tandem`` in the result."""
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        experimental = result.capabilities.experimental
        merged = dict(experimental) if isinstance(experimental, dict) else {}
        merged["tandem"] = tandem_capabilities()
        result.capabilities.experimental = merged
        return result

    def get_message_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        """Raw JSON for Tandem's client requests; lsprotocol types for everything else."""
        if method in CLIENT_REQUESTS:
            return RawRequest
        return super().get_message_type(method)

    def get_result_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        """Raw JSON for the results of Tandem's server->client requests."""
        if method.startswith("tandem/"):
            return RawResponse
        return super().get_result_type(method)


class TandemLanguageServer(LanguageServer):
    """The server; features are registered by :func:`tandem.lsp.app.create_server`."""

    def __init__(self) -> None:
        super().__init__(
            "tandem",
            __version__,
            protocol_cls=TandemProtocol,
            converter_factory=_converter,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log errors instead of popping "Error in server" messages at the user."""
        log.error("server error (%s): %s", getattr(source, "__name__", source), error, exc_info=error)


def workspace_root(server: LanguageServer) -> Path | None:
    """The workspace root the client opened, resolved; ``None`` before ``initialize`` or when it opened none.

    pygls raises when ``server.workspace`` is read before ``initialize`` created it, so this asks its
    protocol first (a private attribute: the one place Tandem reads pygls internals for this).
    """
    if not server.protocol._workspace:
        return None
    root = server.workspace.root_path
    return Path(root).resolve() if root else None
