from __future__ import annotations

from pathlib import Path

import pytest

from tandem.config import (
    ApprovalPolicy,
    CliOverrides,
    SandboxMode,
    load_config,
    parse_override,
    require_credentials,
)
from tandem.config_enums import WireApi
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
    (home / "config.toml").write_text(
        'model = "home-model"\napproval_policy = "never"\n[sandbox_workspace_write]\nnetwork_access = true\n'
    )
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / ".tandem").mkdir()
    (project / ".tandem" / "config.toml").write_text('model = "project-model"\n')
    sub = project / "pkg"
    sub.mkdir()
    config = load_config(sub, environ=env(home))
    assert (config.model, config.approval_policy, config.network_access) == (
        "project-model",
        ApprovalPolicy.NEVER,
        True,
    )
    config = load_config(
        sub, CliOverrides(config_overrides=['model="cli-model"', "approval_policy=untrusted"]), environ=env(home)
    )
    assert (config.model, config.approval_policy) == ("cli-model", ApprovalPolicy.UNTRUSTED)
    config = load_config(
        sub, CliOverrides(model="flag-model", config_overrides=['model="cli-model"']), environ=env(home)
    )
    assert config.model == "flag-model"


def test_custom_provider_and_oss(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text(
        'model_provider = "local"\n[model_providers.local]\nname = "Local"\nbase_url = "http://localhost:8000/v1"\n'
        'env_key = "LOCAL_KEY"\nstream_idle_timeout_ms = 5000\nrequest_max_retries = 2\n'
        'http_headers = { "X-Team" = "core" }\nenv_http_headers = { "X-Org" = "ORG_ID" }\n'
    )
    config = load_config(tmp_path, environ=env(home))
    provider = config.provider
    assert (provider.id, provider.base_url, provider.env_key, provider.wire_api) == (
        "local",
        "http://localhost:8000/v1",
        "LOCAL_KEY",
        WireApi.RESPONSES,
    )
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


# --- model providers: presets, Codex keys, merging, credentials ------------------------------------------


def test_presets(tmp_path: Path, home: Path) -> None:
    from tandem.config_enums import AuthScheme

    def provider(pid: str, **extra: str):  # type: ignore[no-untyped-def]
        return load_config(tmp_path, CliOverrides(provider=pid), environ=env(home, **extra)).provider

    table = {
        pid: (p.base_url, p.wire_api, p.env_key, p.requires_key)
        for pid in ("openai", "ollama", "lmstudio", "vllm", "openrouter")
        for p in [provider(pid)]
    }
    assert table == {
        "openai": ("https://api.openai.com/v1", WireApi.RESPONSES, "OPENAI_API_KEY", True),
        "ollama": ("http://localhost:11434/v1", WireApi.RESPONSES, None, False),
        "lmstudio": ("http://localhost:1234/v1", WireApi.RESPONSES, None, False),
        "vllm": ("http://localhost:8000/v1", WireApi.CHAT, "VLLM_API_KEY", False),
        "openrouter": ("https://openrouter.ai/api/v1", WireApi.CHAT, "OPENROUTER_API_KEY", True),
    }
    assert provider("vllm").auth_headers("k-1") == {"Authorization": "Bearer k-1"}
    assert provider("ollama").auth_headers(None) == {}
    # OpenAI's organisation/project headers come from the environment, as in Codex.
    assert provider("openai").headers({"OPENAI_ORGANIZATION": "org-1"}) == {"OpenAI-Organization": "org-1"}
    # vLLM's key is optional; OpenRouter's is not.
    vllm = load_config(tmp_path, CliOverrides(provider="vllm"), environ=env(home))
    assert require_credentials(vllm, env(home)) is None
    assert require_credentials(vllm, env(home, VLLM_API_KEY="v-1")) == "v-1"
    openrouter = load_config(tmp_path, CliOverrides(provider="openrouter"), environ=env(home))
    with pytest.raises(ConfigError, match=r"OPENROUTER_API_KEY \(create a key at https://openrouter\.ai"):
        require_credentials(openrouter, env(home))
    assert provider("openrouter").auth_scheme is AuthScheme.BEARER


def test_oss_and_local_provider(tmp_path: Path, home: Path) -> None:
    from tandem.cli import _cli_overrides, build_parser
    from tandem.config_enums import ApplyPatchToolType

    oss = load_config(tmp_path, CliOverrides(oss=True), environ=env(home))
    assert (oss.provider.id, oss.model) == ("ollama", "gpt-oss:20b")
    assert oss.apply_patch_tool_type is ApplyPatchToolType.FUNCTION  # local servers have no freeform tools
    (home / "config.toml").write_text('oss_provider = "lmstudio"\n')
    assert load_config(tmp_path, CliOverrides(oss=True), environ=env(home)).provider.id == "lmstudio"
    args = build_parser().parse_args(["exec", "--local-provider", "ollama", "hi"])
    cli = _cli_overrides(args)
    assert (cli.provider, cli.oss) == ("ollama", True)
    args = build_parser().parse_args(["exec", "--provider", "openrouter", "hi"])
    assert load_config(tmp_path, _cli_overrides(args), environ=env(home)).provider.id == "openrouter"


def test_azure_preset(tmp_path: Path, home: Path) -> None:
    from tandem.config_enums import AuthScheme

    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, CliOverrides(provider="azure"), environ=env(home))
    assert "base_url" in str(info.value) and "openai.azure.com/openai" in str(info.value)
    (home / "config.toml").write_text(
        'model_provider = "azure"\nmodel = "my-gpt5-deployment"\n'
        '[model_providers.azure]\nbase_url = "https://contoso.openai.azure.com/openai/"\n'
    )
    config = load_config(tmp_path, environ=env(home))
    provider = config.provider
    assert provider.base_url == "https://contoso.openai.azure.com/openai"
    assert provider.wire_api is WireApi.RESPONSES and provider.env_key == "AZURE_OPENAI_API_KEY"
    assert dict(provider.query_params) == {"api-version": "2025-04-01-preview"}
    assert provider.auth_scheme is AuthScheme.API_KEY_HEADER
    assert provider.auth_headers("az-key") == {"api-key": "az-key"}
    with pytest.raises(ConfigError) as info:
        require_credentials(config, env(home))
    assert "AZURE_OPENAI_API_KEY" in str(info.value) and "Keys and Endpoint" in str(info.value)
    # A user's api-version replaces the preset's.
    config = load_config(
        tmp_path,
        CliOverrides(config_overrides=['model_providers.azure.query_params={api-version="2025-05-01"}']),
        environ=env(home),
    )
    assert dict(config.provider.query_params) == {"api-version": "2025-05-01"}


def test_user_table_merges_over_a_built_in(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text(
        'model_provider = "vllm"\n[model_providers.vllm]\nbase_url = "http://gpu-box:8000/v1"\n'
        'http_headers = { "X-Team" = "ml" }\nstream_max_retries = 2\n'
    )
    provider = load_config(tmp_path, environ=env(home)).provider
    # Given keys win; everything else (wire API, key variable, instructions, retries) is the preset's.
    assert (provider.base_url, provider.wire_api, provider.env_key, provider.requires_key) == (
        "http://gpu-box:8000/v1",
        WireApi.CHAT,
        "VLLM_API_KEY",
        False,
    )
    assert (provider.stream_max_retries, provider.request_max_retries) == (2, 4)
    assert dict(provider.http_headers) == {"X-Team": "ml"} and provider.env_key_instructions
    # -c on a built-in id changes one key and keeps the rest (OPENAI_BASE_URL included).
    config = load_config(
        tmp_path,
        CliOverrides(provider="openai", config_overrides=["model_providers.openai.stream_idle_timeout_ms=1500"]),
        environ=env(home, OPENAI_BASE_URL="http://h:1/v1"),
    )
    assert (config.provider.base_url, config.provider.stream_idle_timeout_s) == ("http://h:1/v1", 1.5)
    assert config.provider.env_key == "OPENAI_API_KEY" and config.provider.wire_api is WireApi.RESPONSES


def test_openai_table_at_another_url_needs_no_key(tmp_path: Path, home: Path) -> None:
    # As OPENAI_BASE_URL does: a [model_providers.openai] base_url elsewhere (an OpenAI-compatible
    # server, the editor's setup view) makes the key optional; OpenAI's own URL still requires it.
    elsewhere = ['model_providers.openai.base_url="http://127.0.0.1:9/v1"']
    config = load_config(tmp_path, CliOverrides(provider="openai", config_overrides=elsewhere), environ=env(home))
    assert config.provider.base_url == "http://127.0.0.1:9/v1" and not config.provider.requires_key
    assert require_credentials(config, env(home)) is None
    own = ['model_providers.openai.base_url="https://api.openai.com/v1/"']
    config = load_config(tmp_path, CliOverrides(provider="openai", config_overrides=own), environ=env(home))
    assert config.provider.requires_key
    with_key = [*elsewhere, 'model_providers.openai.env_key="CORP_KEY"']
    config = load_config(tmp_path, CliOverrides(provider="openai", config_overrides=with_key), environ=env(home))
    assert config.provider.requires_key and config.provider.env_key == "CORP_KEY"


def test_every_codex_provider_key_parses_and_applies(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text("""
model_provider = "corp"
[model_providers.corp]
name = "Corp gateway"
base_url = "https://llm.corp.example/v1"
env_key = "CORP_LLM_CREDS"
env_key_instructions = "ask #llm-platform for a gateway key"
wire_api = "chat"
auth_scheme = "x-api-key"
query_params = { tenant = "t1" }
http_headers = { "X-Client" = "tandem" }
env_http_headers = { "X-Corp-Route" = "CORP_ROUTE" }
request_max_retries = 7
stream_max_retries = 500
stream_idle_timeout_ms = 20000
requires_openai_auth = false
""")
    config = load_config(tmp_path, environ=env(home))
    p = config.provider
    assert (p.id, p.name, p.base_url, p.env_key, p.wire_api) == (
        "corp",
        "Corp gateway",
        "https://llm.corp.example/v1",
        "CORP_LLM_CREDS",
        WireApi.CHAT,
    )
    assert (dict(p.query_params), dict(p.http_headers), dict(p.env_http_headers)) == (
        {"tenant": "t1"},
        {"X-Client": "tandem"},
        {"X-Corp-Route": "CORP_ROUTE"},
    )
    assert (p.request_max_retries, p.stream_max_retries, p.stream_idle_timeout_s) == (7, 100, 20.0)
    assert p.auth_headers("c-1") == {"x-api-key": "c-1"}
    assert p.headers({"CORP_ROUTE": "eu", "CORP_LLM_CREDS": "c-1"}) == {"X-Client": "tandem", "X-Corp-Route": "eu"}
    # Naming an env_key makes it required (as in Codex); the error names the variable and the instructions.
    with pytest.raises(ConfigError) as info:
        require_credentials(config, env(home))
    message = str(info.value)
    assert "CORP_LLM_CREDS" in message and "ask #llm-platform for a gateway key" in message
    assert require_credentials(config, env(home, CORP_LLM_CREDS="c-1")) == "c-1"
    # The variables behind credentials never reach the commands the agent runs.
    assert {"CORP_LLM_CREDS", "CORP_ROUTE", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"} <= set(config.env_exclude)


def test_anthropic_wire_tables_default_to_x_api_key(tmp_path: Path, home: Path) -> None:
    from tandem.config_enums import AuthScheme

    (home / "config.toml").write_text(
        '[model_providers.claude-proxy]\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "anthropic"\n'
        '[model_providers.claude-bearer]\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "anthropic"\n'
        'auth_scheme = "bearer"\n'
    )
    proxy = load_config(tmp_path, CliOverrides(provider="claude-proxy"), environ=env(home)).provider
    bearer = load_config(tmp_path, CliOverrides(provider="claude-bearer"), environ=env(home)).provider
    assert proxy.auth_scheme is AuthScheme.X_API_KEY and bearer.auth_scheme is AuthScheme.BEARER


def test_bad_provider_tables(tmp_path: Path, home: Path, caplog: pytest.LogCaptureFixture) -> None:
    (home / "config.toml").write_text('[model_providers.x]\nname = "X"\n')
    with pytest.raises(ConfigError, match=r"model_providers\.x: base_url is required"):
        load_config(tmp_path, environ=env(home))
    (home / "config.toml").write_text('[model_providers.x]\nbase_url = "http://h/v1"\nauth_scheme = "basic"\n')
    with pytest.raises(ConfigError, match="auth_scheme"):
        load_config(tmp_path, environ=env(home))
    (home / "config.toml").write_text('[model_providers.x]\nbase_url = "http://h/v1"\nbase_uri = "typo"\n')
    with caplog.at_level("WARNING", "tandem.config"):
        load_config(tmp_path, environ=env(home))  # an unknown nested key warns (tests/unit/test_config_check.py)
    assert (
        "unknown key 'model_providers.x.base_uri' (ignored); did you mean 'model_providers.x.base_url'?" in caplog.text
    )


def test_redact() -> None:
    from tandem.config import redact

    assert redact("bad key sk-abc123 (sk-abc123)", ["sk-abc123", "", "ab"]) == "bad key [REDACTED] ([REDACTED])"
    assert redact("nothing here", []) == "nothing here"


def test_the_anthropic_provider_defaults_to_a_claude_model(tmp_path: Path) -> None:
    config = load_config(tmp_path, CliOverrides(provider="anthropic"), environ={"TANDEM_HOME": str(tmp_path)})
    assert config.model == "claude-sonnet-4-5"
    assert (
        load_config(
            tmp_path,
            CliOverrides(provider="anthropic", model="claude-opus-4-1"),
            environ={"TANDEM_HOME": str(tmp_path)},
        ).model
        == "claude-opus-4-1"
    )
