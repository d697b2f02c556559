"""Provider-neutral request and stream-event types.

Conversation history is kept as OpenAI Responses API input items (plain JSON dicts such as
``{"type": "message", "role": "user", "content": [...]}``, ``{"type": "function_call", ...}``,
``{"type": "function_call_output", "call_id", "output"}``) because that is the richest of the
wire formats; other wire APIs convert from it. Format: OpenAI Responses API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from tandem.protocol import JsonDict


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts of one response (or a sum of several). All values are token counts."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_output_tokens + other.reasoning_output_tokens,
            self.total_tokens + other.total_tokens,
        )

    @classmethod
    def from_responses(cls, usage: JsonDict | None) -> TokenUsage:
        """Read a Responses API ``usage`` object (missing fields count as 0)."""
        if not usage:
            return cls()
        inp = int(usage.get("input_tokens") or 0)
        out = int(usage.get("output_tokens") or 0)
        return cls(
            input_tokens=inp,
            cached_input_tokens=int((usage.get("input_tokens_details") or {}).get("cached_tokens") or 0),
            output_tokens=out,
            reasoning_output_tokens=int((usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0),
            total_tokens=int(usage.get("total_tokens") or inp + out),
        )


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One sampling request.

    Attributes:
        model: model slug, e.g. ``gpt-5.5``.
        instructions: the base instructions (system prompt); identical for every request of a thread.
        input: the whole conversation so far as Responses input items.
        tools: tool definitions in Responses API form (``{"type": "function", ...}`` / ``{"type": "custom", ...}``).
        prompt_cache_key: cache routing key; Tandem uses the thread id.
        reasoning_effort, reasoning_summary: ``None`` leaves the provider default.
        tool_choice: ``"auto"``, or ``"none"`` for requests that must answer in text (summaries).
        output_schema: a JSON Schema (an object) the final answer must follow (``tandem exec
            --output-schema``); each wire format sends it its own way (Responses ``text.format``, Chat
            Completions ``response_format``, Anthropic ``output_config.format``). ``None``: free text.
    """

    model: str
    instructions: str
    input: list[JsonDict]
    tools: list[JsonDict]
    prompt_cache_key: str | None = None
    reasoning_effort: str | None = None
    reasoning_summary: str | None = None
    parallel_tool_calls: bool = True
    tool_choice: str = "auto"
    output_schema: JsonDict | None = None


OUTPUT_SCHEMA_NAME = "codex_output_schema"
"""The name a structured-output schema is sent under (Codex's, docs/reference-facts.md §5)."""


@dataclass(frozen=True, slots=True)
class ResponseCreated:
    """The provider accepted the request; ``response_id`` may be empty."""

    response_id: str


@dataclass(frozen=True, slots=True)
class OutputItemAdded:
    """An output item started (its final form comes with :class:`OutputItemDone`)."""

    item: JsonDict
    output_index: int


@dataclass(frozen=True, slots=True)
class OutputTextDelta:
    """A piece of assistant message text."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class ReasoningSummaryDelta:
    """A piece of a reasoning summary; ``summary_index`` counts the summary parts of the item."""

    item_id: str
    delta: str
    summary_index: int = 0


@dataclass(frozen=True, slots=True)
class ReasoningTextDelta:
    """A piece of raw reasoning text (open-weight models send it)."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class ToolCallInputDelta:
    """A piece of a function call's arguments or a custom tool call's input."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class OutputItemDone:
    """A complete output item, exactly as the provider shaped it (Responses item JSON)."""

    item: JsonDict
    output_index: int


@dataclass(frozen=True, slots=True)
class ResponseCompleted:
    """The response finished; nothing else follows."""

    response_id: str
    usage: TokenUsage = field(default_factory=TokenUsage)


ModelEvent = (
    ResponseCreated
    | OutputItemAdded
    | OutputTextDelta
    | ReasoningSummaryDelta
    | ReasoningTextDelta
    | ToolCallInputDelta
    | OutputItemDone
    | ResponseCompleted
)


class ModelClient(Protocol):
    """What the agent loop needs from a provider."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Send ``request`` and yield its events; the last one is :class:`ResponseCompleted`.

        Raises:
            tandem.errors.ModelError: any failure; ``retryable`` says whether to try again.
        """
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
