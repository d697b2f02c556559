"""What a wire format (Responses API, later Chat Completions, Anthropic Messages) must provide.

The HTTP layer is format-neutral: it records the request, picks the wire format by URL path,
asks it to validate the request and to render the scripted response as a list of
:class:`SSEFrame`, then plays the frames (delays and positional faults are applied there). A new
format is a sibling module exposing an object that satisfies :class:`WireFormat`, registered in
``tandem.testing.handler.WIRE_FORMATS``.

Format of a frame: WHATWG "Server-sent events" — ``event: <type>\\n`` (optional) then
``data: <text>\\n`` and a blank line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from tandem.protocol import JsonDict
from tandem.testing.script import ScriptedResponse


def dumps(value: Any) -> str:
    """Compact JSON as providers send it (``{"a":1}``, non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class SSEFrame:
    """One Server-Sent Event, or raw text sent verbatim.

    Attributes:
        data: the ``data:`` text (one line; JSON providers never send newlines in it).
        event: the ``event:`` field, or ``None`` for none.
        raw: when true, ``data`` is the exact text to send (no framing added).
    """

    data: str
    event: str | None = None
    raw: bool = False

    @classmethod
    def json(cls, payload: JsonDict, event: str | None = None) -> SSEFrame:
        """A frame whose data is ``payload`` as compact JSON; ``event`` defaults to its ``type``."""
        kind = event if event is not None else payload.get("type")
        return cls(dumps(payload), kind if isinstance(kind, str) else None)

    def encode(self) -> bytes:
        """The frame's bytes on the wire."""
        if self.raw:
            return self.data.encode("utf-8")
        head = f"event: {self.event}\n" if self.event is not None else ""
        return f"{head}data: {self.data}\n\n".encode()


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Per-request facts a wire format needs to render a scripted response.

    Attributes:
        request_number: 1-based number of the model request (ids are derived from it).
        model: the model name to report.
        input_bytes: size of the request body in bytes.
        cached_prefix_bytes: common prefix (bytes) of this request's cacheable prompt with the
            previous request's, as computed with :meth:`WireFormat.cache_prefix`.
        created_at: Unix time in seconds.
        request: the request body (already validated by :meth:`WireFormat.request_error`).
    """

    request_number: int
    model: str
    input_bytes: int
    cached_prefix_bytes: int
    created_at: int
    request: JsonDict = field(default_factory=dict)


class WireFormat(Protocol):
    """A provider's streaming wire format (see the module docstring)."""

    name: str

    def request_error(self, body: JsonDict | None) -> str | None:
        """Why this request cannot be answered (sent as HTTP 400), or ``None`` when it can."""
        ...

    def cache_prefix(self, body: JsonDict) -> bytes:
        """The bytes a provider's prompt cache would key on, in prompt order."""
        ...

    def render(self, response: ScriptedResponse, ctx: RenderContext) -> list[SSEFrame]:
        """The full event stream for ``response`` (format-specific faults already applied)."""
        ...

    def malformed_frame(self) -> SSEFrame:
        """An event whose ``data:`` line is broken JSON."""
        ...

    def error_body(self, status: int, message: str, code: str | None) -> JsonDict:
        """The provider's JSON error body for an HTTP error."""
        ...
