"""Fixtures for the scripted model server tests: a server factory and an SSE reader.

Format read here: WHATWG Server-Sent Events (``event:`` / ``data:`` lines, blank line ends an event),
as the OpenAI Responses API streams them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tandem.testing import ScriptedModelServer

Event = tuple[str | None, str]


class SSE:
    """Parse Server-Sent Events from text or from a live httpx response."""

    @staticmethod
    def iter_events(lines: Iterator[str]) -> Iterator[Event]:
        """Yield ``(event, data)`` as soon as each event's blank line arrives."""
        name: str | None = None
        data: list[str] = []
        for line in lines:
            if line == "":
                if name is not None or data:
                    yield name, "\n".join(data)
                name, data = None, []
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))

    def parse(self, text: str) -> list[Event]:
        """All events of a complete body."""
        return list(self.iter_events(iter(text.split("\n"))))

    def json_events(self, text: str) -> list[dict[str, Any]]:
        """All events of a complete body, data parsed as JSON (and checked against ``event:``)."""
        out = []
        for name, data in self.parse(text):
            payload = json.loads(data)
            assert payload["type"] == name
            out.append(payload)
        return out

    def stream(self, response: httpx.Response) -> Iterator[Event]:
        """Events of a streamed httpx response, as they arrive."""
        return self.iter_events(response.iter_lines())


@pytest.fixture
def sse() -> SSE:
    return SSE()


@pytest.fixture
def make_server() -> Iterator[Callable[[Any], ScriptedModelServer]]:
    """Start a server for a script; every server is stopped at teardown."""
    servers: list[ScriptedModelServer] = []

    def factory(script: Any) -> ScriptedModelServer:
        server = ScriptedModelServer(script).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as http:
        yield http


def responses_body(input_items: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal Responses API request body."""
    return {
        "model": "test-model",
        "instructions": "You are a test.",
        "input": input_items or [],
        "tools": [],
        "stream": True,
        **extra,
    }


@pytest.fixture
def body() -> Callable[..., dict[str, Any]]:
    return responses_body
