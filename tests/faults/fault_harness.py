"""The fault suite's harness: a thread on one wire format, and the checks that must hold after any fault."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tandem.agent.events import Event, ItemCompleted, StreamRetrying
from tandem.agent.thread import Thread
from tandem.config import Config
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import TextInput, Turn
from tandem.sessions.rollout import read_rollout
from tandem.testing import ScriptedModelServer

WIRE_APIS = ("responses", "chat", "anthropic")
CALL_TYPES = ("function_call", "custom_tool_call")
OUTPUT_TYPES = ("function_call_output", "custom_tool_call_output")


def free_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Harness:
    """A thread on one wire format, recording every event it emits."""

    def __init__(self, thread: Thread, server: ScriptedModelServer | None, config: Config) -> None:
        self.thread = thread
        self.server = server
        self.config = config
        self.events: list[Event] = []
        thread.subscribe(self.events.append)

    async def turn(self, text: str) -> Turn:
        return await self.thread.run_turn([TextInput(text=text)])

    def retries(self) -> list[StreamRetrying]:
        return [e for e in self.events if isinstance(e, StreamRetrying)]

    def completed(self, kind: type) -> list[Any]:
        return [e.item for e in self.events if isinstance(e, ItemCompleted) and isinstance(e.item, kind)]

    def assert_consistent(self) -> None:
        """No half items, every call answered exactly once after it, and the rollout says the same."""
        history = self.thread.history
        calls = [item["call_id"] for item in history if item.get("type") in CALL_TYPES]
        outputs = [item["call_id"] for item in history if item.get("type") in OUTPUT_TYPES]
        assert sorted(calls) == sorted(outputs) and len(set(calls)) == len(calls), (calls, outputs)
        for index, item in enumerate(history):
            if item.get("type") in CALL_TYPES:
                assert any(
                    o.get("call_id") == item["call_id"] for o in history[index + 1 :] if o.get("type") in OUTPUT_TYPES
                )
            if item.get("type") == "message" and item.get("role") == "assistant":
                assert all(part.get("text") for part in item["content"]), item  # no empty, half-built message
        assert self.thread.info.path is not None
        assert read_rollout(Path(self.thread.info.path)).items == history

    async def assert_next_turn_works(self, expected_text: str = "next turn ok") -> None:
        turn = await self.turn("and now?")
        assert turn.status is TurnStatus.COMPLETED, turn.error
        self.assert_consistent()
        answers = [m for m in self.thread.history if m.get("role") == "assistant" and m.get("type") == "message"]
        assert answers[-1]["content"][0]["text"] == expected_text


Maker = Callable[..., Harness]
