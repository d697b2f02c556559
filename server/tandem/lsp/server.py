"""The pygls language server: the only module family that knows LSP.

``TandemProtocol`` keeps the params of Tandem's custom requests as plain JSON (pygls would turn
unknown params into namedtuples); handlers validate them into :mod:`tandem.protocol.messages`
types (:mod:`tandem.lsp.rpc` maps every handler error to a JSON-RPC error). This module stays
light — no pydantic, no agent — so ``initialize`` is answered before the agent stack is loaded.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcServerNotInitialized
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.language_server import lsp_method

from tandem import __version__
from tandem.lsp import framing
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
        methods.CHANGE_HUNKS,
        methods.CHANGE_ACCEPT_FILES,
        methods.CHANGE_REJECT_FILES,
        methods.PROVIDER_STATUS,
        methods.PROVIDER_TEST,
        methods.MODEL_LIST,
        methods.SKILLS_LIST,
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
    """LSP protocol that leaves Tandem's custom params and results as JSON, announces Tandem's
    server capabilities (:func:`tandem_capabilities`) in ``initialize``, and keeps the LSP
    specification's lifecycle rules pygls leaves out (see :meth:`handle_message` and
    :meth:`lsp_text_document__did_change`)."""

    _initialize_received = False

    def handle_message(self, message: Any) -> None:
        """pygls' dispatch, after the lifecycle rules of the LSP specification ("Server lifecycle"):

        - before ``initialize``, a request is answered with ServerNotInitialized (``-32002``) and a
          notification is dropped (``exit`` excepted);
        - a second ``initialize`` and any request after ``shutdown`` are answered with InvalidRequest
          (``-32600``); pygls would re-create the workspace, or drop the request unanswered.
        """
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        if method is not None and method != types.EXIT:
            error: JsonRpcException | None = None
            if not self._initialize_received and method != types.INITIALIZE:
                error = JsonRpcServerNotInitialized(f"server not initialized: {method} before initialize")
            elif method == types.INITIALIZE and self._initialize_received:
                error = JsonRpcInvalidRequest("initialize was already received")
            elif self._shutdown:
                error = JsonRpcInvalidRequest(f"{method} after shutdown: the server is shutting down")
            if error is not None:
                log.warning("refused %s: %s", method, error.message)
                if msg_id is not None:  # a notification gets no answer
                    self._send_response(msg_id, error=error.to_response_error())
                return
            if method == types.INITIALIZE:
                self._initialize_received = True
        super().handle_message(message)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        """pygls' update of the open document, refusing (with a warning in the log) a change whose
        version is not greater than the document's: versions only increase (LSP specification,
        ``VersionedTextDocumentIdentifier``), so an older one is stale and applying it would corrupt
        the buffer Tandem edits."""
        document = params.text_document
        current = self.workspace.text_documents.get(unquote(document.uri))
        if current is not None and current.version is not None and document.version <= current.version:
            log.warning(
                "ignored didChange of %s: version %d is not after the open document's version %d",
                document.uri,
                document.version,
                current.version,
            )
            return
        yield from super().lsp_text_document__did_change(params)

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
        """Raw JSON for the results of Tandem's server->client requests and of ``workspace/applyEdit``
        (a malformed applyEdit reply must reach :mod:`tandem.lsp.editor` as a refusal; pygls would
        fail to structure it and leave the request waiting)."""
        if method.startswith("tandem/") or method == types.WORKSPACE_APPLY_EDIT:
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

    exit_code: int = 0
    """The process's exit code once :meth:`start_io` returned: pygls' ``exit`` handler raises
    ``SystemExit(0)`` after ``shutdown`` and ``SystemExit(1)`` without it (the LSP specification),
    and pygls' own loop swallows that code; end of input is 0."""

    def _start_io_async(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls' stdio loop with Tandem's reader (:mod:`tandem.lsp.framing`: size cap, resync, error
        replies) and the ``exit`` code kept in :attr:`exit_code`."""
        self._stop_event = threading.Event()
        reader = framing.StdinReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(framing.run_async(self._stop_event, reader, self.protocol, self.report_server_error))
        except BrokenPipeError:
            log.error("the connection to the client is lost; shutting down")
        except SystemExit as exc:
            self.exit_code = exc.code if isinstance(exc.code, int) else 1
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

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
