"""Config validation (tandem.config_check) through load_config with real files: unknown keys at any depth
warn naming the file with a "did you mean"; Codex keys Tandem does not read are named as such; invalid
values are errors naming the key and the file; a malformed base_url is an error before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.config import CliOverrides, SandboxMode, load_config
from tandem.errors import ConfigError


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".tandem").mkdir()
    return project


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"TANDEM_HOME": str(home), "OPENAI_API_KEY": "sk-test", **extra}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tandem.config" and r.levelname == "WARNING"]


def test_a_misspelt_top_level_key_warns_naming_the_file_with_did_you_mean(
    home: Path, project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file = home / "config.toml"
    config_file.write_text('sandbox_mod = "read-only"\nmodel = "m"\n')
    with caplog.at_level("WARNING", "tandem.config"):
        config = load_config(project, environ=env(home))
    assert config.model == "m" and config.sandbox_mode is SandboxMode.WORKSPACE_WRITE
    assert warnings(caplog) == [f"{config_file}: unknown key 'sandbox_mod' (ignored); did you mean 'sandbox_mode'?"]


def test_unknown_keys_at_every_depth_and_source_warn_the_same_way(
    home: Path, project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file, project_file = home / "config.toml", project / ".tandem" / "config.toml"
    config_file.write_text(
        "zzz_nothing_like_it = 1\n"
        "[sandbox_workspace_write]\nnetwork_acess = true\n"
        '[model_providers.mine]\nbase_url = "http://h/v1"\nenv_kye = "K"\n'
        '[profiles.p]\nmodle = "x"\n'
    )
    project_file.write_text('modle = "y"\n')  # untrusted project: a typo is still a typo, not "not trusted"
    cli = CliOverrides(config_overrides=("turn_limits.tool_call=3",))
    with caplog.at_level("WARNING", "tandem.config"):
        config = load_config(project, cli, environ=env(home))
    assert config.network_access is False
    assert warnings(caplog) == [
        f"{config_file}: unknown key 'zzz_nothing_like_it' (ignored)",
        f"{config_file}: unknown key 'sandbox_workspace_write.network_acess' (ignored); "
        "did you mean 'sandbox_workspace_write.network_access'?",
        f"{config_file}: unknown key 'model_providers.mine.env_kye' (ignored); "
        "did you mean 'model_providers.mine.env_key'?",
        f"{config_file}: unknown key 'profiles.p.modle' (ignored); did you mean 'profiles.p.model'?",
        f"{project_file}: unknown key 'modle' (ignored); did you mean 'model'?",
        "-c turn_limits.tool_call: unknown key 'turn_limits.tool_call' (ignored); "
        "did you mean 'turn_limits.tool_calls'?",
    ]


def test_codex_keys_tandem_does_not_read_are_named_as_such(
    home: Path, project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file = home / "config.toml"
    config_file.write_text(
        'notify = ["notify-send"]\n[tui]\nanimations = false\n'
        '[shell_environment_policy]\ninherit = "core"\n[projects."/x"]\ntrust_level = "trusted"\n'
    )
    with caplog.at_level("WARNING", "tandem.config"):
        load_config(project, environ=env(home))
    assert warnings(caplog) == [
        f"{config_file}: ignoring notify, tui, shell_environment_policy.inherit (Codex settings Tandem does not use)"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("shell_default_timeout_ms = -5", "shell_default_timeout_ms = -5: Input should be greater than 0"),
        ("model_context_window = -1", "model_context_window = -1: Input should be greater than 0"),
        ("model_context_window = 0", "model_context_window = 0: Input should be greater than 0"),
        ("model_auto_compact_token_limit = 0", "model_auto_compact_token_limit = 0: Input should be greater than 0"),
        ("auto_compact_fraction = 1.5", "auto_compact_fraction = 1.5: Input should be less than or equal to 1"),
        ("tool_output_token_limit = 0", "tool_output_token_limit = 0: Input should be greater than 0"),
        ("project_doc_max_bytes = -1", "project_doc_max_bytes = -1: Input should be greater than or equal to 0"),
        ("[sandbox_limits]\nmax_pids = -1", "sandbox_limits.max_pids = -1: Input should be greater than or equal to 0"),
        (
            "[turn_limits]\nmodel_requests = -1",
            "turn_limits.model_requests = -1: Input should be greater than or equal",
        ),
        (
            "[model_providers.x]\nstream_idle_timeout_ms = 0",
            "model_providers.x.stream_idle_timeout_ms = 0: Input should be greater than 0",
        ),
        (
            "[profiles.p]\nshell_default_timeout_ms = -5",
            "shell_default_timeout_ms = -5: Input should be greater than 0",
        ),
    ],
)
def test_invalid_values_are_errors_naming_key_and_file(home: Path, project: Path, text: str, problem: str) -> None:
    config_file = home / "config.toml"
    config_file.write_text(text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(project, environ=env(home))
    where = f"{config_file} [profiles.p]" if "profiles" in text else str(config_file)
    assert caught.value.message.startswith(f"invalid configuration in {where}: {problem}"), caught.value.message


def test_invalid_values_in_the_project_file_and_in_c_name_them(home: Path, project: Path) -> None:
    project_file = project / ".tandem" / "config.toml"
    project_file.write_text("model_context_window = -1\n")
    with pytest.raises(ConfigError, match=rf"^invalid configuration in {project_file}: model_context_window = -1"):
        load_config(project, environ=env(home))
    project_file.unlink()
    cli = CliOverrides(config_overrides=("shell_default_timeout_ms=-5",))
    with pytest.raises(ConfigError, match=r"^invalid configuration in -c shell_default_timeout_ms: .* = -5"):
        load_config(project, cli, environ=env(home))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:8080/v1", "must start with http:// or https://"),
        ("htp://127.0.0.1:9/v1", "must start with http:// or https://"),
        ("http://", "has no host"),
        ("http://exa mple.com/v1", "contains spaces or control characters"),
        ("http://[::1/v1", "is not a valid URL"),
        ("http://h:99999/v1", "is not a valid URL"),
    ],
)
def test_a_malformed_base_url_is_an_error_naming_where_it_came_from(
    home: Path, project: Path, url: str, problem: str
) -> None:
    config_file = home / "config.toml"
    config_file.write_text(f'model_provider = "mine"\n[model_providers.mine]\nbase_url = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(project, environ=env(home))
    assert caught.value.message.startswith(
        f"invalid configuration in {config_file}: model_providers.mine.base_url: Value error, not a URL: {problem}"
    )
    config_file.unlink()
    cli = CliOverrides(config_overrides=(f'openai_base_url="{url}"',))
    with pytest.raises(
        ConfigError, match=r"^invalid configuration in -c openai_base_url: openai_base_url: .*not a URL"
    ):
        load_config(project, cli, environ=env(home))
    with pytest.raises(ConfigError) as caught:
        load_config(project, environ=env(home, OPENAI_BASE_URL=url))
    assert caught.value.message.startswith("the environment variable OPENAI_BASE_URL = ")
    assert problem in caught.value.message


def test_credentials_in_a_malformed_url_are_not_shown(home: Path, project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(project, environ=env(home, OPENAI_BASE_URL="htp://me:hunter2@host/v1?key=sk-9"))
    assert "hunter2" not in caught.value.message and "sk-9" not in caught.value.message
    assert "htp://[REDACTED]@host/v1?[REDACTED]" in caught.value.message
