"""``python -m tandem.testing``: serve a script as a subprocess, validate scripts."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tandem.testing import RecordedRequest

SCRIPT = {"model": "cli-model", "responses": [{"output": [{"type": "message", "text": "from a subprocess"}]}]}


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_url_serves_records_and_stops(tmp_path: Path, sse, body, stop_signal) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT), "utf-8")
    record = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tandem.testing", "serve", str(script), "--record", str(record)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{base_url}/models").json()["data"][0]["id"] == "cli-model"
            events = sse.json_events(http.post(f"{base_url}/responses", json=body()).text)
            assert events[-1]["response"]["output"][0]["content"][0]["text"] == "from a subprocess"
            listed = http.get(f"{base_url.removesuffix('/v1')}/_scripted/requests").json()
        recorded = [RecordedRequest.from_json(item) for item in listed]
        assert [(r.method, r.path) for r in recorded] == [("GET", "/v1/models"), ("POST", "/v1/responses")]
        assert recorded[1].body == body()
        lines = record.read_text("utf-8").splitlines()
        assert [json.loads(line)["path"] for line in lines] == ["/v1/models", "/v1/responses"]
    finally:
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_check_reports_an_invalid_script(tmp_path: Path) -> None:
    script = tmp_path / "bad.json"
    script.write_text(json.dumps({"responses": [{"output": [{"type": "message"}]}]}), "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tandem.testing", "check", str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "responses[0].output[0].message.text: Field required" in result.stderr
    script.write_text(json.dumps(SCRIPT), "utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "tandem.testing", "check", str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{script}: ok, 1 responses")
