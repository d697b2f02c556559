"""Fixtures for driving `tandem lsp` over stdio with a fake editor and the scripted model server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tandem.testing import ScriptedModelServer

from fake_editor import FakeEditor, start_editor

Starter = Callable[..., Any]


@pytest.fixture
async def lsp(tandem_home: Path, workspace: Path) -> AsyncIterator[Starter]:
    """start(responses, tandem=True, args=()) -> (editor, server): a real server process, a fake editor."""
    started: list[tuple[FakeEditor, ScriptedModelServer]] = []

    async def start(
        responses: list[dict[str, Any]], *, tandem: bool = True, args: tuple[str, ...] = ()
    ) -> tuple[FakeEditor, ScriptedModelServer]:
        server = ScriptedModelServer({"responses": responses}).start()
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url}
        editor = await start_editor(workspace, env, tandem=tandem, extra_args=args)
        started.append((editor, server))
        return editor, server

    yield start
    for editor, server in started:
        try:
            if not editor.client._stop_event.is_set():
                await editor.client.shutdown_session()
                await editor.client.stop()
        finally:
            server.stop()
