"""`tandem exec --output-schema` on each wire format, end to end: every request of the turn carries
the schema in that provider's form (the scripted server checks it as the provider would), and the
final message — the model's JSON — is what `-o` and the JSONL `agent_message` hold."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tandem.testing import ScriptedModelServer

from helpers import jsonl, message, respond, run_tandem, shell

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"files": {"type": "integer"}},
    "required": ["files"],
    "additionalProperties": False,
}
WIRES = {
    "responses": ("/v1/responses", lambda body: body["text"]["format"]["schema"]),
    "chat": ("/v1/chat/completions", lambda body: body["response_format"]["json_schema"]["schema"]),
    "anthropic": ("/v1/messages", lambda body: body["output_config"]["format"]["schema"]),
}


@pytest.mark.parametrize("wire", list(WIRES))
def test_the_schema_reaches_every_request_and_the_answer_is_its_json(
    wire: str, tandem_home: Path, workspace: Path
) -> None:
    (workspace / "schema.json").write_text(json.dumps(SCHEMA))
    server = ScriptedModelServer({"responses": [respond(shell("ls | wc -l")), respond(message('{"files":1}'))]}).start()
    try:
        (tandem_home / "config.toml").write_text(
            'model_provider = "scripted"\nmodel = "scripted-model"\n'
            f'[model_providers.scripted]\nbase_url = "{server.base_url}"\nwire_api = "{wire}"\n'
        )
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
        result = run_tandem(
            "exec",
            "--json",
            "--output-schema",
            "schema.json",
            "-o",
            "answer.json",
            "count the files",
            cwd=workspace,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        path, schema_of = WIRES[wire]
        requests = [r for r in server.requests if r.method == "POST"]
        assert len(requests) == 2 and all(r.path == path for r in requests)
        assert all(r.body is not None and schema_of(r.body) == SCHEMA for r in requests)
        final = [e["item"] for e in jsonl(result.stdout) if e["type"] == "item.completed"][-1]
        assert final["type"] == "agent_message" and json.loads(final["text"]) == {"files": 1}
        assert json.loads((workspace / "answer.json").read_text()) == {"files": 1}
    finally:
        server.stop()
