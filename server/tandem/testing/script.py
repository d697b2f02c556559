"""The scripted model server's script: pydantic models, validation and loading.

A script is a JSON object; the Nth model request the server receives is answered with
``responses[N-1]``. Shape (every field except ``responses`` is optional)::

    {"model": "scripted-demo",                 # advertised by GET /v1/models
     "repeat_last": false,                     # replay the last response when the script runs out
     "description": "free text",
     "responses": [
       {"output": [OutputItem, ...],           # expanded into the wire format's stream events
        "usage": {"input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens"},
        "delay_ms": 0,                         # time to first output (after the first event)
        "chunk_delay_ms": 0,                   # pause between consecutive events
        "fault": Fault,                        # see the *Fault classes
        "events": [{"type": ...}, "raw SSE text", ...],   # instead of output: streamed verbatim
        "model": "...", "id": "...", "description": "..."}]}

OutputItem is ``reasoning{summary, text?, encrypted_content?}``, ``message{text}``,
``function_call{name, arguments, call_id?}`` or ``custom_tool_call{name, input, call_id?}``
(all may carry ``id``). Unknown fields are rejected so that typos fail loudly; errors are raised as
:class:`ScriptError` naming the bad field, e.g. ``responses[0].output[1].function_call.name``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ScriptError(ValueError):
    """A script could not be read or is invalid; the message names the source and the bad field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- output items ----------------------------------------------------------------------------


class ReasoningItem(_Strict):
    """A reasoning item: ``summary`` (one string, or a list = several summary parts), optional raw
    ``text`` (sent as ``content: [{type: reasoning_text}]``) and ``encrypted_content``."""

    type: Literal["reasoning"]
    summary: str | list[str] = ""
    text: str | None = None
    encrypted_content: str | None = None
    id: str | None = None

    @property
    def summary_parts(self) -> list[str]:
        """The summary as a list of parts (an empty string means no part)."""
        if isinstance(self.summary, str):
            return [self.summary] if self.summary else []
        return list(self.summary)


class MessageItem(_Strict):
    """An assistant message with one ``output_text`` part."""

    type: Literal["message"]
    text: str
    id: str | None = None


class FunctionCallItem(_Strict):
    """A function tool call. ``arguments`` is a JSON object (serialized compactly on the wire) or a
    string sent verbatim (so a test can script malformed arguments)."""

    type: Literal["function_call"]
    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    call_id: str | None = None
    id: str | None = None

    @property
    def arguments_json(self) -> str:
        """The arguments as the string the wire carries."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":"))


class CustomToolCallItem(_Strict):
    """A custom (free-form input) tool call, e.g. Codex's ``apply_patch``."""

    type: Literal["custom_tool_call"]
    name: str = Field(min_length=1)
    input: str
    call_id: str | None = None
    id: str | None = None


OutputItem = Annotated[ReasoningItem | MessageItem | FunctionCallItem | CustomToolCallItem, Field(discriminator="type")]


class ScriptedUsage(_Strict):
    """Token usage to report; a field left out is computed (see :mod:`tandem.testing.usage`)."""

    input_tokens: int | None = Field(default=None, ge=0)
    cached_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    reasoning_tokens: int | None = Field(default=None, ge=0)


# --- faults ----------------------------------------------------------------------------------


class HttpErrorFault(_Strict):
    """Answer with ``status`` and no stream. ``body``: any JSON value (sent as application/json), a
    string (sent as text/plain, like a proxy's HTML page) or ``None`` (a provider-shaped error:
    ``error`` names what went wrong in provider-neutral terms — ``context_length_exceeded`` or
    ``insufficient_quota`` — and each wire format words it as its provider does; ``message``
    overrides the text). ``headers`` are sent in every case (e.g. ``Retry-After``)."""

    kind: Literal["http_error"]
    status: int = Field(default=500, ge=200, le=599)
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict)
    error: Literal["context_length_exceeded", "insufficient_quota"] | None = None
    message: str | None = None


class DisconnectFault(_Strict):
    """Reset the connection after ``after_events`` events (no final event, no end of body)."""

    kind: Literal["disconnect"]
    after_events: int = Field(default=0, ge=0)


class StallFault(_Strict):
    """Send ``after_events`` events, then nothing for ``seconds`` (ended early by ``stop()``), then
    reset the connection."""

    kind: Literal["stall"]
    after_events: int = Field(default=0, ge=0)
    seconds: float = Field(default=30.0, ge=0)


class ResponseFailedFault(_Strict):
    """Stream ``response.created`` (and any scripted output), then ``response.failed``."""

    kind: Literal["response_failed"]
    code: str = "server_error"
    message: str = "The scripted model server reported a failure."


class IncompleteFault(_Strict):
    """End the stream with ``response.incomplete`` carrying ``incomplete_details.reason``."""

    kind: Literal["incomplete"]
    reason: str = "max_output_tokens"


class NoCompletedFault(_Strict):
    """Send every event except the final ``response.completed``, then end the body cleanly."""

    kind: Literal["no_completed"]


class MalformedJsonFault(_Strict):
    """Insert an event whose ``data:`` line is broken JSON after ``after_events`` events."""

    kind: Literal["malformed_json"]
    after_events: int = Field(default=0, ge=0)


class UnknownEventFault(_Strict):
    """Insert an event of a type no provider sends after ``after_events`` events and go on (clients
    must ignore it): ``event: tandem.scripted.unknown`` with ``{"type": "tandem.scripted.unknown"}``."""

    kind: Literal["unknown_event"]
    after_events: int = Field(default=0, ge=0)


Fault = Annotated[
    HttpErrorFault
    | DisconnectFault
    | StallFault
    | ResponseFailedFault
    | IncompleteFault
    | NoCompletedFault
    | MalformedJsonFault
    | UnknownEventFault,
    Field(discriminator="kind"),
]

_RAW_EVENT_FAULTS = ("disconnect", "stall", "malformed_json")


class ScriptedResponse(_Strict):
    """One scripted answer (see the module docstring for the fields)."""

    output: list[OutputItem] = Field(default_factory=list)
    events: list[dict[str, Any] | str] | None = None
    usage: ScriptedUsage | None = None
    delay_ms: float = Field(default=0, ge=0)
    chunk_delay_ms: float = Field(default=0, ge=0)
    fault: Fault | None = None
    model: str | None = None
    id: str | None = None
    description: str | None = None

    @field_validator("events")
    @classmethod
    def _events_have_types(cls, events: list[dict[str, Any] | str] | None) -> list[dict[str, Any] | str] | None:
        for index, event in enumerate(events or []):
            if isinstance(event, dict) and not isinstance(event.get("type"), str):
                raise ValueError(f"events[{index}] needs a string 'type' (a raw string is sent verbatim)")
        return events

    @model_validator(mode="after")
    def _consistent(self) -> ScriptedResponse:
        kind = self.fault.kind if self.fault is not None else None
        if self.events is not None and self.output:
            raise ValueError("give either 'output' or raw 'events', not both")
        if self.events is not None and kind is not None and kind not in _RAW_EVENT_FAULTS:
            raise ValueError(
                f"fault '{kind}' cannot be combined with raw 'events' (script those events "
                f"yourself); raw events allow {', '.join(_RAW_EVENT_FAULTS)}"
            )
        if kind == "http_error" and (self.output or self.events is not None):
            raise ValueError("an 'http_error' fault sends no stream: remove 'output'/'events'")
        return self


class Script(_Strict):
    """A whole script: ``responses`` answered in order, optional ``repeat_last`` and ``model``."""

    responses: list[ScriptedResponse]
    repeat_last: bool = False
    model: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _repeatable(self) -> Script:
        if self.repeat_last and not self.responses:
            raise ValueError("'repeat_last' needs at least one response")
        return self

    def model_names(self, default: str = "scripted-model") -> list[str]:
        """Model names the script mentions (script-level first), or ``[default]``."""
        names = [self.model] if self.model else []
        names += [r.model for r in self.responses if r.model and r.model not in names]
        return names or [default]


# --- loading ---------------------------------------------------------------------------------


def _field_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<script>"


def _describe(error: ValidationError) -> str:
    lines = [f"  {_field_path(e['loc'])}: {e['msg']}" for e in error.errors()]
    return "\n".join(lines)


def load_script(source: Script | Mapping[str, Any] | str | Path, *, origin: str | None = None) -> Script:
    """Read and validate a script.

    Args:
        source: a :class:`Script`; a mapping; a string holding JSON (it starts with ``{`` or ``[``)
            or else naming a file; or a :class:`~pathlib.Path` to a JSON file.
        origin: name used in error messages (default: the file name or ``<script>``).

    Raises:
        ScriptError: unreadable file, invalid JSON or a field that does not validate; the message
            lists each bad field as a path such as ``responses[2].fault.status``.
    """
    if isinstance(source, Script):
        return source
    data: Any = source
    if isinstance(source, str) and source.lstrip()[:1] not in ("{", "["):
        if not Path(source).is_file():
            raise ScriptError(f"script is neither JSON text nor an existing file: {source[:80]!r}")
        source = Path(source)
    if isinstance(source, Path):
        origin = origin or str(source)
        try:
            data = source.read_text("utf-8")
        except OSError as exc:
            raise ScriptError(f"cannot read script {origin}: {exc.strerror or exc}") from exc
    origin = origin or "<script>"
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ScriptError(
                f"script {origin} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from exc
    if not isinstance(data, Mapping):
        raise ScriptError(f"script {origin} must be a JSON object with a 'responses' list")
    try:
        return Script.model_validate(dict(data))
    except ValidationError as exc:
        count = exc.error_count()
        raise ScriptError(
            f"invalid script {origin} ({count} error{'s' if count > 1 else ''}):\n{_describe(exc)}"
        ) from exc
