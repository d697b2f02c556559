"""The ``turn_parts`` fixture: a TurnContext, a Conversation and the turn's tool host, without a thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from agent_parts import TurnParts, thread_info

from tandem.agent.compaction import Budget
from tandem.agent.conversation import Conversation
from tandem.agent.events import Event
from tandem.agent.thread import decline_all
from tandem.agent.threads import connect
from tandem.agent.tool_host import TurnToolHost
from tandem.agent.turn_context import Approver, TurnContext
from tandem.checkpoints.home import CheckpointHome
from tandem.config import CheckpointMode, CliOverrides, load_config
from tandem.model.retry import RetryPolicy
from tandem.patch.workspace import DiskWorkspace
from tandem.protocol.enums import ApprovalPolicy
from tandem.sandbox.policy import policy_for
from tandem.tools.approvals import SessionApprovals, load_rules, store_rules
from tandem.tools.base import Tool
from tandem.tools.registry import ToolRegistry


@pytest.fixture
def turn_parts(workspace: Path, tandem_home: Path) -> Callable[..., TurnParts]:
    """make(*tools, approver=decline_all) -> the parts of turn ``turn-1`` of an ephemeral thread in ``workspace``."""

    def make(*tools: Tool, approver: Approver = decline_all) -> TurnParts:
        config = load_config(workspace, CliOverrides(approval_policy=ApprovalPolicy.NEVER))
        conversation = Conversation(thread_info(config), Budget.for_config(config), rollout=None)
        events: list[Event] = []
        ctx = TurnContext(
            thread_id=conversation.info.id,
            turn_id="turn-1",
            config=config,
            client=connect(config),
            tools=ToolRegistry(tools),
            workspace=DiskWorkspace(),
            approver=approver,
            session_approvals=SessionApprovals(load_rules(tandem_home), store_rules(tandem_home)),
            sandbox_policy=lambda mode: policy_for(config, config.cwd, mode),
            checkpoints=CheckpointMode.OFF,
            checkpoint_home=CheckpointHome.under(tandem_home),
            retry=RetryPolicy(),
            emit=events.append,
        )
        return TurnParts(config, ctx, conversation, TurnToolHost(ctx, conversation), events)

    return make
