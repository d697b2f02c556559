"""``tandem exec --json``: events as JSON Lines with the names and fields of ``codex exec --json``.

Format: Codex exec JSONL (docs/reference-facts.md §5): ``thread.started{thread_id}``, ``turn.started``,
``item.started|updated|completed{item}``, ``turn.completed{usage}``, ``turn.failed{error}``,
``error{message}``. Item types: ``agent_message{text}``, ``reasoning{text}``,
``command_execution{command, aggregated_output, exit_code, status}``,
``file_change{changes[{path, kind}], status}``, ``mcp_tool_call{server, tool, arguments,
result{content, structured_content} | null, error{message} | null, status}`` (docs/reference-facts.md
§12; ``status`` ``in_progress|completed|failed``),
``todo_list{items[{text, completed}]}``, ``error{message}`` (also one per MCP server that failed
to start). As in Codex, messages and reasoning appear only when completed, and user messages are
not echoed. ``usage`` has every field of the Codex SDK's ``Usage`` type:
``input_tokens``, ``cached_input_tokens``, ``cache_write_input_tokens`` (always 0: cache writes are
counted in ``input_tokens``, and only Anthropic reports them), ``output_tokens``,
``reasoning_output_tokens``.
"""

from __future__ import annotations

import json
from typing import IO, Any

from tandem.agent.events import (
    Event,
    ItemCompleted,
    ItemStarted,
    ItemUpdated,
    McpStartupCompleted,
    StreamRetrying,
    ThreadStarted,
    TurnCompleted,
    TurnStarted,
)
from tandem.protocol.enums import ItemStatus, PlanStepStatus, TurnStatus
from tandem.protocol.items import (
    AgentMessageItem,
    CommandExecutionItem,
    ErrorItem,
    FileChangeItem,
    Item,
    McpToolCallItem,
    PlanItem,
    ReasoningItem,
)

_STATUS = {
    ItemStatus.IN_PROGRESS: "in_progress",
    ItemStatus.COMPLETED: "completed",
    ItemStatus.FAILED: "failed",
    ItemStatus.DECLINED: "declined",
}


_MCP_STATUS = {
    ItemStatus.IN_PROGRESS: "in_progress",
    ItemStatus.COMPLETED: "completed",
    ItemStatus.FAILED: "failed",
    ItemStatus.DECLINED: "failed",
}


def exec_item(item: Item) -> dict[str, Any] | None:
    """The Codex exec form of an item, or ``None`` for items Codex does not show."""
    if isinstance(item, AgentMessageItem):
        return {"id": item.id, "type": "agent_message", "text": item.text}
    if isinstance(item, ReasoningItem):
        return {"id": item.id, "type": "reasoning", "text": "\n\n".join(item.summary) or item.text}
    if isinstance(item, CommandExecutionItem):
        return {
            "id": item.id,
            "type": "command_execution",
            "command": item.command,
            "aggregated_output": item.output,
            "exit_code": item.exit_code,
            "status": _STATUS[item.status],
        }
    if isinstance(item, FileChangeItem):
        return {
            "id": item.id,
            "type": "file_change",
            "changes": [
                {"path": change.move_path or change.path, "kind": change.kind.value} for change in item.changes
            ],
            "status": _STATUS[item.status],
        }
    if isinstance(item, McpToolCallItem):
        return {
            "id": item.id,
            "type": "mcp_tool_call",
            "server": item.server,
            "tool": item.tool,
            "arguments": item.arguments,
            "result": (
                {"content": item.result.content, "structured_content": item.result.structured_content}
                if item.result is not None
                else None
            ),
            "error": {"message": item.error.message} if item.error is not None else None,
            "status": _MCP_STATUS[item.status],
        }
    if isinstance(item, PlanItem):
        return {
            "id": item.id,
            "type": "todo_list",
            "items": [{"text": step.step, "completed": step.status is PlanStepStatus.COMPLETED} for step in item.steps],
        }
    if isinstance(item, ErrorItem):
        return {"id": item.id, "type": "error", "message": item.message}
    return None


def exec_event(event: Event) -> dict[str, Any] | None:
    """The Codex exec JSONL record for ``event``, or ``None`` when Codex has no such record."""
    if isinstance(event, ThreadStarted):
        return {"type": "thread.started", "thread_id": event.thread.id}
    if isinstance(event, TurnStarted):
        return {"type": "turn.started"}
    if isinstance(event, ItemStarted | ItemUpdated):
        if isinstance(event.item, AgentMessageItem | ReasoningItem):
            return None
        item = exec_item(event.item)
        kind = "item.started" if isinstance(event, ItemStarted) else "item.updated"
        return {"type": kind, "item": item} if item else None
    if isinstance(event, ItemCompleted):
        item = exec_item(event.item)
        return {"type": "item.completed", "item": item} if item else None
    if isinstance(event, StreamRetrying):
        return {"type": "error", "message": f"Reconnecting... {event.attempt}/{event.max_attempts} ({event.message})"}
    if isinstance(event, TurnCompleted):
        turn = event.turn
        if turn.status is TurnStatus.COMPLETED:
            usage = turn.usage
            return {
                "type": "turn.completed",
                "usage": {
                    "input_tokens": usage.input_tokens if usage else 0,
                    "cached_input_tokens": usage.cached_input_tokens if usage else 0,
                    "cache_write_input_tokens": 0,
                    "output_tokens": usage.output_tokens if usage else 0,
                    "reasoning_output_tokens": usage.reasoning_output_tokens if usage else 0,
                },
            }
        message = turn.error.message if turn.error else "turn interrupted by the user"
        return {"type": "turn.failed", "error": {"message": message}}
    return None


def exec_records(event: Event) -> list[dict[str, Any]]:
    """Every JSONL record for ``event`` (MCP startup failures give one ``error`` item each)."""
    if isinstance(event, McpStartupCompleted):
        return [{"type": "item.completed", "item": exec_item(error)} for error in event.errors]
    record = exec_event(event)
    return [record] if record is not None else []


class JsonlWriter:
    """An event sink writing one JSON object per line to ``stream``, flushed per line."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: Event) -> None:
        for record in exec_records(event):
            self.write(record)

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as a line."""
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._stream.flush()
