"""What one turn reads and never writes (after Codex's per-turn ``TurnContext``).

The thread builds a :class:`TurnContext` when a turn starts; the turn loop, its tool host and its
tools only read it. What a turn *changes* (history, rollout, item ids, usage) belongs to the
thread's :class:`~tandem.agent.conversation.Conversation`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.agent.events import EventSink
from tandem.checkpoints.home import CheckpointHome
from tandem.config import ApprovalPolicy, Config
from tandem.config_enums import CheckpointMode
from tandem.hooks.dispatch import HookEngine
from tandem.model.retry import RetryPolicy
from tandem.model.types import ModelClient
from tandem.patch.workspace import Workspace
from tandem.protocol import JsonDict
from tandem.protocol.enums import SandboxMode
from tandem.sandbox.policy import SandboxPolicy
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, SessionApprovals
from tandem.tools.registry import ToolRegistry

ToolSource = Callable[[], Awaitable[ToolRegistry]]
"""The thread's full tool list, once its MCP servers started (waits for them the first time)."""

Approver = Callable[[ApprovalRequest], Awaitable[ApprovalResponse]]
"""Asks the user about one approval request and returns their answer."""

SandboxPolicySource = Callable[[SandboxMode | None], SandboxPolicy]
"""The thread's sandbox policy for a command (a mode overrides the configured one)."""


@dataclass(frozen=True, slots=True)
class TurnContext:
    """The fixed inputs of one turn.

    Attributes:
        thread_id, turn_id: whose turn this is.
        config: the thread's resolved settings (tools read limits and policies from it).
        client: the model provider client.
        tools: the tools offered to the model, in offer order.
        workspace: where file changes are read and written.
        approver: asks the user.
        session_approvals: the thread's accept-for-session cache (shared across its turns).
        sandbox_policy: the thread's sandbox policy (its private ``/tmp`` included).
        checkpoints: how the turn checkpoints files (``OFF`` for a thread that keeps nothing on disk).
        checkpoint_home: where checkpoints are kept (one per thread, so its scanners stay warm across turns).
        retry: how failed model requests are retried.
        emit: delivers an event to the thread's listeners.
        output_schema: the JSON Schema the turn's final answer must follow (every model request of
            the turn carries it, as in Codex), or ``None``.
        tool_source: when the thread has MCP servers, what the turn awaits before its first request
            for the tools to offer (``tools`` plus the servers'); ``None``: ``tools`` is the list.
        hooks: the thread's hooks (:mod:`tandem.hooks`), or ``None``.
    """

    thread_id: str
    turn_id: str
    config: Config
    client: ModelClient
    tools: ToolRegistry
    workspace: Workspace
    approver: Approver
    session_approvals: SessionApprovals
    sandbox_policy: SandboxPolicySource
    checkpoints: CheckpointMode
    checkpoint_home: CheckpointHome
    retry: RetryPolicy
    emit: EventSink
    output_schema: JsonDict | None = None
    tool_source: ToolSource | None = None
    hooks: HookEngine | None = None

    @property
    def cwd(self) -> Path:
        """The thread's working directory."""
        return self.config.cwd

    @property
    def approval_policy(self) -> ApprovalPolicy:
        """When the user is asked."""
        return self.config.approval_policy
