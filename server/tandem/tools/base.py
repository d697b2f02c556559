"""What a tool is, what it is called with, and what the agent loop provides to it.

A model's tool call (Responses ``function_call`` or ``custom_tool_call``) becomes a
:class:`ToolCall`; the tool returns a :class:`ToolOutput`, which goes back to the model as
``function_call_output`` / ``custom_tool_call_output`` with the same ``call_id``. Tool errors are
outputs too (``success=False``): only fatal errors end a turn (docs/reference-facts.md §1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

from tandem.config import Config
from tandem.errors import ToolError
from tandem.patch.applier import FileChange
from tandem.patch.workspace import Workspace
from tandem.protocol import JsonDict
from tandem.protocol.enums import SandboxMode
from tandem.protocol.items import Item, PlanStep
from tandem.sandbox.policy import SandboxPolicy
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse, HunkState, SessionApprovals


class CallKind(Enum):
    """How the model called the tool: JSON arguments or freeform input."""

    FUNCTION = "function_call"
    CUSTOM = "custom_tool_call"


class Concurrency(Enum):
    """Whether a tool may run beside other calls of the same response."""

    PARALLEL = "parallel"
    SERIAL = "serial"


class Effect(Enum):
    """Whether a tool may change files (mutating tools trigger the turn's checkpoint first)."""

    READ_ONLY = "read-only"
    MUTATING = "mutating"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call from the model.

    Attributes:
        call_id: the provider's ``call_id``; the output must carry it back.
        name: tool name as the model wrote it.
        kind: function (``payload`` is a JSON object string) or custom (``payload`` is raw input).
        payload: the arguments JSON or the freeform input text.
    """

    call_id: str
    name: str
    kind: CallKind
    payload: str

    def arguments(self) -> JsonDict:
        """The JSON arguments of a function call.

        Raises:
            ToolError: the arguments are not a JSON object (the message is for the model).
        """
        try:
            value = json.loads(self.payload or "{}")
        except ValueError as exc:
            raise ToolError(f"failed to parse function arguments for {self.name}: {exc}") from exc
        if not isinstance(value, dict):
            raise ToolError(f"arguments for {self.name} must be a JSON object")
        return value

    def output_item(self, output: ToolOutput) -> JsonDict:
        """The Responses input item carrying ``output`` back to the model."""
        kind = "function_call_output" if self.kind is CallKind.FUNCTION else "custom_tool_call_output"
        return {"type": kind, "call_id": self.call_id, "output": output.text}


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """What the model sees after its call. ``success`` is for surfaces and statistics; ``followups``
    are input items recorded right after the output (e.g. the image ``view_image`` attaches)."""

    text: str
    success: bool = True
    followups: tuple[JsonDict, ...] = ()


class ToolHost(Protocol):
    """What the agent loop gives a running tool: identity, settings, events and the user."""

    @property
    def thread_id(self) -> str: ...

    @property
    def turn_id(self) -> str: ...

    @property
    def cwd(self) -> Path: ...

    @property
    def config(self) -> Config: ...

    @property
    def workspace(self) -> Workspace: ...

    @property
    def session_approvals(self) -> SessionApprovals: ...

    def new_item_id(self) -> str:
        """A fresh item id."""
        ...

    def sandbox_policy(self, mode: SandboxMode | None = None) -> SandboxPolicy:
        """The sandbox policy for commands of this thread (``mode`` overrides the configured one)."""
        ...

    def item_started(self, item: Item) -> None: ...

    def item_updated(self, item: Item) -> None: ...

    def item_completed(self, item: Item) -> None: ...

    def command_output(self, item_id: str, delta: str) -> None: ...

    def plan_updated(self, steps: list[PlanStep], explanation: str | None) -> None: ...

    def files_changed(
        self, item_id: str, changes: Sequence[FileChange], cwd: Path, *, state: HunkState = HunkState.PENDING
    ) -> None:
        """Report changes item ``item_id`` committed (for the turn diff, review and undo); ``state``: the
        review state their hunks start in (``accepted`` when the user approved them explicitly)."""
        ...

    async def request_approval(self, request: ApprovalRequest) -> ApprovalResponse:
        """Ask the user; returns their decision (``cancel`` interrupts the turn)."""
        ...

    async def before_mutation(self) -> None:
        """Called before a mutating tool runs: the turn takes its checkpoint the first time."""
        ...


class Tool(Protocol):
    """A tool the model can call."""

    @property
    def name(self) -> str: ...

    @property
    def concurrency(self) -> Concurrency: ...

    @property
    def effect(self) -> Effect: ...

    def spec(self) -> JsonDict:
        """The tool's definition in Responses API form."""
        ...

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Run the call.

        Raises:
            ToolError: the call cannot run as asked; the message goes back to the model.
            TurnCancelled: the user cancelled the turn at an approval prompt.
        """
        ...


def function_spec(name: str, description: str, properties: JsonDict, required: list[str]) -> JsonDict:
    """A function tool's definition in Responses API form (``{type: "function", name, description,
    strict: false, parameters: <JSON Schema object>}``), with the key order every request repeats
    byte for byte (prompt cache). Format: OpenAI Responses API function tools, as Codex sends them.
    """
    return {
        "type": "function",
        "name": name,
        "description": description,
        "strict": False,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
    }


def path_argument(raw: str, cwd: Path, what: str) -> Path:
    """A tool's path argument ``raw``, ``~`` expanded, made absolute against ``cwd``.

    Args:
        what: how the error names the argument, e.g. ``"read_file: 'file_path'"``.

    Raises:
        ToolError: ``raw`` contains a NUL byte (no file can be named so; the OS calls would raise).
    """
    if "\0" in raw:
        raise ToolError(f"{what} contains a NUL byte (\\0); no file path can contain one")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else cwd / path
