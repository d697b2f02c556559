from __future__ import annotations

from pathlib import Path

import pytest

from tandem.config import (
    ApprovalPolicy,
    CliOverrides,
    SandboxMode,
    WireApi,
    load_config,
    parse_override,
    require_credentials,
)
from tandem.errors import ConfigError


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"TANDEM_HOME": str(home), **extra}


def test_defaults(tmp_path: Path, home: Path) -> None:
    config = load_config(tmp_path, environ=env(home))
    assert config.provider.id == "openai"
    assert config.provider.base_url == "https://api.openai.com/v1"
    assert config.approval_policy is ApprovalPolicy.ON_REQUEST
    assert config.sandbox_mode is SandboxMode.WORKSPACE_WRITE
    assert config.sessions_dir == home / "sessions"
    assert config.project_doc_max_bytes == 32 * 1024


def test_openai_base_url_env_moves_the_default_provider(tmp_path: Path, home: Path) -> None:
    config = load_config(tmp_path, environ=env(home, OPENAI_BASE_URL="http://127.0.0.1:9/v1/"))
    assert config.provider.base_url == "http://127.0.0.1:9/v1"
    assert require_credentials(config, env(home)) is None  # a custom endpoint may be keyless


def test_missing_key_explains_how_to_configure(tmp_path: Path, home: Path) -> None:
    config = load_config(tmp_path, environ=env(home))
    with pytest.raises(ConfigError) as info:
        require_credentials(config, env(home))
    assert "OPENAI_API_KEY" in str(info.value) and "--oss" in str(info.value)
    assert require_credentials(config, env(home, OPENAI_API_KEY="sk-x")) == "sk-x"


def test_files_then_overrides_then_flags(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text('model = "home-model"\napproval_policy = "never"\n'
                                      '[sandbox_workspace_write]\nnetwork_access = true\n')
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / ".tandem").mkdir()
    (project / ".tandem" / "config.toml").write_text('model = "project-model"\n')
    sub = project / "pkg"
    sub.mkdir()
    config = load_config(sub, environ=env(home))
    assert (config.model, config.approval_policy, config.network_access) == (
        "project-model", ApprovalPolicy.NEVER, True)
    config = load_config(sub, CliOverrides(config_overrides=['model="cli-model"', "approval_policy=untrusted"]),
                         environ=env(home))
    assert (config.model, config.approval_policy) == ("cli-model", ApprovalPolicy.UNTRUSTED)
    config = load_config(sub, CliOverrides(model="flag-model", config_overrides=['model="cli-model"']),
                         environ=env(home))
    assert config.model == "flag-model"


def test_custom_provider_and_oss(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text(
        'model_provider = "local"\n[model_providers.local]\nname = "Local"\nbase_url = "http://localhost:8000/v1"\n'
        'env_key = "LOCAL_KEY"\nstream_idle_timeout_ms = 5000\nrequest_max_retries = 2\n'
        'http_headers = { "X-Team" = "core" }\nenv_http_headers = { "X-Org" = "ORG_ID" }\n')
    config = load_config(tmp_path, environ=env(home))
    provider = config.provider
    assert (provider.id, provider.base_url, provider.env_key, provider.wire_api) == (
        "local", "http://localhost:8000/v1", "LOCAL_KEY", WireApi.RESPONSES)
    assert provider.stream_idle_timeout_s == 5.0 and provider.request_max_retries == 2
    assert provider.headers({"ORG_ID": "o-1", "LOCAL_KEY": "secret"}) == {"X-Team": "core", "X-Org": "o-1"}
    oss = load_config(tmp_path, CliOverrides(oss=True), environ=env(home))
    assert oss.provider.id == "ollama" and oss.provider.base_url == "http://localhost:11434/v1"
    assert oss.model == "gpt-oss:20b"


def test_invalid_values_name_the_key(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text('approval_policy = "sometimes"\n')
    with pytest.raises(ConfigError, match="approval_policy"):
        load_config(tmp_path, environ=env(home))


def test_broken_toml_names_the_file(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text("model = \n")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_config(tmp_path, environ=env(home))


def test_unknown_provider(tmp_path: Path, home: Path) -> None:
    with pytest.raises(ConfigError, match="unknown model provider 'nope'"):
        load_config(tmp_path, CliOverrides(provider="nope"), environ=env(home))


def test_parse_override() -> None:
    assert parse_override("a.b=3") == (["a", "b"], 3)
    assert parse_override("x=true") == (["x"], True)
    assert parse_override("m=gpt-5.5") == (["m"], "gpt-5.5")
    with pytest.raises(ConfigError):
        parse_override("novalue")
