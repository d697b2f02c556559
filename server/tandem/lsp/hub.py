"""The threads a language server hosts: creating, resuming, forking, running turns, forwarding events.

Each thread runs its turns as asyncio tasks, so several threads stream at once and a slow tool in
one never blocks another. Events become ``tandem/*`` notifications (for clients that announced the
``tandem`` capability), a work-done progress per turn (for every client that supports it;
cancelling it interrupts the turn), and change sets for review (``FilesChanged``).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from tandem.agent.events import Event, FilesChanged, ItemStarted, McpStartupCompleted, TurnCompleted
from tandem.agent.hook_calls import HOOK_ERROR_PREFIX
from tandem.agent.review import ChangeSet, ChangeTracker, HunkState
from tandem.agent.thread import Thread, TurnOverrides
from tandem.agent.threads import ThreadManager
from tandem.agent.transcript import Transcript, read_transcript
from tandem.checkpoints.undo import UndoOutcome
from tandem.config import CliOverrides, Config, load_config, no_sandbox_warning
from tandem.errors import InvalidParamsError
from tandem.lsp import review_wire
from tandem.lsp.editor import EditorBridge
from tandem.lsp.live_workspace import LiveWorkspace
from tandem.lsp.notifications import to_notification
from tandem.lsp.server import TandemLanguageServer, workspace_root
from tandem.protocol import methods
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import CommandExecutionItem, ErrorItem, InputItem, ThreadInfo, Turn
from tandem.protocol.messages import ThreadStartParams

log = logging.getLogger(__name__)


class ThreadHub:
    """The server's threads (a :class:`~tandem.agent.threads.ThreadManager`) and what connects them to
    the client: notifications, work-done progress, review change sets and code-lens refreshes.

    Args:
        server: the pygls server.
        editor: the client bridge.
        defaults: settings from `tandem lsp`'s command line, under each thread's own.
    """

    def __init__(self, server: TandemLanguageServer, editor: EditorBridge, defaults: CliOverrides) -> None:
        self._server = server
        self.editor = editor
        self.workspace = LiveWorkspace(editor)
        self.tracker = ChangeTracker(self.workspace)
        self.tracker.subscribe(self._change_updated)
        self._defaults = defaults
        self.manager = ThreadManager(
            lambda cwd: self._config(ThreadStartParams(cwd=str(cwd) if cwd else None)),
            workspace=self.workspace,
            approver=editor.request_approval,
            originator="tandem_lsp",
            on_event=self._on_event,
        )
        self._warned: set[Path] = set()
        self._progress: dict[str, str] = {}
        self._activity: dict[str, str] = {}
        self._background: set[asyncio.Future[None]] = set()

    @property
    def client_capabilities(self) -> types.ClientCapabilities:
        """What the client announced in ``initialize``."""
        return self._server.client_capabilities

    # --- configuration ------------------------------------------------------------------

    def root(self) -> Path:
        """The workspace root the client opened (the server's cwd when it opened none)."""
        return workspace_root(self._server) or Path.cwd()

    @property
    def defaults(self) -> CliOverrides:
        """The settings from `tandem lsp`'s command line (what each thread's own settings go over)."""
        return self._defaults

    def _config(self, params: ThreadStartParams) -> Config:
        cwd = Path(params.cwd).expanduser().resolve() if params.cwd else self.root()
        if not cwd.is_dir():
            raise InvalidParamsError(f"cwd: {cwd} is not a directory")
        d = self._defaults
        cli = CliOverrides(
            model=params.model or d.model,
            provider=d.provider,
            oss=d.oss,
            approval_policy=params.approval_policy or d.approval_policy,
            sandbox_mode=params.sandbox_mode or d.sandbox_mode,
            config_overrides=d.config_overrides,
        )
        config = load_config(cwd, cli)
        self._warn_unsandboxed(config, cli)
        return config

    def _warn_unsandboxed(self, config: Config, cli: CliOverrides) -> None:
        """Say once per folder, in the log and as a warning message in the editor, that commands run
        there without a sandbox (threads' ``sandboxMode`` shows it too)."""
        warning = no_sandbox_warning(config, cli)
        if warning is None or config.cwd in self._warned:
            return
        self._warned.add(config.cwd)
        log.warning("%s: %s", config.cwd, warning)
        self._server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"Tandem is {warning} ({config.cwd})")
        )

    def config_for(self, params: ThreadStartParams) -> Config:
        """The settings a thread started with ``params`` gets (its ``cwd``, model, permissions).

        Raises:
            InvalidParamsError: ``cwd`` is not a folder. ConfigError: the configuration is unusable.
        """
        return self._config(params)

    def settings(self) -> Config:
        """The settings a new thread in the workspace root gets (the command line over config.toml).

        Raises:
            ConfigError: the configuration is unusable.
        """
        return self._config(ThreadStartParams())

    # --- threads ------------------------------------------------------------------------

    def create(self, params: ThreadStartParams) -> Thread:
        """A new thread (the model client is created now, so a missing key fails here, clearly).

        Raises:
            ConfigError: no usable model configuration.
            InvalidParamsError: a bad cwd.
        """
        thread = self.manager.create(self._config(params))
        self.manager.start_mcp(thread)  # the servers start while the user types the first prompt
        return thread

    def get(self, thread_id: str) -> Thread:
        """A loaded thread.

        Raises:
            NotFoundError: the thread is not loaded (resume it first).
        """
        return self.manager.get(thread_id)

    def resume(self, thread_id: str) -> tuple[Thread, Transcript]:
        """Load a recorded thread (after a restart too) and its transcript (items, turns, token usage).

        Raises:
            NotFoundError / SessionError: no such session, or an unreadable one.
        """
        thread = self.manager.resume(thread_id)
        self.manager.start_mcp(thread)
        return thread, read_transcript(thread)

    async def undo(self, thread_id: str, turn_id: str | None) -> UndoOutcome:
        """Undo a turn from the thread's checkpoints (the thread need not be loaded); that turn's change
        sets leave the review.

        Raises:
            BusyError / NotFoundError / ConflictError / PatchApplyError / SessionError: see
                :meth:`tandem.agent.threads.ThreadManager.undo`.
        """
        outcome = await self.manager.undo(thread_id, turn_id)
        self.tracker.settle_turn(thread_id, outcome.turn_id, HunkState.REJECTED)
        self.refresh_code_lenses()
        self._turn_undone(thread_id, outcome)
        return outcome

    async def redo(self, thread_id: str) -> UndoOutcome:
        """Redo the thread's newest undo; that turn's change sets re-enter the review as accepted.

        Raises:
            BusyError / NotFoundError / ConflictError / PatchApplyError / SessionError: as :meth:`undo`.
        """
        outcome = await self.manager.redo(thread_id)
        self.tracker.settle_turn(thread_id, outcome.turn_id, HunkState.ACCEPTED)
        self.refresh_code_lenses()
        self._turn_undone(thread_id, outcome)
        return outcome

    def _turn_undone(self, thread_id: str, outcome: UndoOutcome) -> None:
        """Tell a Tandem client that a turn's changes were undone or redone (``tandem/turn/undone``)."""
        if self.editor.tandem_client:
            self.editor.notify(methods.TURN_UNDONE, review_wire.turn_undone(thread_id, outcome))

    def _change_updated(self, change_set: ChangeSet) -> None:
        """Tell a Tandem client the review state of a change set (``tandem/change/updated``)."""
        if self.editor.tandem_client:
            self.editor.notify(methods.CHANGE_UPDATED, review_wire.change_updated(change_set))

    def fork(self, thread_id: str, turn_id: str | None) -> Thread:
        """A new thread with ``thread_id``'s history (and transcript) up to ``turn_id``; a recorded thread
        that is not loaded is resumed first."""
        thread = self.manager.fork(thread_id, turn_id)
        self.manager.start_mcp(thread)
        return thread

    def list_threads(self, limit: int) -> list[ThreadInfo]:
        """Loaded threads first, then recorded ones, newest first."""
        return self.manager.list_threads(limit)

    # --- turns --------------------------------------------------------------------------

    def start_turn(self, thread_id: str, input_items: list[InputItem], overrides: TurnOverrides | None = None) -> Turn:
        """Start a turn (with ``overrides`` of the thread's settings from now on); returns at once
        (events follow)."""
        thread = self.get(thread_id)
        turn, _ = thread.start_turn(input_items, overrides)
        if self._supports_progress():
            task = asyncio.ensure_future(self._begin_progress(thread, turn, input_items))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return turn

    def _supports_progress(self) -> bool:
        window = self._server.client_capabilities.window
        return bool(window and window.work_done_progress)

    async def _begin_progress(self, thread: Thread, turn: Turn, input_items: list[InputItem]) -> None:
        token = f"tandem-turn-{turn.id}"
        progress = self._server.work_done_progress
        try:
            await progress.create_async(token)
        except Exception:  # noqa: BLE001 - a client that refuses progress still gets the turn
            log.info("client refused work-done progress for turn %s", turn.id)
            return
        if turn.status is not TurnStatus.IN_PROGRESS:
            return
        self._progress[turn.id] = token
        preview = " ".join(text for item in input_items if (text := getattr(item, "text", None)))[:60]
        progress.begin(
            token, types.WorkDoneProgressBegin(title="Tandem", message=preview or "working", cancellable=True)
        )
        if turn.id in self._activity:  # something started while the client was creating the progress
            self._report(turn.id, self._activity[turn.id])
        cancel = progress.tokens.get(token)
        if cancel is not None:
            loop = asyncio.get_running_loop()
            cancel.add_done_callback(
                lambda f: loop.call_soon_threadsafe(self._cancel_turn, thread, turn.id) if f.cancelled() else None
            )

    @staticmethod
    def _cancel_turn(thread: Thread, turn_id: str) -> None:
        thread.interrupt(turn_id)

    # --- events ---------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, FilesChanged):
            self.tracker.record(event.thread_id, event.turn_id, event.item_id, event.changes, event.cwd, event.state)
            self.refresh_code_lenses()
            return
        if isinstance(event, McpStartupCompleted):
            for status in event.servers:
                if status.error:  # every client sees it; a Tandem client also gets tandem/mcp/status (next)
                    log.warning("MCP server %s failed to start: %s", status.name, status.error)
                    self._server.window_show_message(
                        types.ShowMessageParams(
                            type=types.MessageType.Warning,
                            message=f"Tandem: MCP server {status.name} failed to start: {status.error}",
                        )
                    )
        if isinstance(event, ItemStarted) and isinstance(event.item, ErrorItem):
            self._warn_hook_problem(event.item.message)
        if self.editor.tandem_client:
            notification = to_notification(event)
            if notification is not None:
                self.editor.notify(*notification)
        if isinstance(event, ItemStarted) and isinstance(event.item, CommandExecutionItem):
            self._report(event.turn_id, f"$ {event.item.command}")
        elif isinstance(event, TurnCompleted):
            self._activity.pop(event.turn.id, None)
            token = self._progress.pop(event.turn.id, None)
            if token is not None:
                self._server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=event.turn.status.value))
                self._server.work_done_progress.tokens.pop(token, None)

    def _warn_hook_problem(self, text: str) -> None:
        """A hook that failed, timed out or blocked a prompt (:func:`tandem.agent.hook_calls.reporter`, which
        logged it): every client sees it as a warning message naming the hook command and the reason; a Tandem
        client also gets the ``error`` item."""
        if text.startswith(HOOK_ERROR_PREFIX):
            text = text.removeprefix(HOOK_ERROR_PREFIX)
            self._server.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"Tandem: {text}")
            )

    def _report(self, turn_id: str, message: str) -> None:
        self._activity[turn_id] = message
        token = self._progress.get(turn_id)
        if token is not None:
            self._server.work_done_progress.report(token, types.WorkDoneProgressReport(message=message[:80]))

    async def shutdown(self, timeout_s: float = 5.0) -> None:
        """Interrupt every running turn (killing its commands) and wait for them to end."""
        await self.manager.shutdown(timeout_s)

    def refresh_code_lenses(self) -> None:
        """Ask the client to re-query code lenses (when it supports ``workspace/codeLens/refresh``)."""
        workspace = self._server.client_capabilities.workspace
        if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
            self._server.protocol.send_request(types.WORKSPACE_CODE_LENS_REFRESH, None)
