"""Agent events as Tandem's LSP notifications (docs/architecture.md, "Server -> client notifications")."""

from __future__ import annotations

from tandem.agent.events import (
    AgentMessageDelta,
    CommandOutputDelta,
    DiffUpdated,
    Event,
    ItemCompleted,
    ItemStarted,
    ItemUpdated,
    McpStartupCompleted,
    PlanUpdated,
    ReasoningDelta,
    StreamRetrying,
    TokenUsageUpdated,
    TurnCompleted,
    TurnStarted,
)
from tandem.protocol import methods
from tandem.protocol.extensions import McpStatusNotification
from tandem.protocol.items import WireModel
from tandem.protocol.messages import (
    DeltaNotification,
    DiffUpdatedNotification,
    ItemNotification,
    PlanUpdatedNotification,
    StreamRetryNotification,
    TokenUsageNotification,
    TurnNotification,
)

_ITEM_METHODS = {
    ItemStarted: methods.ITEM_STARTED,
    ItemUpdated: methods.ITEM_UPDATED,
    ItemCompleted: methods.ITEM_COMPLETED,
}
_DELTA_METHODS = {
    AgentMessageDelta: methods.AGENT_MESSAGE_DELTA,
    ReasoningDelta: methods.REASONING_DELTA,
    CommandOutputDelta: methods.COMMAND_OUTPUT_DELTA,
}


def to_notification(event: Event) -> tuple[str, WireModel] | None:
    """The method and params for ``event``; None for events with no notification of their own."""
    if isinstance(event, AgentMessageDelta | ReasoningDelta | CommandOutputDelta):
        return _DELTA_METHODS[type(event)], DeltaNotification(
            thread_id=event.thread_id, turn_id=event.turn_id, item_id=event.item_id, delta=event.delta
        )
    if isinstance(event, ItemStarted | ItemUpdated | ItemCompleted):
        return _ITEM_METHODS[type(event)], ItemNotification(
            thread_id=event.thread_id, turn_id=event.turn_id, item=event.item
        )
    if isinstance(event, TurnStarted | TurnCompleted):
        method = methods.TURN_STARTED if isinstance(event, TurnStarted) else methods.TURN_COMPLETED
        return method, TurnNotification(thread_id=event.thread_id, turn=event.turn)
    if isinstance(event, McpStartupCompleted):
        return methods.MCP_STATUS, McpStatusNotification(thread_id=event.thread_id, servers=event.servers)
    if isinstance(event, PlanUpdated):
        return methods.PLAN_UPDATED, PlanUpdatedNotification(
            thread_id=event.thread_id, turn_id=event.turn_id, plan=event.steps, explanation=event.explanation
        )
    if isinstance(event, DiffUpdated):
        return methods.DIFF_UPDATED, DiffUpdatedNotification(
            thread_id=event.thread_id, turn_id=event.turn_id, diff=event.diff
        )
    if isinstance(event, TokenUsageUpdated):
        return methods.TOKEN_USAGE, TokenUsageNotification(
            thread_id=event.thread_id,
            used=event.total,
            last=event.last,
            context_window=event.context_window,
            context_tokens=event.context_tokens,
        )
    if isinstance(event, StreamRetrying):
        return methods.STREAM_RETRY, StreamRetryNotification(
            thread_id=event.thread_id,
            turn_id=event.turn_id,
            attempt=event.attempt,
            max_attempts=event.max_attempts,
            delay_ms=round(event.delay_s * 1000),
            message=event.message,
            discarded_item_ids=event.discarded_item_ids,
            code=event.code,
        )
    return None
