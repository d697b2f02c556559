"""The threads a language server hosts: creating, resuming, forking, running turns, forwarding events.

Each thread runs its turns as asyncio tasks, so several threads stream at once and a slow tool in
one never blocks another. Events become ``tandem/*`` notifications (for clients that announced the
``tandem`` capability), a work-done progress per turn (for every client that supports it;
cancelling it interrupts the turn), and change sets for review (``FilesChanged``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from lsprotocol import types
from pydantic import TypeAdapter, ValidationError

from tandem.agent.events import Event, FilesChanged, ItemStarted, TurnCompleted
from tandem.agent.review import ChangeTracker, HunkState
from tandem.agent.thread import Thread
from tandem.checkpoints import undo as checkpoint
from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import EntryKind
from tandem.checkpoints.undo import UndoOutcome
from tandem.config import CliOverrides, Config, load_config, require_credentials
from tandem.errors import BusyError, InvalidParamsError, NotFoundError, SessionError
from tandem.lsp.editor import EditorBridge
from tandem.lsp.live_workspace import LiveWorkspace
from tandem.lsp.notifications import to_notification
from tandem.lsp.server import TandemLanguageServer
from tandem.model.factory import create_client
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import CommandExecutionItem, InputItem, Item, ThreadInfo, Turn
from tandem.protocol.messages import ThreadStartParams
from tandem.sessions.rollout import read_rollout
from tandem.sessions.store import find_session, list_sessions
from tandem.tools.catalog import default_tools

log = logging.getLogger(__name__)
_ITEM = TypeAdapter(Item)


class ThreadHub:
    """The server's threads and what connects them to the client.

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
        self._defaults = defaults
        self.threads: dict[str, Thread] = {}
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
        root = self._server.workspace.root_path if self._server.protocol._workspace else None
        return Path(root).resolve() if root else Path.cwd()

    def _config(self, params: ThreadStartParams) -> Config:
        cwd = Path(params.cwd).expanduser().resolve() if params.cwd else self.root()
        if not cwd.is_dir():
            raise InvalidParamsError(f"cwd: {cwd} is not a directory")
        d = self._defaults
        return load_config(
            cwd,
            CliOverrides(
                model=params.model or d.model,
                provider=d.provider,
                oss=d.oss,
                approval_policy=params.approval_policy or d.approval_policy,
                sandbox_mode=params.sandbox_mode or d.sandbox_mode,
                config_overrides=d.config_overrides,
            ),
        )

    def _adopt(self, thread: Thread) -> Thread:
        thread.subscribe(self._on_event)
        self.threads[thread.info.id] = thread
        return thread

    # --- threads ------------------------------------------------------------------------

    def create(self, params: ThreadStartParams) -> Thread:
        """A new thread (the model client is created now, so a missing key fails here, clearly).

        Raises:
            ConfigError: no usable model configuration.
            InvalidParamsError: a bad cwd.
        """
        config = self._config(params)
        client = create_client(config, require_credentials(config))
        return self._adopt(
            Thread.create(
                config,
                client,
                default_tools(config),
                workspace=self.workspace,
                approver=self.editor.request_approval,
                originator="tandem_lsp",
            )
        )

    def get(self, thread_id: str) -> Thread:
        """A loaded thread.

        Raises:
            NotFoundError: the thread is not loaded (resume it first).
        """
        thread = self.threads.get(thread_id)
        if thread is None:
            raise NotFoundError(f"no thread {thread_id!r} is loaded; resume it with tandem/thread/resume")
        return thread

    def resume(self, thread_id: str) -> tuple[Thread, list[Item]]:
        """Load a recorded thread (after a restart too) and its transcript.

        Raises:
            NotFoundError / SessionError: no such session, or an unreadable one.
        """
        thread = self.threads.get(thread_id)
        home_config = self._config(ThreadStartParams())
        path = (
            Path(thread.info.path) if thread and thread.info.path else find_session(home_config.sessions_dir, thread_id)
        )
        rollout = read_rollout(path)
        if thread is None:
            config = self._config(ThreadStartParams(cwd=str(rollout.meta.get("cwd") or self.root())))
            client = create_client(config, require_credentials(config))
            thread = self._adopt(
                Thread.resume(
                    path,
                    config,
                    client,
                    default_tools(config),
                    workspace=self.workspace,
                    approver=self.editor.request_approval,
                )
            )
        items: list[Item] = []
        for event in rollout.events:
            if event.get("type") == "item_completed":
                with contextlib.suppress(ValidationError):
                    items.append(_ITEM.validate_python(event.get("item")))
        return thread, items

    async def undo(self, thread_id: str, turn_id: str | None, kind: EntryKind) -> UndoOutcome:
        """Undo a turn (``kind`` UNDO) or the newest undo (REDO) from the thread's checkpoints; the thread
        need not be loaded. The change sets of that turn leave (or re-enter as accepted) the review.

        Raises:
            NotFoundError: nothing to undo / redo.
            BusyError: the thread is running a turn.
            ConflictError / PatchApplyError / SessionError: see :func:`tandem.agent.checkpoint.undo`.
        """
        thread = self.threads.get(thread_id)
        if thread is not None and thread.running_turn is not None:
            raise BusyError(f"thread {thread_id} is running a turn; interrupt it before undoing")
        home = CheckpointHome.under((thread.config if thread else self._config(ThreadStartParams())).tandem_home)
        entries = home.log(thread_id).entries()
        cwd = Path(entries[-1].cwd) if entries else None
        for other in self.threads.values():
            if other.running_turn is not None and other.config.cwd == cwd:
                raise BusyError(
                    f"thread {other.info.id} is running a turn in {cwd}; its changes would be mixed up "
                    "with this undo — wait for it or interrupt it first"
                )
        if kind is EntryKind.REDO:
            outcome = await checkpoint.redo(home, thread_id, self.workspace)
        else:
            outcome = await checkpoint.undo(home, thread_id, self.workspace, turn_id)
        self.tracker.settle_turn(
            thread_id, outcome.turn_id, HunkState.REJECTED if kind is EntryKind.UNDO else HunkState.ACCEPTED
        )
        self.refresh_code_lenses()
        return outcome

    def fork(self, thread_id: str, turn_id: str | None) -> Thread:
        """A new thread with ``thread_id``'s history (and transcript) up to ``turn_id``; a recorded thread
        that is not loaded is resumed first."""
        source = self.threads.get(thread_id) or self.resume(thread_id)[0]
        return self._adopt(Thread.fork(source, turn_id, approver=self.editor.request_approval))

    def list_threads(self, limit: int) -> list[ThreadInfo]:
        """Loaded threads first, then recorded ones, newest first."""
        infos = list(reversed([t.info for t in self.threads.values()]))
        seen = {info.id for info in infos}
        try:
            sessions = list_sessions(self._config(ThreadStartParams()).sessions_dir, limit=limit)
        except SessionError:
            sessions = []
        for s in sessions:
            if s.thread_id not in seen:
                infos.append(
                    ThreadInfo(
                        id=s.thread_id,
                        cwd=s.cwd,
                        model=s.model,
                        model_provider=s.model_provider,
                        approval_policy=s.approval_policy,
                        sandbox_mode=s.sandbox_mode,
                        created_at=s.created_at,
                        preview=s.preview,
                        path=str(s.path),
                    )
                )
        return infos[:limit]

    # --- turns --------------------------------------------------------------------------

    def start_turn(self, thread_id: str, input_items: list[InputItem]) -> Turn:
        """Start a turn; returns at once (events follow)."""
        thread = self.get(thread_id)
        turn, _ = thread.start_turn(input_items)
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
        task = thread.running_turn
        if task is not None and task.get_name() == f"turn {turn_id}":
            thread.interrupt()

    # --- events ---------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, FilesChanged):
            self.tracker.record(event.thread_id, event.turn_id, event.item_id, event.changes, event.cwd, event.reviewed)
            self.refresh_code_lenses()
            return
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

    def _report(self, turn_id: str, message: str) -> None:
        self._activity[turn_id] = message
        token = self._progress.get(turn_id)
        if token is not None:
            self._server.work_done_progress.report(token, types.WorkDoneProgressReport(message=message[:80]))

    async def shutdown(self, timeout_s: float = 5.0) -> None:
        """Interrupt every running turn (killing its commands) and wait for them to end."""
        tasks = [task for thread in self.threads.values() if (task := thread.running_turn) is not None]
        for thread in self.threads.values():
            thread.interrupt()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)
        for thread in self.threads.values():
            thread.close()

    def refresh_code_lenses(self) -> None:
        """Ask the client to re-query code lenses (when it supports ``workspace/codeLens/refresh``)."""
        workspace = self._server.client_capabilities.workspace
        if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
            self._server.protocol.send_request(types.WORKSPACE_CODE_LENS_REFRESH, None)
