"""Shared fixtures: an isolated Tandem home, the scripted model server, and a `tandem` runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.testing import ScriptedModelServer

from helpers import TEST_API_KEY


@pytest.fixture
def tandem_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $TANDEM_HOME and a fake API key; no real endpoint is reachable."""
    home = tmp_path / "tandem-home"
    home.mkdir()
    monkeypatch.setenv("TANDEM_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", TEST_API_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return home


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty project directory (a git-less folder, like many users')."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def model_server(tandem_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ScriptedModelServer]]:
    """Start a scripted model server for a script and point OPENAI_BASE_URL at it."""
    servers: list[ScriptedModelServer] = []

    def start(script: dict[str, Any] | list[dict[str, Any]]) -> ScriptedModelServer:
        if isinstance(script, list):
            script = {"responses": script}
        server = ScriptedModelServer(script).start()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        return server

    yield start
    for server in servers:
        server.stop()
