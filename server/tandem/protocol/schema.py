"""JSON Schema of Tandem's custom LSP protocol, exported for the editor extension's generated types.

``protocol_schema()`` returns one JSON Schema document: every wire type under ``$defs`` (camelCase
names, as on the wire) and an ``x-methods`` table naming, for each method, its direction and the
``$defs`` entries of its params and result. ``tandem protocol schema`` prints it; the copy
committed at ``editor-extension/protocol/tandem-protocol.schema.json`` must match (a test checks).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from tandem.protocol import methods as m
from tandem.protocol.extensions import McpStatusNotification, SkillsListParams, SkillsListResult
from tandem.protocol.items import (
    AgentMessageItem,
    CommandExecutionItem,
    ContextCompactionItem,
    ErrorItem,
    FileChangeItem,
    McpToolCallItem,
    PlanItem,
    ReasoningItem,
    UserMessageItem,
)
from tandem.protocol.messages import (
    ChangeDecisionParams,
    ChangePreviewParams,
    ChangePreviewResult,
    ChangeReadParams,
    ChangeReadResult,
    DeltaNotification,
    DiffUpdatedNotification,
    EmptyResult,
    ItemNotification,
    ModelListParams,
    ModelListResult,
    PlanUpdatedNotification,
    ProviderStatusParams,
    ProviderStatusResult,
    ProviderTestParams,
    ProviderTestResult,
    RedoParams,
    RequestApprovalParams,
    RequestApprovalResult,
    ReviewResult,
    ServerRequestResolvedNotification,
    StreamRetryNotification,
    TandemServerCapabilities,
    ThreadCompactParams,
    ThreadForkParams,
    ThreadListParams,
    ThreadListResult,
    ThreadResult,
    ThreadResumeParams,
    ThreadResumeResult,
    ThreadRollbackParams,
    ThreadRollbackResult,
    ThreadStartParams,
    TokenUsageNotification,
    TurnInterruptParams,
    TurnNotification,
    TurnResult,
    TurnStartParams,
    TurnSteerParams,
    UndoParams,
    UndoResult,
)
from tandem.protocol.review import (
    ChangeFilesParams,
    ChangeHunksParams,
    ChangeHunksResult,
    ChangeUpdatedNotification,
    TurnUndoneNotification,
)

SCHEMA_VERSION = 1

# method -> (direction, params model, result model or None for notifications)
METHODS: dict[str, tuple[str, type[BaseModel], type[BaseModel] | None]] = {
    m.THREAD_START: ("clientToServer", ThreadStartParams, ThreadResult),
    m.THREAD_LIST: ("clientToServer", ThreadListParams, ThreadListResult),
    m.THREAD_RESUME: ("clientToServer", ThreadResumeParams, ThreadResumeResult),
    m.THREAD_FORK: ("clientToServer", ThreadForkParams, ThreadResult),
    m.THREAD_COMPACT: ("clientToServer", ThreadCompactParams, TurnResult),
    m.THREAD_ROLLBACK: ("clientToServer", ThreadRollbackParams, ThreadRollbackResult),
    m.TURN_START: ("clientToServer", TurnStartParams, TurnResult),
    m.TURN_INTERRUPT: ("clientToServer", TurnInterruptParams, EmptyResult),
    m.TURN_STEER: ("clientToServer", TurnSteerParams, EmptyResult),
    m.CHANGE_ACCEPT: ("clientToServer", ChangeDecisionParams, ReviewResult),
    m.CHANGE_REJECT: ("clientToServer", ChangeDecisionParams, ReviewResult),
    m.CHANGE_PREVIEW: ("clientToServer", ChangePreviewParams, ChangePreviewResult),
    m.CHANGE_READ: ("clientToServer", ChangeReadParams, ChangeReadResult),
    m.UNDO: ("clientToServer", UndoParams, UndoResult),
    m.REDO: ("clientToServer", RedoParams, UndoResult),
    m.CHANGE_HUNKS: ("clientToServer", ChangeHunksParams, ChangeHunksResult),
    m.CHANGE_ACCEPT_FILES: ("clientToServer", ChangeFilesParams, ReviewResult),
    m.CHANGE_REJECT_FILES: ("clientToServer", ChangeFilesParams, ReviewResult),
    m.PROVIDER_STATUS: ("clientToServer", ProviderStatusParams, ProviderStatusResult),
    m.PROVIDER_TEST: ("clientToServer", ProviderTestParams, ProviderTestResult),
    m.MODEL_LIST: ("clientToServer", ModelListParams, ModelListResult),
    m.SKILLS_LIST: ("clientToServer", SkillsListParams, SkillsListResult),
    m.REQUEST_APPROVAL: ("serverToClient", RequestApprovalParams, RequestApprovalResult),
    m.TURN_STARTED: ("serverToClient", TurnNotification, None),
    m.TURN_COMPLETED: ("serverToClient", TurnNotification, None),
    m.ITEM_STARTED: ("serverToClient", ItemNotification, None),
    m.ITEM_UPDATED: ("serverToClient", ItemNotification, None),
    m.ITEM_COMPLETED: ("serverToClient", ItemNotification, None),
    m.AGENT_MESSAGE_DELTA: ("serverToClient", DeltaNotification, None),
    m.REASONING_DELTA: ("serverToClient", DeltaNotification, None),
    m.COMMAND_OUTPUT_DELTA: ("serverToClient", DeltaNotification, None),
    m.PLAN_UPDATED: ("serverToClient", PlanUpdatedNotification, None),
    m.DIFF_UPDATED: ("serverToClient", DiffUpdatedNotification, None),
    m.STREAM_RETRY: ("serverToClient", StreamRetryNotification, None),
    m.TOKEN_USAGE: ("serverToClient", TokenUsageNotification, None),
    m.SERVER_REQUEST_RESOLVED: ("serverToClient", ServerRequestResolvedNotification, None),
    m.CHANGE_UPDATED: ("serverToClient", ChangeUpdatedNotification, None),
    m.TURN_UNDONE: ("serverToClient", TurnUndoneNotification, None),
    m.MCP_STATUS: ("serverToClient", McpStatusNotification, None),
}

_EXTRA_MODELS: tuple[type[BaseModel], ...] = (
    UserMessageItem,
    AgentMessageItem,
    ReasoningItem,
    CommandExecutionItem,
    FileChangeItem,
    McpToolCallItem,
    PlanItem,
    ContextCompactionItem,
    ErrorItem,
    TandemServerCapabilities,
)


def protocol_schema() -> dict[str, Any]:
    """The whole protocol as one JSON Schema document (deterministic: same code, same bytes)."""
    models: list[type[BaseModel]] = []
    for _, params, result in METHODS.values():
        for model in (params, result):
            if model is not None and model not in models:
                models.append(model)
    models += [model for model in _EXTRA_MODELS if model not in models]
    _, schema = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, ref_template="#/$defs/{model}"
    )
    defs = schema.get("$defs", {})
    table = {
        method: {
            "direction": direction,
            "params": params.__name__,
            **({"result": result.__name__} if result is not None else {}),
        }
        for method, (direction, params, result) in METHODS.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tandem LSP protocol",
        "x-version": SCHEMA_VERSION,
        "x-methods": table,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """:func:`protocol_schema` as pretty JSON with a final newline."""
    return json.dumps(protocol_schema(), indent=2, sort_keys=False) + "\n"
