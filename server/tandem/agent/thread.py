"""A thread: one conversation with its settings, listeners and at most one running turn.

What the thread remembers (history, rollout, turn starts, item ids, usage) is its
:class:`~tandem.agent.conversation.Conversation`. The thread adds what a running thread needs:
the model client and tools, its listeners, the running turn (a :class:`~tandem.agent.turn.TurnRunner`
in an asyncio task, handed a frozen :class:`~tandem.agent.turn_context.TurnContext`), and a
private ``/tmp`` for sandboxed commands. Surfaces open threads through
:class:`~tandem.agent.threads.ThreadManager`.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tandem.agent.compaction import Budget
from tandem.agent.context import initial_context
from tandem.agent.conversation import Conversation, Persistence
from tandem.agent.events import Event, EventSink, McpStartupCompleted, ThreadStarted
from tandem.agent.input import check_input_size
from tandem.agent.turn import TurnMode, TurnRunner
from tandem.agent.turn_context import Approver, TurnContext
from tandem.checkpoints.home import CheckpointHome
from tandem.config import Config
from tandem.config_enums import CheckpointMode
from tandem.errors import BusyError, ConfigError, SessionError
from tandem.mcp.manager import McpManager
from tandem.model.retry import RetryPolicy
from tandem.model.types import ModelClient
from tandem.patch.workspace import DiskWorkspace, Workspace
from tandem.protocol import JsonDict
from tandem.protocol.enums import ApprovalDecision, SandboxMode
from tandem.protocol.items import ErrorItem, InputItem, ThreadInfo, Turn
from tandem.sandbox.policy import SandboxPolicy, policy_for
from tandem.sessions.rollout import RolloutWriter, read_rollout, rollout_path
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, SessionApprovals, load_rules, store_rules
from tandem.tools.catalog import mcp_tools
from tandem.tools.registry import ToolRegistry

__all__ = ["Approver", "Persistence", "Thread", "decline_all"]


async def decline_all(request: ApprovalRequest) -> ApprovalResponse:
    """The approver of surfaces nobody can answer: every request is declined."""
    return ApprovalResponse(ApprovalDecision.DECLINE)


def _info(config: Config, thread_id: str, created_at: str, path: Path | None, cwd: str | None = None) -> ThreadInfo:
    return ThreadInfo(
        id=thread_id,
        cwd=cwd or str(config.cwd),
        model=config.model,
        model_provider=config.provider.id,
        approval_policy=config.approval_policy.value,
        sandbox_mode=config.sandbox_mode.value,
        created_at=created_at,
        path=str(path) if path else None,
    )


class Thread:
    """One conversation. Create with :meth:`create`, :meth:`resume` or :meth:`fork`.

    Args:
        config: resolved settings (model, policies, cwd).
        client: the model provider client.
        tools: the tools offered to the model, in offer order.
        workspace: where file changes are read and written.
        approver: asks the user; defaults to declining everything.
        conversation: the thread's durable state.
        mcp: the thread's MCP servers (``None``: none configured); their tools join ``tools`` once
            they started (:meth:`prepare_tools`).
    """

    def __init__(
        self,
        *,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        workspace: Workspace,
        approver: Approver | None,
        conversation: Conversation,
        mcp: McpManager | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.tools = tools
        self.base_tools = tools
        self.mcp = mcp
        self._mcp_reported = False
        self._mcp_announcing: asyncio.Task[None] | None = None
        self.workspace = workspace
        self.approver: Approver = approver or decline_all
        self.conversation = conversation
        self.session_approvals = SessionApprovals(load_rules(config.tandem_home), store_rules(config.tandem_home))
        self.turns: list[Turn] = []
        self._sinks: list[EventSink] = []
        self._running: asyncio.Task[Turn] | None = None
        self._runner: TurnRunner | None = None
        self._private_tmp: Path | None = None
        self._checkpoint_home = CheckpointHome.under(config.tandem_home)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        *,
        workspace: Workspace | None = None,
        approver: Approver | None = None,
        originator: str = "tandem_exec",
        persistence: Persistence = Persistence.ROLLOUT,
        initial_items: list[JsonDict] | None = None,
        mcp: McpManager | None = None,
    ) -> Thread:
        """Start a new thread: records ``session_meta`` and the initial context (or ``initial_items``).

        An ``EPHEMERAL`` thread writes no rollout and takes no checkpoints.

        Raises:
            SessionError: the rollout file cannot be created.
        """
        created = datetime.now(UTC)
        thread_id = str(uuid.uuid4())
        path = rollout_path(config.sessions_dir, thread_id, created) if persistence is Persistence.ROLLOUT else None
        info = _info(config, thread_id, created.isoformat(timespec="seconds").replace("+00:00", "Z"), path)
        conversation = Conversation.create(info, Budget.for_config(config), originator)
        for item in initial_context(config) if initial_items is None else initial_items:
            conversation.record(item)
        return cls(
            config=config,
            client=client,
            tools=tools,
            workspace=workspace or DiskWorkspace(),
            approver=approver,
            conversation=conversation,
            mcp=mcp,
        )

    @classmethod
    def resume(
        cls,
        path: Path,
        config: Config,
        client: ModelClient,
        tools: ToolRegistry,
        *,
        workspace: Workspace | None = None,
        approver: Approver | None = None,
        persistence: Persistence = Persistence.ROLLOUT,
        mcp: McpManager | None = None,
    ) -> Thread:
        """Continue the thread recorded in ``path`` with the same history.

        The model, provider and policies come from ``config`` (the caller may have changed them);
        the id, creation time and history come from the rollout. ``ROLLOUT`` locks the rollout and
        appends to it; ``EPHEMERAL`` is a read-only copy (no lock, nothing written).

        Raises:
            SessionInUseError: another Tandem process is writing that session.
            SessionError: the rollout is unreadable or not a Tandem rollout.
        """
        if not path.is_file():
            raise SessionError(f"cannot read the session file {path}: it does not exist")
        # Locked first: nobody appends between our read and our writes.
        writer = RolloutWriter(path) if persistence is Persistence.ROLLOUT else None
        try:
            recorded = read_rollout(path)
            meta = recorded.meta
            info = _info(config, recorded.thread_id, str(meta.get("created_at", "")), path, str(meta.get("cwd") or ""))
            budget = Budget.for_config(config)
            conversation = Conversation.resume(recorded, info, budget, writer, persistence)
        except BaseException:
            if writer is not None:
                writer.close()
            raise
        return cls(
            config=config,
            client=client,
            tools=tools,
            workspace=workspace or DiskWorkspace(),
            approver=approver,
            conversation=conversation,
            mcp=mcp,
        )

    @classmethod
    def fork(
        cls,
        source: Thread,
        turn_id: str | None = None,
        *,
        approver: Approver | None = None,
        persistence: Persistence = Persistence.ROLLOUT,
        mcp: McpManager | None = None,
    ) -> Thread:
        """A new thread whose history is ``source``'s up to and including turn ``turn_id`` (default: all).

        Raises:
            NotFoundError: ``turn_id`` is not a turn of ``source``.
            SessionError: the rollout file cannot be created.
        """
        end = source.conversation.fork_point(turn_id)
        thread = cls.create(
            source.config,
            source.client,
            source.base_tools,
            workspace=source.workspace,
            approver=approver or source.approver,
            originator="tandem_fork",
            persistence=persistence,
            initial_items=source.conversation.history[:end],
            mcp=mcp,
        )
        thread.conversation.adopt_fork(source.conversation, turn_id, end)
        return thread

    # --- state ----------------------------------------------------------------------------

    @property
    def info(self) -> ThreadInfo:
        """The thread's identity and settings as surfaces show them."""
        return self.conversation.info

    @property
    def history(self) -> list[JsonDict]:
        """A copy of the conversation so far (Responses input items)."""
        return self.conversation.history

    # --- events ---------------------------------------------------------------------------

    def subscribe(self, sink: EventSink) -> Callable[[], None]:
        """Call ``sink`` for every event from now on; returns a function that unsubscribes."""
        self._sinks.append(sink)
        return lambda: self._sinks.remove(sink) if sink in self._sinks else None

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener, in subscription order."""
        for sink in list(self._sinks):
            sink(event)

    def announce(self) -> None:
        """Emit :class:`ThreadStarted` (surfaces call this once they subscribed)."""
        self.emit(ThreadStarted(self.info))

    # --- turns ----------------------------------------------------------------------------

    @property
    def running_turn(self) -> asyncio.Task[Turn] | None:
        """The task of the turn in progress, if any."""
        return self._running if self._running is not None and not self._running.done() else None

    @property
    def running_turn_id(self) -> str | None:
        """The id of the turn in progress, if any."""
        return self._runner.turn.id if self._runner is not None and self.running_turn is not None else None

    def start_turn(
        self, input_items: list[InputItem], *, output_schema: JsonDict | None = None
    ) -> tuple[Turn, asyncio.Task[Turn]]:
        """Start a turn in the background; returns the turn (``inProgress``) and its task.
        ``output_schema``: a JSON Schema the turn's final answer must follow (``--output-schema``).

        Raises:
            BusyError: a turn is already running on this thread.
            InvalidParamsError: the input is too large (its size and the limit are named).
        """
        check_input_size(input_items, self.conversation.budget.limit)
        return self._launch(
            input_items, TurnMode.NORMAL, "is already running a turn; interrupt it or steer it", output_schema
        )

    def start_compaction(self) -> tuple[Turn, asyncio.Task[Turn]]:
        """Compact the conversation now (``/compact``) as a turn of its own; returns it and its task.

        Raises:
            BusyError: a turn is already running.
        """
        return self._launch([], TurnMode.COMPACT, "is running a turn; compact after it ends")

    def _launch(
        self, input_items: list[InputItem], mode: TurnMode, busy: str, output_schema: JsonDict | None = None
    ) -> tuple[Turn, asyncio.Task[Turn]]:
        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} {busy}")
        context = self.turn_context(uuid.uuid4().hex[:12], output_schema)
        runner = TurnRunner(context, self.conversation, input_items, mode)
        self.turns.append(runner.turn)
        self._runner = runner
        self._running = asyncio.create_task(runner.run(), name=f"turn {runner.turn.id}")
        self._running.add_done_callback(lambda task: runner.finish_unstarted() if task.cancelled() else None)
        return runner.turn, self._running

    def turn_context(self, turn_id: str, output_schema: JsonDict | None = None) -> TurnContext:
        """What turn ``turn_id`` reads: this thread's client, tools, policies and listeners, fixed now."""
        config = self.config
        return TurnContext(
            thread_id=self.info.id,
            turn_id=turn_id,
            config=config,
            client=self.client,
            tools=self.tools,
            workspace=self.workspace,
            approver=self.approver,
            session_approvals=self.session_approvals,
            sandbox_policy=self.sandbox_policy,
            checkpoints=(
                CheckpointMode.OFF if self.conversation.persistence is Persistence.EPHEMERAL else config.checkpoints
            ),
            checkpoint_home=self._checkpoint_home,
            retry=RetryPolicy(
                request_max_retries=config.provider.request_max_retries,
                stream_max_retries=config.provider.stream_max_retries,
            ),
            emit=self.emit,
            output_schema=output_schema,
            tool_source=self.prepare_tools if self.mcp is not None else None,
        )

    def start_mcp(self) -> None:
        """Begin starting the thread's MCP servers in the background (no-op without any), so they are
        up by the first turn; :class:`McpStartupCompleted` is emitted as soon as they are.

        Raises:
            RuntimeError: no event loop is running.
        """
        if self.mcp is not None and self._mcp_announcing is None:
            self._mcp_announcing = asyncio.create_task(self._announce_mcp(), name=f"mcp startup {self.info.id}")

    async def _announce_mcp(self) -> None:
        """Wait for the MCP servers, fix the tool list and emit :class:`McpStartupCompleted` (once)."""
        assert self.mcp is not None
        await self.mcp.start()
        if self._mcp_reported:
            return
        self._mcp_reported = True
        self.tools = self.base_tools.extended(mcp_tools(self.mcp))
        statuses = self.mcp.statuses()
        errors = [
            ErrorItem(id=self.conversation.next_item_id(), message=status.error) for status in statuses if status.error
        ]
        self.emit(McpStartupCompleted(self.info.id, statuses, errors))

    async def prepare_tools(self) -> ToolRegistry:
        """The tools to offer: the built-in ones plus, once the MCP servers started (each within its
        ``startup_timeout_sec``), theirs — fixed for the rest of the thread. The first call emits
        :class:`McpStartupCompleted` (unless :meth:`start_mcp` did).

        Raises:
            ConfigError: a ``required = true`` server failed to start ("required MCP servers failed
                to initialize: <name>: <reason>", Codex's message); raised on every call.
        """
        if self.mcp is None:
            return self.tools
        self.start_mcp()
        assert self._mcp_announcing is not None
        await asyncio.shield(self._mcp_announcing)
        failures = self.mcp.required_failures()
        if failures:
            details = "; ".join(f"{status.name}: {status.error}" for status in failures)
            raise ConfigError(f"required MCP servers failed to initialize: {details}")
        return self.tools

    async def close_mcp(self) -> None:
        """Stop the thread's MCP servers (bounded waits; no-op without any)."""
        if self.mcp is not None:
            await self.mcp.aclose()

    async def run_turn(self, input_items: list[InputItem], *, output_schema: JsonDict | None = None) -> Turn:
        """Run one turn to its end (completed, interrupted or failed) and return it."""
        _, task = self.start_turn(input_items, output_schema=output_schema)
        return await task

    def steer(self, input_items: list[InputItem]) -> None:
        """Queue input for the running turn; it is sent with the turn's next model request.

        Raises:
            BusyError: no turn is running (start one instead).
            InvalidParamsError: the input is too large (its size and the limit are named).
        """
        if self.running_turn is None or self._runner is None:
            raise BusyError(f"thread {self.info.id} has no running turn to steer; start a turn instead")
        check_input_size(input_items, self.conversation.budget.limit)
        self._runner.steer(input_items)

    def interrupt(self, turn_id: str | None = None) -> bool:
        """Interrupt the running turn (tools are killed) if it is ``turn_id`` (``None``: whichever runs);
        returns whether one was interrupted."""
        task = self.running_turn
        if task is None or (turn_id is not None and turn_id != self.running_turn_id):
            return False
        task.cancel()
        return True

    def rollback(self, turns: int) -> int:
        """Drop the last ``turns`` turns from the conversation (files are untouched); returns how many were.

        Raises:
            BusyError: a turn is running.
            InvalidParamsError: ``turns`` < 1.
        """
        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} is running a turn; interrupt it first")
        return self.conversation.rollback(turns)

    # --- resources ------------------------------------------------------------------------

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        """The sandbox policy for this thread's commands (``mode`` overrides the configured mode).

        Sandboxed commands get a private ``/tmp``: a directory of this thread, kept across its
        commands and removed by :meth:`close`.
        """
        if self._private_tmp is None:
            self._private_tmp = Path(tempfile.mkdtemp(prefix=f"tandem-tmp-{self.info.id[:8]}-"))
        return policy_for(self.config, self.config.cwd, mode, private_tmp=self._private_tmp)

    def close(self) -> None:
        """Stop recording and remove the thread's private /tmp."""
        self.conversation.close()
        if self._private_tmp is not None:
            shutil.rmtree(self._private_tmp, ignore_errors=True)
            self._private_tmp = None
