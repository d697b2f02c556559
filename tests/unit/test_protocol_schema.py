"""The committed protocol schema (which the extension's types are generated from) matches the code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tandem.protocol import methods
from tandem.protocol.schema import METHODS, protocol_schema, schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "editor-extension" / "protocol" / "tandem-protocol.schema.json"


def test_committed_schema_matches_the_code() -> None:
    assert COMMITTED.read_text() == schema_text(), (
        "the protocol changed: run `.venv/bin/tandem protocol schema --out "
        "editor-extension/protocol/tandem-protocol.schema.json` and regenerate the extension's types"
    )


def test_every_method_is_in_the_schema_with_camel_case_fields() -> None:
    names = {value for key, value in vars(methods).items() if key.isupper()}
    assert names == set(METHODS)
    schema = protocol_schema()
    start = schema["$defs"]["TurnStartParams"]
    overrides = {"model", "effort", "approvalPolicy", "sandboxMode"}  # optional, Codex app-server v2's turn/start
    assert set(start["properties"]) == {"threadId", "input", *overrides} and start["required"] == ["threadId", "input"]
    approval = schema["$defs"]["RequestApprovalParams"]["properties"]
    assert {"threadId", "turnId", "itemId", "kind", "command", "changes"} <= set(approval)


def test_cli_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "protocol", "schema"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["x-methods"][methods.TURN_START]["result"] == "TurnResult"
