"""`tandem doctor`'s provider check: the real CLI against the scripted model server and a closed port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from helpers import TEST_API_KEY, run_tandem


def sandbox_only_status(workspace: Path) -> int:
    """Exit status of the sandbox part alone (1 on machines without the full sandbox)."""
    return run_tandem("doctor", "--skip-provider", cwd=workspace).returncode


def test_reachable_provider_lists_its_models(model_server, workspace: Path) -> None:
    server = model_server({"model": "gpt-5.5", "responses": [{"model": "scripted-mini", "output": []}]})
    result = run_tandem("doctor", cwd=workspace)
    assert result.returncode == sandbox_only_status(workspace), result.stdout + result.stderr
    out = result.stdout
    assert "sandbox:" in out  # the sandbox report still comes first
    assert f"provider:     openai (OpenAI)\nendpoint:     GET {server.base_url}/models\n" in out
    assert "api key:      OPENAI_API_KEY is set" in out and "reachable:    yes, HTTP 200" in out
    assert "models:       gpt-5.5, scripted-mini" in out and "model:        gpt-5.5: listed" in out
    assert TEST_API_KEY not in out + result.stderr
    request, wire = server.requests
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    # The Responses endpoint exists (an empty body is refused; the script is not consumed).
    assert (wire.method, wire.path, wire.body) == ("POST", "/v1/responses", {})
    assert f"wire api:     present: POST {server.base_url}/responses (empty body) -> HTTP 400" in out
    # -m looks for another model; a missing one is a hint, not a failure.
    missing = run_tandem("doctor", "-m", "gpt-4.1", cwd=workspace)
    assert "model:        gpt-4.1: NOT listed" in missing.stdout and "hint:" in missing.stdout
    assert missing.returncode == result.returncode


def test_closed_port_is_reported_with_a_hint_and_fails(tandem_home: Path, workspace: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    result = run_tandem("doctor", "--oss", "-c", f'model_providers.ollama.base_url="{url}"', cwd=workspace)
    assert result.returncode == 1
    assert f"provider:     ollama (Ollama)\nendpoint:     GET {url}/models\n" in result.stdout
    assert "reachable:    no (connection refused)" in result.stdout
    assert "hint:         is Ollama running? Start it with `ollama serve`" in result.stdout
    # A custom provider on the same port gets a generic hint; --skip-provider skips the check.
    (tandem_home / "config.toml").write_text(f'[model_providers.box]\nbase_url = "{url}"\n')
    custom = run_tandem("doctor", "--provider", "box", cwd=workspace)
    assert custom.returncode == 1 and f"is the model server running at {url}?" in custom.stdout
    skipped = run_tandem("doctor", "--provider", "box", "--skip-provider", cwd=workspace)
    assert "provider:" not in skipped.stdout


def test_configuration_errors_are_reported(tandem_home: Path, workspace: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AZURE_OPENAI_API_KEY"}
    result = run_tandem("doctor", "--provider", "azure", cwd=workspace, env=env)
    assert result.returncode == 1
    assert "provider:     configuration error: model provider 'azure' needs a base_url" in result.stdout
