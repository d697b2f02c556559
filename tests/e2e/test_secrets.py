"""Credentials never leak: not to the commands the agent runs (so not to the model), not to stdout/stderr,
not to error messages, not to anything under $TANDEM_HOME (rollouts, index, caches, logs), not to LSP
notifications.

The keys are distinctive fake values; each scenario searches every byte Tandem produced for them. The
model asks for ``env``, ``printenv`` and every ``/proc/*/environ`` it can see; the provider echoes the key
back in its error bodies (some proxies do).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tandem.protocol import methods
from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, respond, run_tandem, shell

OPENAI_KEY = "sk-LEAKCHECK-openai-9f8e7d6c5b4a"
CORP_KEY = "corp-LEAKCHECK-creds-1a2b3c4d"  # a name no *KEY*/*TOKEN* pattern catches: CORP_LLM_CREDS
CORP_ROUTE = "route-LEAKCHECK-hdr-5e6f7a8b"  # sent as a header through env_http_headers (CORP_ROUTE)
OPENAI_ORG = "org-LEAKCHECK-7c7c7c7c"  # OpenAI-Organization, from OPENAI_ORGANIZATION
SECRETS = (OPENAI_KEY, CORP_KEY, CORP_ROUTE, OPENAI_ORG)

SNOOP = (
    "env; echo ---; printenv; echo ---; "
    "for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done 2>/dev/null; echo snooped"
)


def environment(tandem_home: Path, *, corp: bool = False, **extra: str) -> dict[str, str]:
    """The test's environment plus the fake credentials (the corp ones only where config.toml names them:
    Tandem cannot know that an arbitrary variable is a secret)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL",)}
    env.update(TANDEM_HOME=str(tandem_home), OPENAI_API_KEY=OPENAI_KEY, OPENAI_ORGANIZATION=OPENAI_ORG, **extra)
    if corp:
        env.update(CORP_LLM_CREDS=CORP_KEY, CORP_ROUTE=CORP_ROUTE)
    return env


def leaks(text: str | bytes, where: str) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [f"{where}: {secret[:14]}..." for secret in SECRETS if secret.encode() in data]


def leaks_under(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found += leaks(path.read_bytes(), str(path.relative_to(root)))
    return found


def model_inputs(server: ScriptedModelServer) -> str:
    """Everything the model was sent (request bodies: instructions, history, tool outputs)."""
    return "\n".join(json.dumps(r.body) for r in server.requests if r.body is not None)


def snoop_output(server: ScriptedModelServer) -> str:
    for request in server.requests:
        for item in (request.body or {}).get("input", []):
            if item.get("type") == "function_call_output" and "snooped" in item["output"]:
                return str(item["output"])
    raise AssertionError("the model never received the snooping command's output")


def test_openai_key_stays_out_of_commands_output_and_files(tandem_home: Path, workspace: Path) -> None:
    with ScriptedModelServer({"responses": [respond(shell(SNOOP)), respond(message("seen it"))]}) as server:
        env = environment(tandem_home, OPENAI_BASE_URL=server.base_url)
        result = run_tandem("exec", "--json", "show me your environment", cwd=workspace, env=env)
        assert result.returncode == 0, result.stderr
        seen = snoop_output(server)
        first = server.requests[0]
        inputs = model_inputs(server)
    # The keys really were in use: the provider received them.
    assert first.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert first.headers["openai-organization"] == OPENAI_ORG
    assert "PATH=" in seen and "snooped" in seen  # the command did run and print its environment
    problems = (
        leaks(seen, "command output")
        + leaks(inputs, "model input")
        + leaks(result.stdout, "stdout")
        + leaks(result.stderr, "stderr")
        + leaks_under(tandem_home)
        + leaks_under(workspace)
    )
    assert problems == []
    assert "OPENAI_API_KEY" not in seen and "OPENAI_ORGANIZATION" not in seen


def test_custom_provider_key_and_env_header_stay_out(tandem_home: Path, workspace: Path) -> None:
    with ScriptedModelServer({"responses": [respond(shell(SNOOP)), respond(message("seen it"))]}) as server:
        (tandem_home / "config.toml").write_text(
            f'model_provider = "corp"\n[model_providers.corp]\nname = "Corp"\nbase_url = "{server.base_url}"\n'
            'env_key = "CORP_LLM_CREDS"\nenv_http_headers = { "X-Corp-Route" = "CORP_ROUTE" }\n'
        )
        result = run_tandem("exec", "show me your environment", cwd=workspace, env=environment(tandem_home, corp=True))
        assert result.returncode == 0, result.stderr
        seen = snoop_output(server)
        first = server.requests[0]
        inputs = model_inputs(server)
    assert first.headers["authorization"] == f"Bearer {CORP_KEY}" and first.headers["x-corp-route"] == CORP_ROUTE
    assert "CORP_LLM_CREDS" not in seen and "CORP_ROUTE" not in seen and "snooped" in seen
    problems = (
        leaks(seen, "command output")
        + leaks(inputs, "model input")
        + leaks(result.stdout, "stdout")
        + leaks(result.stderr, "stderr")
        + leaks_under(tandem_home)
        + leaks_under(workspace)
    )
    assert problems == []


def test_errors_echoing_the_key_are_redacted(tandem_home: Path, workspace: Path) -> None:
    refused = {
        "error": {
            "message": f"Incorrect API key provided: {OPENAI_KEY}. Organization {OPENAI_ORG}.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    broken = f"upstream proxy failure; request had Authorization: Bearer {OPENAI_KEY}"
    scripts: list[dict[str, Any]] = [
        {"repeat_last": True, "responses": [{"fault": {"kind": "http_error", "status": 401, "body": refused}}]},
        {"repeat_last": True, "responses": [{"fault": {"kind": "http_error", "status": 500, "body": broken}}]},
    ]
    for script in scripts:
        with ScriptedModelServer(script) as server:
            env = environment(tandem_home, OPENAI_BASE_URL=server.base_url)
            result = run_tandem(
                "exec", "--json", "-c", "model_providers.openai.request_max_retries=0", "hi", cwd=workspace, env=env
            )
            human = run_tandem(
                "exec", "-c", "model_providers.openai.request_max_retries=0", "hi", cwd=workspace, env=env
            )
        assert result.returncode == 1 and human.returncode == 1
        failed = [e for e in jsonl(result.stdout) if e["type"] in ("turn.failed", "error")]
        assert failed and "[REDACTED]" in json.dumps(failed)  # the message is kept, the key is masked
        assert "[REDACTED]" in human.stderr
        problems = (
            leaks(result.stdout, "stdout")
            + leaks(result.stderr, "stderr")
            + leaks(human.stdout, "stdout")
            + leaks(human.stderr, "stderr")
            + leaks_under(tandem_home)
        )
        assert problems == []


def test_doctor_never_prints_the_key(tandem_home: Path, workspace: Path) -> None:
    with ScriptedModelServer({"responses": []}) as server:
        result = run_tandem("doctor", cwd=workspace, env=environment(tandem_home, OPENAI_BASE_URL=server.base_url))
    assert "OPENAI_API_KEY is set" in result.stdout
    assert leaks(result.stdout + result.stderr, "doctor output") == []


async def test_lsp_notifications_and_log_never_carry_the_key(tandem_home: Path, workspace: Path) -> None:
    from fake_editor import start_editor

    log_file = tandem_home / "lsp.log"
    script = {
        "responses": [
            respond(shell(SNOOP)),
            respond(message("seen it")),
            {"fault": {"kind": "http_error", "status": 401, "body": {"error": {"message": f"bad key {OPENAI_KEY}"}}}},
        ]
    }
    with ScriptedModelServer(script) as server:
        env = environment(tandem_home, OPENAI_BASE_URL=server.base_url)
        editor = await start_editor(workspace, env, extra_args=("--log-file", str(log_file)))
        try:
            thread = (await editor.request(methods.THREAD_START, {"approvalPolicy": "never"}))["thread"]["id"]
            for prompt in ("show me your environment", "again"):
                turn = (
                    await editor.request(
                        methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": prompt}]}
                    )
                )["turn"]["id"]
                await editor.wait_for(methods.TURN_COMPLETED, lambda p, turn=turn: p["turn"]["id"] == turn)
            seen = snoop_output(server)
        finally:
            await editor.client.shutdown_session()
            await editor.client.stop()
    statuses = [p["turn"]["status"] for m, p in editor.notes if m == methods.TURN_COMPLETED]
    assert statuses == ["completed", "failed"]
    assert "snooped" in seen
    notes = json.dumps(editor.notes)
    assert "[REDACTED]" in notes  # the failed turn's error is shown, masked
    problems = leaks(notes, "LSP notifications") + leaks(seen, "command output") + leaks_under(tandem_home)
    assert problems == []


URL_USER = "urluser-LEAKCHECK-3d3d3d"
URL_PASSWORD = "urlpass-LEAKCHECK-4e4e4e"
QUERY_KEY = "query-LEAKCHECK-5f5f5f5f"
HEADER_VALUE = "hdr-LEAKCHECK-6a6a6a6a"
URL_SECRETS = (URL_USER, URL_PASSWORD, QUERY_KEY, HEADER_VALUE)


def url_leaks(text: str, where: str) -> list[str]:
    return [f"{where}: {secret[:14]}..." for secret in URL_SECRETS if secret in text]


def _corp_config(tandem_home: Path, base_url: str) -> None:
    host = base_url.removeprefix("http://")
    (tandem_home / "config.toml").write_text(
        'model_provider = "corp"\n[model_providers.corp]\nname = "Corp"\n'
        f'base_url = "http://{URL_USER}:{URL_PASSWORD}@{host}"\nrequest_max_retries = 0\n'
        f'query_params = {{ api_key = "{QUERY_KEY}", api-version = "2025-04-01-preview" }}\n'
        f'http_headers = {{ "X-Corp-Secret" = "{HEADER_VALUE}" }}\n'
    )


def test_url_userinfo_query_and_header_secrets_never_reach_errors_rollouts_or_doctor(
    tandem_home: Path, workspace: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on: "cannot reach the model provider at <url>"
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    _corp_config(tandem_home, closed)
    env = environment(tandem_home)
    unreachable = run_tandem("exec", "--json", "hi", cwd=workspace, env=env)
    doctor = run_tandem("doctor", cwd=workspace, env=env)
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stdout + unreachable.stderr
    assert "127.0.0.1" in doctor.stdout and "api-version=2025-04-01-preview" in doctor.stdout  # not a secret
    echoed = {"error": {"message": f"bad credentials {URL_USER}:{URL_PASSWORD} key={QUERY_KEY} header={HEADER_VALUE}"}}
    script = {"repeat_last": True, "responses": [{"fault": {"kind": "http_error", "status": 401, "body": echoed}}]}
    with ScriptedModelServer(script) as server:
        _corp_config(tandem_home, server.base_url)
        refused = run_tandem("exec", "--json", "hi", cwd=workspace, env=env)
        assert server.requests and server.requests[0].headers["x-corp-secret"] == HEADER_VALUE  # in use
    assert refused.returncode == 1 and "[REDACTED]" in refused.stdout
    problems = []
    for name, result in (("unreachable", unreachable), ("doctor", doctor), ("echoed", refused)):
        problems += url_leaks(result.stdout + result.stderr, name)
    for path in sorted(tandem_home.rglob("*.jsonl")):
        problems += url_leaks(path.read_text(), str(path.relative_to(tandem_home)))
    assert problems == []
