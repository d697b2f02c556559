"""The pieces of one turn, built without a thread (the ``turn_parts`` fixture of this folder's conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tandem.agent.conversation import Conversation
from tandem.agent.events import Event
from tandem.agent.tool_host import TurnToolHost
from tandem.agent.turn_context import TurnContext
from tandem.config import Config
from tandem.protocol.items import ThreadInfo


@dataclass
class TurnParts:
    """What a turn is made of, and every event it emitted."""

    config: Config
    ctx: TurnContext
    conversation: Conversation
    host: TurnToolHost
    events: list[Event]


def thread_info(config: Config, thread_id: str = "thread-1", path: Path | None = None) -> ThreadInfo:
    """The identity of a test thread working in ``config.cwd``."""
    return ThreadInfo(
        id=thread_id,
        cwd=str(config.cwd),
        model=config.model,
        model_provider=config.provider.id,
        approval_policy=config.approval_policy.value,
        sandbox_mode=config.sandbox_mode.value,
        created_at="2026-12-05T10:00:00Z",
        path=str(path) if path else None,
    )
