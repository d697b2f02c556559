"""Items, turns and threads: the objects every surface renders (docs/architecture.md, "The custom LSP protocol").

Wire form: JSON with camelCase keys (``exitCode``, ``cachedInputTokens``); Python attributes are
snake_case. Serialise with :func:`dump`. Every item has ``id`` and ``type``; ``type`` is the
discriminator (``userMessage``, ``agentMessage``, ``reasoning``, ``commandExecution``,
``fileChange``, ``mcpToolCall``, ``plan``, ``contextCompaction``, ``error``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tandem.protocol.enums import ChangeKind, ItemStatus, PlanStepStatus, TurnErrorCode, TurnStatus


class WireModel(BaseModel):
    """Base of every wire type: camelCase aliases, populate by Python name, unknown keys ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


def dump(model: BaseModel) -> dict[str, Any]:
    """A wire-ready dict: camelCase keys, enums as strings, ``None`` fields left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class Position(WireModel):
    """LSP position: zero-based ``line`` and ``character`` (UTF-16 code units)."""

    line: int
    character: int


class Range(WireModel):
    """LSP range; ``end`` is exclusive."""

    start: Position
    end: Position


class TextInput(WireModel):
    """Plain text typed by the user."""

    type: Literal["text"] = "text"
    text: str


class FileInput(WireModel):
    """An @-mention of a file (optionally a range of it); the server reads the live buffer."""

    type: Literal["file"] = "file"
    uri: str
    range: Range | None = None


class SelectionInput(WireModel):
    """The user's selection in an editor."""

    type: Literal["selection"] = "selection"
    uri: str
    range: Range


class DiagnosticInput(WireModel):
    """A diagnostic the user asked the agent to fix."""

    type: Literal["diagnostic"] = "diagnostic"
    uri: str
    range: Range
    message: str


class ImageInput(WireModel):
    """An image by local path or ``data:`` URL."""

    type: Literal["image"] = "image"
    path: str | None = None
    data_url: str | None = None


class SkillInput(WireModel):
    """A skill the user picked (the panel's ``$`` completion): its name and its ``SKILL.md`` path, as
    Codex's ``UserInput::Skill``; the server injects that file's text once per thread."""

    type: Literal["skill"] = "skill"
    name: str
    path: str


InputItem = Annotated[
    TextInput | FileInput | SelectionInput | DiagnosticInput | ImageInput | SkillInput, Field(discriminator="type")
]


class UserMessageItem(WireModel):
    """What the user sent to start (or steer) a turn."""

    type: Literal["userMessage"] = "userMessage"
    id: str
    content: list[InputItem]


class AgentMessageItem(WireModel):
    """A message from the agent; ``text`` is markdown."""

    type: Literal["agentMessage"] = "agentMessage"
    id: str
    text: str = ""


class ReasoningItem(WireModel):
    """The model's reasoning: ``summary`` parts and raw ``text`` when the model sends it."""

    type: Literal["reasoning"] = "reasoning"
    id: str
    summary: list[str] = []
    text: str = ""


class CommandExecutionItem(WireModel):
    """A shell command the agent ran (or asked to run)."""

    type: Literal["commandExecution"] = "commandExecution"
    id: str
    command: str
    cwd: str
    status: ItemStatus = ItemStatus.IN_PROGRESS
    exit_code: int | None = None
    output: str = ""
    duration_ms: int | None = None


class FileUpdateChange(WireModel):
    """One file of a file change: ``diff`` is a unified diff; ``move_path`` is set for moves."""

    path: str
    kind: ChangeKind
    diff: str = ""
    move_path: str | None = None


class FileChangeItem(WireModel):
    """A set of file changes made by one apply_patch call."""

    type: Literal["fileChange"] = "fileChange"
    id: str
    changes: list[FileUpdateChange]
    status: ItemStatus = ItemStatus.IN_PROGRESS


class McpToolCallResult(WireModel):
    """What an MCP tool returned: its ``content`` blocks (MCP JSON: ``{type: "text", text}``,
    ``{type: "image", data, mimeType}``...) and its ``structuredContent``."""

    content: list[dict[str, Any]] = []
    structured_content: Any | None = None


class McpToolCallError(WireModel):
    """Why an MCP tool call failed (the server's error, a timeout, a refusal)."""

    message: str


class McpToolCallItem(WireModel):
    """A call to a tool of an MCP server (Codex's ``mcpToolCall`` item: ``server``, the raw ``tool``
    name, ``arguments``, then ``result`` or ``error``); ``duration_ms`` once it ended."""

    type: Literal["mcpToolCall"] = "mcpToolCall"
    id: str
    server: str
    tool: str
    arguments: Any | None = None
    result: McpToolCallResult | None = None
    error: McpToolCallError | None = None
    status: ItemStatus = ItemStatus.IN_PROGRESS
    duration_ms: int | None = None


class PlanStep(WireModel):
    """One step of the agent's plan."""

    step: str
    status: PlanStepStatus


class PlanItem(WireModel):
    """The agent's plan as of its last ``update_plan`` call."""

    type: Literal["plan"] = "plan"
    id: str
    steps: list[PlanStep]
    explanation: str | None = None


class ContextCompactionItem(WireModel):
    """The history was compacted; ``summary`` is the handoff summary the model will see."""

    type: Literal["contextCompaction"] = "contextCompaction"
    id: str
    summary: str = ""


class ErrorItem(WireModel):
    """A non-fatal error shown in the transcript."""

    type: Literal["error"] = "error"
    id: str
    message: str


Item = Annotated[
    UserMessageItem
    | AgentMessageItem
    | ReasoningItem
    | CommandExecutionItem
    | FileChangeItem
    | McpToolCallItem
    | PlanItem
    | ContextCompactionItem
    | ErrorItem,
    Field(discriminator="type"),
]


class Usage(WireModel):
    """Token counts (tokens, not bytes)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0


class TurnError(WireModel):
    """Why a turn failed, in words a user can act on; ``code`` says what kind of failure it was (so a
    client can offer advice without parsing the message; absent in turns recorded before it existed)."""

    message: str
    code: TurnErrorCode | None = None


class Turn(WireModel):
    """One turn: user input -> model/tool round trips -> a final message."""

    id: str
    status: TurnStatus = TurnStatus.IN_PROGRESS
    error: TurnError | None = None
    usage: Usage | None = None


class ThreadInfo(WireModel):
    """A conversation: its id (a UUID), where it works, and how it runs.

    ``preview``: the first thing the user asked (one line, at most 80 characters) — the thread's
    name; ``reasoning_effort``: the effort its turns request (absent: the provider's default);
    ``updated_at``: when its rollout was last written (``thread/list`` only).
    """

    id: str
    cwd: str
    model: str
    model_provider: str
    approval_policy: str
    sandbox_mode: str
    created_at: str
    preview: str = ""
    path: str | None = None
    reasoning_effort: str | None = None
    updated_at: str | None = None
