"""The threads of one process, and the one way every surface opens, finds, undoes and closes them.

After Codex's ``thread_manager.rs``: ``tandem lsp``, ``tandem exec``, ``tandem undo`` and the test
harnesses all assemble threads here (settings -> model client with credentials checked -> the
default tools -> :class:`~tandem.agent.thread.Thread`), so a new kind of thread (a sub-agent, a
worktree thread) is created in one place too.

Rules kept here rather than in a surface:

* a thread id is loaded at most once: resuming a loaded thread returns it;
* no undo or redo while a turn runs in the folder the checkpoint is of (the turn's own changes
  would be mixed up with the undo's) — a turn of this process or of any other Tandem process
  (their markers, :mod:`tandem.checkpoints.activity`);
* a session whose folder no longer exists is not resumed (:class:`GoneFolder`), and a checkpoint
  whose folder is gone is not undone (:func:`tandem.checkpoints.undo.undo`): both say the folder is
  gone and change nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from tandem.agent.conversation import Persistence
from tandem.agent.events import EventSink
from tandem.agent.thread import Thread, TurnOverrides
from tandem.agent.transcript import read_transcript
from tandem.agent.turn_context import Approver
from tandem.checkpoints import undo as checkpoint
from tandem.checkpoints.activity import overlaps
from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.undo import UndoOutcome
from tandem.config import Config, require_credentials
from tandem.errors import BusyError, NotFoundError, SessionError, SessionInUseError, WorkspaceGoneError
from tandem.mcp.manager import McpManager
from tandem.model.factory import create_client
from tandem.model.types import ModelClient
from tandem.patch.workspace import DiskWorkspace, Workspace
from tandem.protocol.items import Item, ThreadInfo
from tandem.sessions.rollout import read_rollout
from tandem.sessions.store import find_session, latest_session, list_sessions
from tandem.tools.catalog import default_tools

log = logging.getLogger(__name__)


class GoneFolder(Enum):
    """What resuming a session does when the folder it was recorded in no longer exists."""

    REFUSE = "refuse"  # say the folder is gone and change nothing (the default)
    CONTINUE = "continue"  # the caller named another folder to go on in (``tandem exec -C DIR resume``)


ConfigFor = Callable[[Path | None], Config]
"""The settings of threads in a folder (``None``: the surface's own folder, e.g. the workspace root).

Raises:
    ConfigError / InvalidParamsError: the settings are unusable or the folder is not a directory.
"""

ClientFactory = Callable[[Config], ModelClient]
"""Makes the model client of a thread."""


def connect(config: Config) -> ModelClient:
    """The model client for ``config``, its credentials checked now (a missing key fails here, clearly).

    Raises:
        ConfigError: no usable model configuration.
    """
    return create_client(config, require_credentials(config))


def mcp_servers(config: Config) -> McpManager | None:
    """The MCP servers of a new thread with ``config`` (``None`` when it configures none): each thread
    starts its own, as each Codex session does."""
    if not config.mcp_servers:
        return None
    return McpManager(config.mcp_servers, config.cwd, os.environ)


def transcript(thread: Thread) -> list[Item]:
    """The items a thread's rollout recorded as completed, in start order (what a surface shows on
    resume; :func:`tandem.agent.transcript.read_transcript` adds the turns and the token usage)."""
    return read_transcript(thread).items


def _modified_at(path: str | None) -> str | None:
    """When the file at ``path`` was last written (UTC ISO-8601, seconds), or ``None``."""
    if path is None:
        return None
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ThreadManager:
    """Creates, resumes, forks, lists, undoes and shuts down the threads of one process.

    Args:
        configure: the settings of threads in a folder (called when a thread is opened, and with
            ``None`` for where sessions are kept).
        tandem_home: where checkpoints are kept (default: ``configure(None).tandem_home``).
        workspace: where threads read and write files (default: the disk).
        approver: asks the user on behalf of every thread (default: decline everything).
        originator: recorded in new rollouts (``tandem_exec``, ``tandem_lsp``...).
        on_event: subscribed to every thread this manager opens.
        connect: makes a thread's model client (default: :func:`connect`).
    """

    def __init__(
        self,
        configure: ConfigFor,
        *,
        tandem_home: Path | None = None,
        workspace: Workspace | None = None,
        approver: Approver | None = None,
        originator: str = "tandem_exec",
        on_event: EventSink | None = None,
        connect: ClientFactory = connect,
    ) -> None:
        self._configure = configure
        self._tandem_home = tandem_home
        self._workspace = workspace
        self._approver = approver
        self._originator = originator
        self._on_event = on_event
        self._connect = connect
        self._threads: dict[str, Thread] = {}

    # --- opening threads ------------------------------------------------------------------

    def create(self, config: Config | None = None, *, persistence: Persistence = Persistence.ROLLOUT) -> Thread:
        """A new thread with ``config`` (default: the settings of the surface's folder).

        Raises:
            ConfigError: no usable model configuration.
            SessionError: the rollout file cannot be created.
        """
        config = config or self._configure(None)
        thread = Thread.create(
            config,
            self._connect(config),
            default_tools(config),
            workspace=self._workspace,
            approver=self._approver,
            originator=self._originator,
            persistence=persistence,
            mcp=mcp_servers(config),
        )
        return self._adopt(thread)

    def resume(
        self, target: str | Path, config: Config | None = None, *, gone_folder: GoneFolder = GoneFolder.REFUSE
    ) -> Thread:
        """Continue a recorded thread: ``target`` is a thread id, a unique id prefix or a rollout path.
        A thread already loaded is returned as it is. ``config`` defaults to the settings of the
        folder the thread was recorded in. When that folder no longer exists the session is not
        resumed, unless ``config`` names another folder and ``gone_folder`` is ``CONTINUE`` (a warning
        is logged then).

        Raises:
            WorkspaceGoneError: the session's folder no longer exists (nothing was changed).
            NotFoundError: no such session (or the prefix is ambiguous).
            SessionError: the rollout is unreadable.
            ConfigError: no usable model configuration.
        """
        if isinstance(target, str) and target in self._threads:
            return self._threads[target]
        path = target if isinstance(target, Path) else find_session(self.sessions_dir, target)
        return self._resume(path, config, gone_folder)

    def resume_latest(
        self, cwd: Path, config: Config | None = None, *, gone_folder: GoneFolder = GoneFolder.REFUSE
    ) -> Thread:
        """Continue the newest thread recorded in ``cwd``.

        Raises:
            NotFoundError: there is none; otherwise as :meth:`resume`.
        """
        return self._resume(latest_session(self.sessions_dir, cwd), config, gone_folder)

    def _resume(self, path: Path, config: Config | None, gone_folder: GoneFolder = GoneFolder.REFUSE) -> Thread:
        recorded = read_rollout(path)
        loaded = self._threads.get(recorded.thread_id)
        if loaded is not None:
            return loaded
        folder = str(recorded.meta.get("cwd") or "")
        if folder and not Path(folder).is_dir():
            if config is None or gone_folder is GoneFolder.REFUSE or config.cwd == Path(folder):
                raise WorkspaceGoneError(
                    f"session {recorded.thread_id} was recorded in {folder}, which no longer exists (deleted or "
                    "moved); nothing was changed. To continue it in another folder: "
                    f"tandem exec -C DIR resume {recorded.thread_id}"
                )
            log.warning(
                "session %s was recorded in %s, which no longer exists; continuing in %s",
                recorded.thread_id,
                folder,
                config.cwd,
            )
        folder_settings = config is None
        if config is None:
            config = self._recorded_folder_config(recorded.meta)
        thread = self._open_recorded(path, config, Persistence.ROLLOUT, mcp_servers(config))
        if folder_settings and recorded.turn_contexts:  # the settings its turns last ran with win over the folder's
            thread.restore_settings(TurnOverrides.from_record(recorded.turn_contexts[-1]))
        return self._adopt(thread)

    def fork(
        self, thread_id: str, turn_id: str | None = None, *, persistence: Persistence = Persistence.ROLLOUT
    ) -> Thread:
        """A new thread with ``thread_id``'s history (and transcript) up to ``turn_id``; a recorded thread
        that is not loaded is resumed first (read-only, not loaded, when another process is writing it).

        Raises:
            NotFoundError: no such thread or turn; otherwise as :meth:`resume`.
        """
        source = self._threads.get(thread_id)
        if source is None:
            try:
                source = self.resume(thread_id)
            except SessionInUseError:
                source = self._read_only(find_session(self.sessions_dir, thread_id))
        fork = Thread.fork(
            source, turn_id, approver=self._approver, persistence=persistence, mcp=mcp_servers(source.config)
        )
        return self._adopt(fork)

    def _read_only(self, path: Path) -> Thread:
        """A copy of the thread recorded in ``path`` that writes nothing (the source of a fork)."""
        config = self._recorded_folder_config(read_rollout(path).meta)
        return self._open_recorded(path, config, Persistence.EPHEMERAL, None)

    def _recorded_folder_config(self, meta: Mapping[str, Any]) -> Config:
        """The configuration of the folder a rollout's ``meta`` says it was recorded in."""
        cwd = meta.get("cwd")
        return self._configure(Path(str(cwd)) if cwd else None)

    def _open_recorded(self, path: Path, config: Config, persistence: Persistence, mcp: McpManager | None) -> Thread:
        """The thread recorded in ``path``, with this manager's client, tools, workspace and approver."""
        return Thread.resume(
            path,
            config,
            self._connect(config),
            default_tools(config),
            workspace=self._workspace,
            approver=self._approver,
            persistence=persistence,
            mcp=mcp,
        )

    def _adopt(self, thread: Thread) -> Thread:
        if self._on_event is not None:
            thread.subscribe(self._on_event)
        self._threads[thread.info.id] = thread
        return thread

    def start_mcp(self, thread: Thread) -> None:
        """Start ``thread``'s MCP servers in the background (call once the surface listens to it)."""
        with contextlib.suppress(RuntimeError):  # no running loop: the first turn starts them
            thread.start_mcp()

    # --- finding threads ------------------------------------------------------------------

    @property
    def sessions_dir(self) -> Path:
        """Where rollouts are kept."""
        return self._configure(None).sessions_dir

    @property
    def tandem_home(self) -> Path:
        """Where checkpoints (and sessions) are kept."""
        return self._tandem_home or self._configure(None).tandem_home

    def loaded(self) -> list[Thread]:
        """The threads open in this process, oldest first."""
        return list(self._threads.values())

    def get(self, thread_id: str) -> Thread:
        """A loaded thread.

        Raises:
            NotFoundError: the thread is not loaded (resume it first).
        """
        thread = self._threads.get(thread_id)
        if thread is None:
            raise NotFoundError(f"no thread {thread_id!r} is loaded; resume it with tandem/thread/resume")
        return thread

    def list_threads(self, limit: int) -> list[ThreadInfo]:
        """Loaded threads first (newest first), then recorded ones, newest first; at most ``limit``.
        Each has ``updated_at``: when its rollout was last written."""
        infos = list(reversed([t.info.model_copy() for t in self._threads.values()]))
        seen = {info.id for info in infos}
        try:
            sessions = list_sessions(self.sessions_dir, limit=limit)
        except SessionError:
            sessions = []
        infos += [
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
            for s in sessions
            if s.thread_id not in seen
        ]
        for info in infos[:limit]:
            info.updated_at = _modified_at(info.path)
        return infos[:limit]

    def checkpointed_thread(self, cwd: Path, prefix: str | None = None) -> str:
        """The thread to undo in: ``prefix``'s, else the newest whose checkpoints are of ``cwd`` (or a
        folder above it).

        Raises:
            NotFoundError: no such thread.
        """
        home = CheckpointHome.under(self.tandem_home)
        if prefix:
            return home.find_thread(prefix)
        for thread_id, _ in home.threads():
            entries = home.log(thread_id).entries()
            if entries and (cwd == Path(entries[-1].cwd) or cwd.is_relative_to(entries[-1].cwd)):
                return thread_id
        raise NotFoundError(f"no thread has checkpoints for {cwd}; name one (`tandem sessions list` shows them)")

    # --- undo and redo --------------------------------------------------------------------

    async def undo(self, thread_id: str, turn_id: str | None = None) -> UndoOutcome:
        """Revert a turn of ``thread_id`` (default: its newest not undone) from its checkpoints; the
        thread need not be loaded.

        Raises:
            BusyError: a turn (of any Tandem process) runs in that thread or in the checkpoint's folder.
            NotFoundError: nothing to undo (or no such turn).
            ConflictError / PatchApplyError / SessionError: see :func:`tandem.checkpoints.undo.undo`.
        """
        home = self._undo_home(thread_id)
        return await checkpoint.undo(home, thread_id, self._workspace or DiskWorkspace(), turn_id)

    async def redo(self, thread_id: str) -> UndoOutcome:
        """Revert the newest undo of ``thread_id``.

        Raises:
            BusyError / NotFoundError / ConflictError / PatchApplyError / SessionError: as :meth:`undo`.
        """
        home = self._undo_home(thread_id)
        return await checkpoint.redo(home, thread_id, self._workspace or DiskWorkspace())

    def _undo_home(self, thread_id: str) -> CheckpointHome:
        """The checkpoint home, once no turn of this process could be mixed up with the undo.

        Raises:
            BusyError: a turn (of any process) runs in the thread, or in the folder its newest
                checkpoint is of.
            CheckpointError: the markers of running turns cannot be read.
        """
        thread = self._threads.get(thread_id)
        if thread is not None and thread.running_turn is not None:
            raise BusyError(f"thread {thread_id} is running a turn; interrupt it before undoing")
        home = CheckpointHome.under(self.tandem_home)
        entries = home.log(thread_id).entries()
        cwd = Path(entries[-1].cwd) if entries else None
        for other in self._threads.values():
            if other.running_turn is not None and other.config.cwd == cwd:
                raise BusyError(
                    f"thread {other.info.id} is running a turn in {cwd}; its changes would be mixed up "
                    "with this undo — wait for it or interrupt it first"
                )
        for turn in home.running_turns():  # turns of other processes too
            if turn.thread_id == thread_id or (cwd is not None and turn.cwd is not None and overlaps(turn.cwd, cwd)):
                raise BusyError(
                    f"thread {turn.thread_id} is running a turn in {turn.cwd} (process {turn.pid}); its changes "
                    "would be mixed up with this undo — wait for it or interrupt it first"
                )
        return home

    # --- shutting down --------------------------------------------------------------------

    async def shutdown(self, timeout_s: float = 5.0) -> None:
        """Interrupt every running turn (killing its commands), wait up to ``timeout_s`` for them, and
        close every thread."""
        tasks = [task for thread in self._threads.values() if (task := thread.running_turn) is not None]
        for thread in self._threads.values():
            thread.interrupt()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)
        for thread in self._threads.values():
            thread.close()
        await asyncio.gather(*(thread.close_mcp() for thread in self._threads.values()), return_exceptions=True)
