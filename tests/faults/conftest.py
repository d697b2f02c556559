"""Fault injection for every wire format: a thread in-process, the scripted model server on 127.0.0.1
speaking Responses, Chat Completions or Anthropic Messages (the ``wire_api`` parameter)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.agent.thread import Thread
from tandem.config import CliOverrides
from tandem.protocol.enums import ApprovalPolicy
from tandem.testing import ScriptedModelServer

from fault_harness import WIRE_APIS, Harness, Maker
from helpers import thread_manager


@pytest.fixture(params=WIRE_APIS)
def wire_api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(wire_api: str, workspace: Path, tandem_home: Path) -> Iterator[Maker]:
    """make(responses, *, port=None, serve=True, **provider_keys) -> Harness on this test's wire format."""
    servers: list[ScriptedModelServer] = []
    threads: list[Thread] = []

    def make(
        responses: list[dict[str, Any]], *, port: int | None = None, serve: bool = True, **provider: Any
    ) -> Harness:
        server = ScriptedModelServer({"responses": responses}, port=port or 0).start() if serve else None
        if server is not None:
            servers.append(server)
        base_url = server.base_url if server is not None else f"http://127.0.0.1:{port}/v1"
        keys = {
            "base_url": base_url,
            "wire_api": wire_api,
            "env_key": "OPENAI_API_KEY",
            "request_max_retries": 4,
            "stream_max_retries": 5,
            **provider,
        }
        overrides = ['model_provider="scripted"', 'model="scripted-model"']
        overrides += [f"model_providers.scripted.{k}={_toml(v)}" for k, v in keys.items()]
        cli = CliOverrides(approval_policy=ApprovalPolicy.NEVER, config_overrides=tuple(overrides))
        thread = thread_manager(workspace, cli).create()
        threads.append(thread)
        return Harness(thread, server, thread.config)

    yield make
    for thread in threads:
        thread.close()
    for server in servers:
        server.stop()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
