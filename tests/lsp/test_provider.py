"""``tandem/provider/status`` and ``tandem/provider/test``: the first-run setup view's server side, over LSP."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tandem.lsp.handlers.provider import SETUP_ORDER
from tandem.protocol import methods
from tandem.testing import ScriptedModelServer

from fake_editor import FakeEditor, start_editor
from helpers import TEST_API_KEY, message, respond

Bare = Callable[..., Any]


@pytest.fixture
async def bare(tandem_home: Path, workspace: Path) -> AsyncIterator[Bare]:
    """start(env_extra, args) -> editor: `tandem lsp` with NO model configured (no OPENAI_* variables) plus
    ``env_extra``, as a first-time user's editor starts it."""
    editors: list[FakeEditor] = []

    async def start(env_extra: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> FakeEditor:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "OPENROUTER_"))}
        editor = await start_editor(workspace, {**env, **(env_extra or {})}, extra_args=args)
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        if not editor.client._stop_event.is_set():
            await editor.client.shutdown_session()
            await editor.client.stop()


@pytest.fixture
def scripted() -> AsyncIterator[ScriptedModelServer]:
    server = ScriptedModelServer({"model": "scripted-first-run", "responses": [respond(message("Hello there."))]})
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_no_key_is_missing_key_with_the_presets_in_setup_order(bare: Bare) -> None:
    editor = await bare()
    status = await editor.request(methods.PROVIDER_STATUS, {})
    assert status["state"] == "missingKey"
    assert (status["provider"], status["envKey"], status["keySet"]) == ("openai", "OPENAI_API_KEY", False)
    assert "OPENAI_API_KEY" in status["error"]
    presets = {p["id"]: p for p in status["presets"]}
    assert [p["id"] for p in status["presets"]] == list(SETUP_ORDER)
    assert presets["anthropic"]["envKey"] == "ANTHROPIC_API_KEY" and presets["anthropic"]["wireApi"] == "anthropic"
    assert presets["openrouter"]["envKey"] == "OPENROUTER_API_KEY" and presets["openrouter"]["requiresKey"]
    assert presets["azure"]["envKey"] == "AZURE_OPENAI_API_KEY" and presets["azure"]["baseUrl"] == ""
    assert presets["ollama"]["baseUrl"] == "http://localhost:11434/v1" and "envKey" not in presets["ollama"]
    assert presets["anthropic"]["defaultModel"].startswith("claude")


async def test_a_key_in_the_environment_is_ready_and_never_echoed(bare: Bare) -> None:
    editor = await bare({"ANTHROPIC_API_KEY": TEST_API_KEY}, ("--provider", "anthropic"))
    status = await editor.request(methods.PROVIDER_STATUS, {})
    assert (status["state"], status["provider"], status["keySet"]) == ("ready", "anthropic", True)
    assert status["model"].startswith("claude") and "error" not in status
    assert TEST_API_KEY not in json.dumps(status)


async def test_a_preset_without_its_base_url_is_a_config_error(bare: Bare) -> None:
    editor = await bare({"AZURE_OPENAI_API_KEY": TEST_API_KEY}, ("--provider", "azure"))
    status = await editor.request(methods.PROVIDER_STATUS, {})
    assert status["state"] == "configError" and "base_url" in status["error"]
    assert "provider" not in status and len(status["presets"]) == len(SETUP_ORDER)


async def test_probe_of_an_openai_compatible_url_lists_the_models(bare: Bare, scripted: ScriptedModelServer) -> None:
    # The key is in the server's environment (where the editor puts it), never in the request.
    editor = await bare({"OPENAI_API_KEY": TEST_API_KEY})
    params = {"provider": "openai", "baseUrl": scripted.base_url, "model": "scripted-first-run"}
    result = await editor.request(methods.PROVIDER_TEST, params)
    assert result["ok"] is True and result["status"] == 200
    assert result["models"] == ["scripted-first-run"] and result["modelListed"] is True
    assert result["url"] == f"{scripted.base_url}/models" and result["keySet"] is True
    assert "error" not in result and "hint" not in result
    models = next(r for r in scripted.requests if r.method == "GET")
    assert models.path == "/v1/models" and models.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    # A model the server does not list is reported, not failed.
    result = await editor.request(methods.PROVIDER_TEST, {**params, "model": "other"})
    assert result["ok"] is True and result["modelListed"] is False


async def test_probe_of_a_url_where_nothing_listens_says_why(bare: Bare) -> None:
    editor = await bare()
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = await editor.request(methods.PROVIDER_TEST, {"provider": "ollama", "baseUrl": url})
    assert result["ok"] is False and "status" not in result
    assert result["error"] == "connection refused" and "Ollama" in result["hint"]


async def test_probe_reports_a_wrong_url_with_advice(bare: Bare) -> None:
    server = ScriptedModelServer({"responses": []}).start()
    try:
        editor = await bare()
        # A base URL with a wrong path: the models endpoint answers 404, and the hint says what to check.
        result = await editor.request(
            methods.PROVIDER_TEST, {"provider": "vllm", "baseUrl": server.base_url + "/nothing"}
        )
        assert result["ok"] is False and result["status"] == 404 and "base_url" in result["hint"]
    finally:
        server.stop()


async def test_bad_params_are_invalid_params(bare: Bare) -> None:
    editor = await bare()
    with pytest.raises(JsonRpcException) as err:
        await editor.request(methods.PROVIDER_TEST, {"provider": "openai", "baseUrl": "http://x/v1", "wireApi": "soap"})
    assert "wireApi" in str(err.value)
    with pytest.raises(JsonRpcException) as err:
        await editor.request(methods.PROVIDER_TEST, {"provider": "no-such-provider"})
    assert "unknown model provider" in str(err.value)


async def test_the_extension_command_line_for_a_compatible_url_runs_a_turn(
    bare: Bare, scripted: ScriptedModelServer, workspace: Path
) -> None:
    # What the VS Code extension passes after its setup view saved "OpenAI-compatible URL" + a key:
    # --provider openai -c model_providers.openai.base_url="URL" and OPENAI_API_KEY in the environment.
    args = ("--provider", "openai", "--model", "scripted-first-run", "-c",
            f'model_providers.openai.base_url="{scripted.base_url}"')  # fmt: skip
    editor = await bare({"OPENAI_API_KEY": TEST_API_KEY}, args)
    status = await editor.request(methods.PROVIDER_STATUS, {})
    assert (status["state"], status["baseUrl"], status["model"]) == ("ready", scripted.base_url, "scripted-first-run")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]
    await editor.request(methods.TURN_START, {"threadId": thread["id"], "input": [{"type": "text", "text": "hi"}]})
    done = await editor.wait_for(methods.TURN_COMPLETED)
    assert done["turn"]["status"] == "completed"
    deltas = "".join(p["delta"] for m, p in editor.notes if m == methods.AGENT_MESSAGE_DELTA)
    assert deltas == "Hello there."


async def test_a_compatible_url_without_a_key_is_ready(bare: Bare, scripted: ScriptedModelServer) -> None:
    args = ("--provider", "openai", "-c", f'model_providers.openai.base_url="{scripted.base_url}"')
    editor = await bare({}, args)
    status = await editor.request(methods.PROVIDER_STATUS, {})
    assert (status["state"], status["keySet"]) == ("ready", False)
