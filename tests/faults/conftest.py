"""Fault injection for every wire format: a thread in-process, the scripted model server on 127.0.0.1
speaking Responses, Chat Completions or Anthropic Messages (the ``wire_api`` parameter)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.agent.thread import Thread
from tandem.config import CliOverrides, load_config
from tandem.model.factory import create_client
from tandem.protocol.enums import ApprovalPolicy
from tandem.testing import ScriptedModelServer
from tandem.tools.catalog import default_tools

from fault_harness import WIRE_APIS, Harness, Maker


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
        config = load_config(
            workspace, CliOverrides(approval_policy=ApprovalPolicy.NEVER, config_overrides=tuple(overrides))
        )
        client = create_client(config, os.environ["OPENAI_API_KEY"])
        thread = Thread.create(config, client, default_tools(config))
        threads.append(thread)
        return Harness(thread, server, config)

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
