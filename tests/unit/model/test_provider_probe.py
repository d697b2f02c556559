"""The provider check behind `tandem doctor`: real HTTP servers on 127.0.0.1, no mocks."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tandem.config import ProviderInfo
from tandem.config_enums import AuthScheme, WireApi
from tandem.model.probe import ProbeResult, is_local, models_url, probe_provider, render
from tandem.testing import ScriptedModelServer

KEY = "sk-probe-7f3a9c1e5b-VERY-SECRET"


def provider(base_url: str, pid: str = "custom", **extra: Any) -> ProviderInfo:
    return ProviderInfo(
        pid,
        extra.pop("name", pid.title()),
        base_url,
        extra.pop("env_key", "PROBE_KEY"),
        extra.pop("wire_api", WireApi.RESPONSES),
        **extra,
    )


def rendered(result: ProbeResult) -> str:
    out = io.StringIO()
    render(result, out)
    return out.getvalue()


@pytest.fixture
def http_server() -> Iterator[Callable[..., str]]:
    """Start a server answering every GET with (status, body) and every POST with ``post_status`` and a
    JSON error; returns its /v1 base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, body: dict[str, Any] | str, post_status: int = 400) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(post_status, {"error": {"message": "not here"}})

            def do_GET(self) -> None:
                self._answer(status, body)

            def _answer(self, status: int, body: dict[str, Any] | str) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_lists_models_with_the_providers_headers_and_query() -> None:
    script = {"model": "gpt-5.5", "responses": [{"model": "gpt-5.5-mini", "output": []}]}
    with ScriptedModelServer(script) as server:
        p = provider(
            server.base_url,
            env_http_headers={"X-Route": "PROBE_ROUTE"},
            http_headers={"X-Team": "core"},
            query_params={"api-version": "2025-04-01-preview"},
        )
        result = await probe_provider(p, "gpt-5.5", {"PROBE_KEY": KEY, "PROBE_ROUTE": "eu-1"})
        request, wire = server.requests
    assert result.ok and result.reachable and result.status == 200
    assert result.models == ("gpt-5.5", "gpt-5.5-mini") and result.model_listed is True
    assert request.method == "GET" and request.path == "/v1/models?api-version=2025-04-01-preview"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert (request.headers["x-route"], request.headers["x-team"]) == ("eu-1", "core")
    # The wire API's endpoint is there: an empty body is refused (400), nothing is generated.
    assert (wire.method, wire.path, wire.body) == ("POST", "/v1/responses?api-version=2025-04-01-preview", {})
    assert wire.headers["authorization"] == f"Bearer {KEY}"
    assert result.wire_status == 400 and not result.wire_missing
    text = rendered(result)
    assert "reachable:    yes, HTTP 200" in text and "models:       gpt-5.5, gpt-5.5-mini" in text
    assert "model:        gpt-5.5: listed" in text and "PROBE_KEY is set" in text
    assert "wire api:     present: POST " in text and "-> HTTP 400" in text
    assert KEY not in text


async def test_auth_schemes_and_anthropic_version_header() -> None:
    with ScriptedModelServer({"responses": []}) as server:
        await probe_provider(provider(server.base_url, auth_scheme=AuthScheme.API_KEY_HEADER), "m", {"PROBE_KEY": KEY})
        await probe_provider(
            provider(server.base_url, wire_api=WireApi.ANTHROPIC, auth_scheme=AuthScheme.X_API_KEY),
            "m",
            {"PROBE_KEY": KEY},
        )
        azure, anthropic = (r for r in server.requests if r.method == "GET")
    assert azure.headers["api-key"] == KEY and "authorization" not in azure.headers
    assert anthropic.headers["x-api-key"] == KEY and anthropic.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in anthropic.headers


async def test_model_missing_from_the_list_gets_a_hint() -> None:
    with ScriptedModelServer({"model": "llama3.2", "responses": []}) as server:
        result = await probe_provider(provider(server.base_url, pid="ollama", env_key=None), "gpt-oss:20b", {})
    assert result.ok and result.model_listed is False
    text = rendered(result)
    assert "gpt-oss:20b: NOT listed" in text and "ollama pull gpt-oss:20b" in text
    assert "api key:      none" in text


async def test_connection_refused_on_a_local_preset_says_how_to_start_it() -> None:
    port = closed_port()
    result = await probe_provider(
        provider(f"http://127.0.0.1:{port}/v1", pid="ollama", env_key=None), "gpt-oss:20b", {}
    )
    assert not result.reachable and not result.ok and result.status is None
    assert result.error == "connection refused" and "ollama serve" in (result.hint or "")
    text = rendered(result)
    assert "reachable:    no (connection refused)" in text and "`ollama serve`" in text
    lmstudio = await probe_provider(provider(f"http://localhost:{port}/v1", pid="lmstudio", env_key=None), "m", {})
    assert "LM Studio" in (lmstudio.hint or "")


async def test_unauthorized_names_the_variable_and_never_shows_the_key(http_server) -> None:  # type: ignore[no-untyped-def]
    base = http_server(401, {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}})
    result = await probe_provider(provider(base), "m", {"PROBE_KEY": KEY})
    assert result.reachable and not result.ok and result.status == 401
    text = rendered(result)
    assert KEY not in text and KEY not in repr(result)
    assert "HTTP 401: Incorrect API key provided: [REDACTED]." in text
    assert "refused the key in PROBE_KEY" in text
    unset = await probe_provider(provider(base), "m", {})
    assert unset.hint == "the provider wants a key: set PROBE_KEY" and "PROBE_KEY is NOT set" in rendered(unset)


@pytest.mark.parametrize(("status", "words"), [(404, "/v1"), (500, "try again later"), (429, "quota")])
async def test_other_statuses_have_hints(http_server, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    result = await probe_provider(provider(http_server(status, "<html>nope</html>")), "m", {"PROBE_KEY": KEY})
    assert result.status == status and not result.ok and words in (result.hint or "")
    assert result.error == f"HTTP {status}: <html>nope</html>"


async def test_no_answer_in_time() -> None:
    with socket.socket() as listener:  # accepts (kernel backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        result = await probe_provider(provider(f"http://127.0.0.1:{port}/v1", pid="vllm"), "m", {}, timeout_s=0.3)
    assert not result.reachable and result.error == "no answer within 0.3 s"
    assert "vllm serve" in (result.hint or "")


async def test_a_server_without_the_wire_endpoint_fails_with_advice(http_server) -> None:  # type: ignore[no-untyped-def]
    base = http_server(200, {"object": "list", "data": [{"id": "gpt-oss:20b"}]}, post_status=404)
    old_ollama = await probe_provider(provider(base, pid="ollama", env_key=None), "gpt-oss:20b", {})
    assert old_ollama.listed_ok and old_ollama.wire_missing and not old_ollama.ok
    assert old_ollama.model_listed is True
    text = rendered(old_ollama)
    assert f"wire api:     missing: POST {base}/responses (empty body) -> HTTP 404" in text
    assert "added in Ollama 0.13.3" in text and 'model_providers.ollama.wire_api="chat"' in text
    chat_only = await probe_provider(provider(base, pid="gw", wire_api=WireApi.CHAT), "m", {})
    assert chat_only.wire_url == f"{base}/chat/completions" and chat_only.wire_missing
    assert 'wire_api = "chat"' in (chat_only.hint or "")


def test_helpers() -> None:
    assert is_local("http://localhost:11434/v1") and is_local("http://127.0.0.2:1/v1") and is_local("http://[::1]:8/")
    assert not is_local("https://api.openai.com/v1")
    azure = provider("https://r.openai.azure.com/openai", query_params={"api-version": "2025-04-01-preview"})
    assert models_url(azure) == "https://r.openai.azure.com/openai/models?api-version=2025-04-01-preview"
