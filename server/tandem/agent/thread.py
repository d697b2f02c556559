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
import dataclasses
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tandem.agent.compaction import Budget
from tandem.agent.context import initial_context, message, permissions_text
from tandem.agent.conversation import Conversation, Persistence
from tandem.agent.events import Event, EventSink, McpStartupCompleted, ThreadStarted
from tandem.agent.input import check_input_size, preview_text
from tandem.agent.turn import TurnMode, TurnRunner
from tandem.agent.turn_context import Approver, TurnContext
from tandem.checkpoints.home import CheckpointHome
from tandem.config import Config, find_project_root
from tandem.config_enums import CheckpointMode
from tandem.errors import BusyError, ConfigError, SessionError
from tandem.hooks.config import discover_hooks
from tandem.hooks.dispatch import HookEngine
from tandem.hooks.events import SessionFacts
from tandem.mcp.manager import McpManager
from tandem.model.catalog import catalog_model
from tandem.model.retry import RetryPolicy
from tandem.model.types import ModelClient
from tandem.patch.workspace import DiskWorkspace, Workspace
from tandem.protocol import JsonDict
from tandem.protocol.enums import ApprovalDecision, ApprovalPolicy, SandboxMode
from tandem.protocol.items import ErrorItem, InputItem, ThreadInfo, Turn
from tandem.sandbox.policy import SandboxPolicy, policy_for
from tandem.sessions.rollout import RolloutWriter, read_rollout, rollout_path
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, SessionApprovals, load_rules, store_rules
from tandem.tools.catalog import mcp_tools
from tandem.tools.registry import ToolRegistry

__all__ = ["Approver", "Persistence", "Thread", "TurnOverrides", "decline_all"]


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
        reasoning_effort=config.model_reasoning_effort,
    )


@dataclass(frozen=True, slots=True)
class TurnOverrides:
    """Settings a turn changes for itself and the thread's later turns (``tandem/turn/start``'s
    ``model``, ``effort``, ``approvalPolicy`` and ``sandboxMode``, as Codex app-server v2's
    ``turn/start`` overrides); ``None`` keeps the thread's setting."""

    model: str | None = None
    effort: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None

    @classmethod
    def from_record(cls, payload: JsonDict) -> TurnOverrides:
        """The overrides a ``turn_context`` rollout record holds (what :meth:`Thread.configure`
        writes); unknown or malformed values are left out."""
        model, effort = payload.get("model"), payload.get("effort")
        policy, sandbox = payload.get("approval_policy"), payload.get("sandbox_mode")
        return cls(
            model=model if isinstance(model, str) and model else None,
            effort=effort if isinstance(effort, str) and effort else None,
            approval_policy=ApprovalPolicy(policy) if policy in set(ApprovalPolicy) else None,
            sandbox_mode=SandboxMode(sandbox) if sandbox in set(SandboxMode) else None,
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
        self.hooks = HookEngine(discover_hooks(config), self._hook_facts(), find_project_root(config.cwd))
        self.hooks.session_start_source = "startup"  # "resume" after Thread.resume; fired by the first turn

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
            named = (e for e in recorded.events if e.get("type") in ("user_message", "thread_name"))
            first = next(named, None)
            if first is not None:  # the thread's name, as a new thread's first turn (or a fork) sets it
                info.preview = " ".join(str(first.get("text") or first.get("name") or "").split())[:80]
            budget = Budget.for_config(config)
            conversation = Conversation.resume(recorded, info, budget, writer, persistence)
        except BaseException:
            if writer is not None:
                writer.close()
            raise
        thread = cls(
            config=config,
            client=client,
            tools=tools,
            workspace=workspace or DiskWorkspace(),
            approver=approver,
            conversation=conversation,
            mcp=mcp,
        )
        thread.hooks.session_start_source = "resume"
        return thread

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
        if source.info.preview:  # a fork is named as its source: its history starts with the same prompt
            thread.info.preview = source.info.preview
            thread.conversation.record_event({"type": "thread_name", "name": source.info.preview})
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
        self,
        input_items: list[InputItem],
        overrides: TurnOverrides | None = None,
        *,
        output_schema: JsonDict | None = None,
    ) -> tuple[Turn, asyncio.Task[Turn]]:
        """Start a turn in the background; returns the turn (``inProgress``) and its task.
        ``output_schema``: a JSON Schema the turn's final answer must follow (``--output-schema``).

        ``overrides`` change the thread's settings from this turn on (see :meth:`configure`). The
        thread's name (``info.preview``) is set from the first turn's text now, so the caller can
        show it at once.

        Raises:
            BusyError: a turn is already running on this thread.
            InvalidParamsError: the input is too large (its size and the limit are named).
        """
        check_input_size(input_items, self.conversation.budget.limit)
        busy = "is already running a turn; interrupt it or steer it"
        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} {busy}")
        if overrides is not None:
            self.configure(overrides)
        if not self.info.preview:
            self.info.preview = " ".join(preview_text(input_items).split())[:80]
        return self._launch(input_items, TurnMode.NORMAL, busy, output_schema)

    def configure(self, overrides: TurnOverrides) -> None:
        """Change the thread's model, reasoning effort, approval policy or sandbox mode for its next
        turns (each turn freezes them in its :class:`TurnContext` when it starts). A new model gets
        its context window from the catalogue, and an effort a catalogued model does not take is
        dropped. New permissions are told to the model (a ``<permissions>`` developer
        message in the history). The new settings are recorded in the rollout as a ``turn_context``
        record, which a resume with the folder's settings reads back (:meth:`restore_settings`).

        Raises:
            BusyError: a turn is running.
        """
        if self.running_turn is not None:
            raise BusyError(f"thread {self.info.id} is running a turn; change its settings after it ends")
        before = self.config
        if self._apply(overrides):
            config = self.config
            if (config.approval_policy, config.sandbox_mode) != (before.approval_policy, before.sandbox_mode):
                # The model is told its new permissions, as at the start of the thread.
                self.conversation.record(message("developer", permissions_text(config)))
            self.conversation.record_turn_context(
                {
                    "model": config.model,
                    "effort": config.model_reasoning_effort,
                    "approval_policy": config.approval_policy.value,
                    "sandbox_mode": config.sandbox_mode.value,
                }
            )

    def restore_settings(self, overrides: TurnOverrides) -> None:
        """Apply settings a rollout recorded (its last ``turn_context``) without recording them again."""
        self._apply(overrides)

    def _apply(self, overrides: TurnOverrides) -> bool:
        """Apply ``overrides`` to the config, budget and info; returns whether anything changed."""
        config = self.config
        changes: dict[str, object] = {}
        if overrides.model and overrides.model != config.model:
            changes["model"] = overrides.model
            entry = catalog_model(overrides.model)
            if entry is not None and config.model_reasoning_effort not in entry.efforts:
                changes["model_reasoning_effort"] = None
        if overrides.effort is not None:
            entry = catalog_model(overrides.model or config.model)
            if entry is None or overrides.effort in entry.efforts:  # a catalogued model takes only its own efforts
                changes["model_reasoning_effort"] = overrides.effort
        if overrides.approval_policy is not None:
            changes["approval_policy"] = overrides.approval_policy
        if overrides.sandbox_mode is not None:
            changes["sandbox_mode"] = overrides.sandbox_mode
        updated = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
        if updated == config:
            return False
        self.config = updated
        if updated.model != config.model:
            self.conversation.budget = Budget.for_config(updated)
        info = self.info
        info.model = updated.model
        info.approval_policy = updated.approval_policy.value
        info.sandbox_mode = updated.sandbox_mode.value
        info.reasoning_effort = updated.model_reasoning_effort
        return True

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
        self.hooks.facts = self._hook_facts()  # the model and policy may have changed (configure)
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
            hooks=self.hooks,
        )

    def _hook_facts(self) -> SessionFacts:
        """What every hook event says about this thread (:mod:`tandem.hooks.events`)."""
        path = self.conversation.info.path
        return SessionFacts(
            self.conversation.info.id,
            self.config.cwd,
            Path(path) if path else None,
            self.config.model,
            self.config.approval_policy,
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
