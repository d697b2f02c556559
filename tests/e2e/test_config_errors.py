"""Config mistakes as a user meets them, through the real `tandem exec`: a misspelt key warns on stderr with a
"did you mean" and the turn runs; an invalid value or a malformed base_url stops before any request with
a message naming the key and the file (no retries)."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import message, respond, run_tandem


def test_a_misspelt_key_warns_with_did_you_mean_and_the_turn_runs(
    model_server, tandem_home: Path, workspace: Path
) -> None:
    server = model_server([respond(message("hello"))])
    config_file = tandem_home / "config.toml"
    config_file.write_text('sandbox_mod = "read-only"\n')
    result = run_tandem("exec", "-c", "modle=x", "hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert f"{config_file}: unknown key 'sandbox_mod' (ignored); did you mean 'sandbox_mode'?" in result.stderr
    assert "-c modle: unknown key 'modle' (ignored); did you mean 'model'?" in result.stderr
    assert len(server.requests) == 1


def test_invalid_values_stop_before_any_request_naming_key_and_file(
    model_server, tandem_home: Path, workspace: Path
) -> None:
    server = model_server([respond(message("never"))])
    config_file = tandem_home / "config.toml"
    config_file.write_text("shell_default_timeout_ms = -5\n")
    result = run_tandem("exec", "hi", cwd=workspace)
    assert result.returncode == 1
    assert (
        f"tandem exec: invalid configuration in {config_file}: shell_default_timeout_ms = -5: "
        "Input should be greater than 0"
    ) in result.stderr
    config_file.unlink()
    result = run_tandem("exec", "-c", "model_context_window=-1", "hi", cwd=workspace)
    assert result.returncode == 1
    assert "invalid configuration in -c model_context_window: model_context_window = -1" in result.stderr
    assert server.requests == []


def test_a_malformed_base_url_fails_at_once_without_retries(tandem_home: Path, workspace: Path) -> None:
    environ = {**os.environ, "OPENAI_BASE_URL": "localhost:8080/v1"}
    result = run_tandem("exec", "hi", cwd=workspace, env=environ)
    assert result.returncode == 1
    assert "the environment variable OPENAI_BASE_URL = 'localhost:8080/v1' must start with http://" in result.stderr
    assert "retrying" not in result.stderr and "Traceback" not in result.stderr
    config_file = tandem_home / "config.toml"
    config_file.write_text('model_provider = "mine"\n[model_providers.mine]\nbase_url = "http://[::1/v1"\n')
    result = run_tandem("exec", "hi", cwd=workspace)
    assert result.returncode == 1
    assert f"invalid configuration in {config_file}: model_providers.mine.base_url" in result.stderr
    assert "not a URL: is not a valid URL (Invalid IPv6 URL)" in result.stderr
    assert "Traceback" not in result.stderr
    doctor = run_tandem("doctor", cwd=workspace)
    assert doctor.returncode == 1 and "model_providers.mine.base_url: Value error, not a URL" in doctor.stdout
