"""Building and running the Tandem language server (``tandem lsp``).

Start-up matters: ``initialize`` is answered with only pygls and this package's light modules
loaded. Handlers are registered by name and import their module (and with it pydantic, httpx and
the agent) on first use; right after ``initialized`` a worker thread imports them in the
background, so the first real request does not wait either.

SIGTERM and SIGHUP interrupt every running turn (their commands and daemons are killed, what they
changed is checkpointed, each is recorded as interrupted), then the server exits with 128 + N; a
second signal kills what is left and exits at once.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from tandem.config import CliOverrides
from tandem.lsp import commands
from tandem.lsp.server import TandemLanguageServer
from tandem.protocol import methods

if TYPE_CHECKING:
    from tandem.lsp.hub import ThreadHub

log = logging.getLogger(__name__)

_H = "tandem.lsp.handlers"
# (method, options, "module:function"); handlers take (hub, params).
FEATURES: list[tuple[str, Any, str]] = [
    (methods.THREAD_START, None, f"{_H}.threads:thread_start"),
    (methods.THREAD_LIST, None, f"{_H}.threads:thread_list"),
    (methods.THREAD_RESUME, None, f"{_H}.threads:thread_resume"),
    (methods.THREAD_FORK, None, f"{_H}.threads:thread_fork"),
    (methods.THREAD_COMPACT, None, f"{_H}.threads:thread_compact"),
    (methods.THREAD_ROLLBACK, None, f"{_H}.threads:thread_rollback"),
    (methods.TURN_START, None, f"{_H}.turns:turn_start"),
    (methods.TURN_INTERRUPT, None, f"{_H}.turns:turn_interrupt"),
    (methods.TURN_STEER, None, f"{_H}.turns:turn_steer"),
    (methods.CHANGE_ACCEPT, None, f"{_H}.changes:change_accept"),
    (methods.CHANGE_REJECT, None, f"{_H}.changes:change_reject"),
    (methods.CHANGE_PREVIEW, None, f"{_H}.changes:change_preview"),
    (methods.CHANGE_READ, None, f"{_H}.changes:change_read"),
    (methods.UNDO, None, f"{_H}.changes:undo"),
    (methods.REDO, None, f"{_H}.changes:redo"),
    (methods.CHANGE_HUNKS, None, f"{_H}.changes:change_hunks"),
    (methods.CHANGE_ACCEPT_FILES, None, f"{_H}.changes:change_accept_files"),
    (methods.CHANGE_REJECT_FILES, None, f"{_H}.changes:change_reject_files"),
    (methods.PROVIDER_STATUS, None, f"{_H}.provider:provider_status"),
    (methods.PROVIDER_TEST, None, f"{_H}.provider:provider_test"),
    (methods.MODEL_LIST, None, f"{_H}.models:model_list"),
    (methods.SKILLS_LIST, None, f"{_H}.skills:skills_list"),
    (
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.RefactorRewrite,
                types.CodeActionKind.Empty,
            ],
            resolve_provider=True,
        ),
        f"{_H}.code_actions:code_actions",
    ),
    (types.CODE_ACTION_RESOLVE, None, f"{_H}.code_actions:resolve"),
    (types.TEXT_DOCUMENT_CODE_LENS, None, f"{_H}.code_actions:code_lens"),
]
COMMANDS: list[tuple[str, str]] = [
    (commands.ASK, f"{_H}.code_actions:ask"),
    (commands.FIX, f"{_H}.code_actions:fix"),
    (commands.EXPLAIN, f"{_H}.code_actions:explain"),
    (commands.ACCEPT_HUNK, f"{_H}.code_actions:accept_hunk"),
    (commands.REJECT_HUNK, f"{_H}.code_actions:reject_hunk"),
    (commands.ACCEPT_CHANGE, f"{_H}.code_actions:accept_change"),
    (commands.REJECT_CHANGE, f"{_H}.code_actions:reject_change"),
    (commands.UNDO, f"{_H}.code_actions:undo"),
]


def _target(spec: str) -> Callable[..., Any]:
    module, name = spec.split(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


class App:
    """The server plus its lazily built thread hub.

    Args:
        defaults: settings from the command line, under each thread's own.
    """

    def __init__(self, defaults: CliOverrides | None = None) -> None:
        self.server = TandemLanguageServer()
        self._defaults = defaults or CliOverrides()
        self._hub: ThreadHub | None = None
        self._init: types.InitializeParams | None = None
        self._stop_signal: int | None = None
        self._stop_task: asyncio.Future[None] | None = None
        self._register()

    @property
    def hub(self) -> ThreadHub:
        """The thread hub (built, and the agent stack imported, on first use)."""
        if self._hub is None:
            from tandem.lsp.documents import LiveFileSystem
            from tandem.lsp.editor import EditorBridge
            from tandem.lsp.hub import ThreadHub

            editor = EditorBridge(self.server, LiveFileSystem(lambda: self.server.workspace))
            if self._init is not None:
                editor.configure(self._init, self.server.workspace.position_encoding)
            self._hub = ThreadHub(self.server, editor, self._defaults)
        return self._hub

    def _handler(self, spec: str) -> Callable[..., Any]:
        async def handler(*args: Any) -> Any:
            from tandem.lsp.rpc import guarded  # pydantic: only once a real request arrives

            return await guarded(spec, lambda: _target(spec)(self.hub, *args))

        handler.__name__ = spec.rsplit(":", 1)[1]
        return handler

    def _register(self) -> None:
        server = self.server
        for method, options, spec in FEATURES:
            server.feature(method, options)(self._handler(spec))
        for name, spec in COMMANDS:
            server.command(name)(self._handler(spec))

        @server.feature(types.INITIALIZE)
        def initialize(params: types.InitializeParams) -> None:
            self._init = params

        @server.feature(types.INITIALIZED)
        def initialized(params: types.InitializedParams) -> None:
            asyncio.get_running_loop().run_in_executor(None, self._warm_up)

        @server.feature(types.SHUTDOWN)
        async def shutdown(params: None) -> None:
            if self._hub is not None:
                await self._hub.shutdown()

        @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
        def did_open(params: types.DidOpenTextDocumentParams) -> None:
            self._document_changed(params.text_document.uri)
            self._check_skill(params.text_document.uri)

        @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(params: types.DidChangeTextDocumentParams) -> None:
            self._document_changed(params.text_document.uri)
            self._check_skill(params.text_document.uri)

        @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(params: types.DidCloseTextDocumentParams) -> None:
            self._document_changed(params.text_document.uri)
            self._check_skill(params.text_document.uri, closed=True)

        @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
        def did_save(params: types.DidSaveTextDocumentParams) -> None:
            if self._hub is not None:  # the user wrote the file: checkpoints must not take it for the agent's
                self._hub.editor.documents.client_saved(params.text_document.uri)

    def _document_changed(self, uri: str) -> None:
        """pygls already updated its copy; an edit Tandem is waiting on may now be confirmed."""
        if self._hub is not None:
            self._hub.editor.documents.client_changed(uri)

    def _check_skill(self, uri: str, *, closed: bool = False) -> None:
        """An open ``SKILL.md`` gets ``tandem skills validate``'s findings as diagnostics."""
        if not uri.endswith("/SKILL.md"):
            return
        from tandem.lsp.skill_diagnostics import publish_skill_diagnostics

        publish_skill_diagnostics(self.server, uri, closed=closed)

    def handle_stop_signals(self) -> None:
        """Install the SIGTERM/SIGHUP handlers (see the module docstring); call from the main thread."""
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, sig: int, frame: object) -> None:
        try:
            loop = asyncio.get_running_loop()  # the handler runs in the main thread, inside the loop
        except RuntimeError:
            loop = None
        if loop is None or self._stop_signal is not None:
            _exit_now(sig)
            return
        self._stop_signal = sig
        loop.call_soon_threadsafe(self._begin_stop, sig)

    def _begin_stop(self, sig: int) -> None:
        self._stop_task = asyncio.ensure_future(self._stop(sig))  # kept: the loop holds tasks weakly

    async def _stop(self, sig: int) -> None:
        log.warning("signal %d: interrupting every turn, then exiting", sig)
        try:
            if self._hub is not None:
                await self._hub.shutdown()
        except Exception:
            log.exception("shutting down after signal %d failed", sig)
        finally:
            _exit_now(sig)

    @staticmethod
    def _warm_up() -> None:
        for module in sorted({spec.split(":")[0] for _, _, spec in FEATURES}):
            try:
                importlib.import_module(module)
            except ImportError:  # the first request will import it again and report the error
                log.exception("warm-up import of %s failed", module)


def _exit_now(sig: int) -> None:
    """Kill every command still running, flush the logs, and end the process with 128 + ``sig`` (the
    stdin reader thread would keep a normal exit waiting for the client)."""
    from tandem.tools.process import kill_running_processes

    kill_running_processes()
    logging.shutdown()
    os._exit(128 + sig)


def create_server(defaults: CliOverrides | None = None) -> App:
    """A server with every feature registered."""
    return App(defaults)


def run_stdio(defaults: CliOverrides | None = None) -> int:
    """Serve LSP on stdin/stdout until the client exits (the caller set up logging: never to stdout).

    Returns:
        the exit code: 0 after ``shutdown`` + ``exit`` or at end of input, 1 for ``exit`` without ``shutdown``.
    """
    app = create_server(defaults)
    app.handle_stop_signals()
    app.server.start_io()
    return app.server.exit_code
