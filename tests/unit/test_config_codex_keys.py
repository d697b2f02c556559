"""The Codex config keys and variables the Codex SDK passes: `openai_base_url`, `CODEX_API_KEY`,
`web_search`, `approval_policy`, and profiles (`-p`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.config import CliOverrides, SandboxMode, load_config, no_sandbox_warning, require_credentials
from tandem.errors import ConfigError


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"TANDEM_HOME": str(home), **extra}


def overrides(*values: str, **extra: object) -> CliOverrides:
    return CliOverrides(config_overrides=values, **extra)  # type: ignore[arg-type]


def test_openai_base_url_moves_the_default_provider(tmp_path: Path, home: Path) -> None:
    cli = overrides('openai_base_url="http://127.0.0.1:9/v1/"')
    config = load_config(tmp_path, cli, env(home, OPENAI_BASE_URL="http://elsewhere/v1"))
    assert config.provider.id == "openai" and config.provider.base_url == "http://127.0.0.1:9/v1"
    assert not config.provider.requires_key  # not the public endpoint


def test_codex_api_key_comes_first_and_stays_out_of_commands(tmp_path: Path, home: Path) -> None:
    environ = env(home, CODEX_API_KEY="  sk-from-codex  ", OPENAI_API_KEY="sk-from-openai")
    config = load_config(tmp_path, environ=environ)
    assert require_credentials(config, environ) == "sk-from-codex"
    assert {"CODEX_API_KEY", "OPENAI_API_KEY"} <= set(config.env_exclude)
    assert require_credentials(config, env(home, OPENAI_API_KEY="sk-from-openai")) == "sk-from-openai"
    assert require_credentials(config, env(home, CODEX_API_KEY=" ", OPENAI_API_KEY="sk-o")) == "sk-o"


def test_a_provider_table_with_its_own_env_key_ignores_codex_api_key(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text('[model_providers.openai]\nenv_key = "MY_KEY"\n')
    environ = env(home, CODEX_API_KEY="sk-codex", MY_KEY="sk-mine")
    assert require_credentials(load_config(tmp_path, environ=environ), environ) == "sk-mine"


@pytest.mark.parametrize("mode", ["live", "cached"])
def test_web_search_other_than_disabled_is_refused(tmp_path: Path, home: Path, mode: str) -> None:
    with pytest.raises(ConfigError, match="Tandem has no web search tool"):
        load_config(tmp_path, overrides(f'web_search="{mode}"'), env(home))
    load_config(tmp_path, overrides('web_search="disabled"'), env(home))


def test_approval_policy_on_failure_is_an_error_naming_the_key(tmp_path: Path, home: Path) -> None:
    with pytest.raises(ConfigError, match="approval_policy"):
        load_config(tmp_path, overrides('approval_policy="on-failure"'), env(home))


def test_a_profile_lays_its_keys_over_the_top_level(tmp_path: Path, home: Path) -> None:
    (home / "config.toml").write_text(
        'model = "base-model"\nprofile = "fast"\n'
        '[profiles.fast]\nmodel = "fast-model"\n[profiles.safe]\nsandbox_mode = "read-only"\nmodel = "safe-model"\n'
    )
    assert load_config(tmp_path, environ=env(home)).model == "fast-model"  # the `profile` key
    safe = load_config(tmp_path, CliOverrides(profile="safe"), env(home))
    assert safe.model == "safe-model" and safe.sandbox_mode is SandboxMode.READ_ONLY
    assert load_config(tmp_path, overrides('model="cli"', profile="safe"), env(home)).model == "cli"  # -c wins
    with pytest.raises(ConfigError, match="profile 'missing' not found"):
        load_config(tmp_path, CliOverrides(profile="missing"), env(home))


def test_add_dir_roots_are_writable_roots(tmp_path: Path, home: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    config = load_config(tmp_path, CliOverrides(writable_roots=(extra,)), env(home))
    assert extra.resolve() in config.writable_roots


def test_the_no_sandbox_warning_names_its_source(tmp_path: Path, home: Path) -> None:
    flag = CliOverrides(sandbox_mode=SandboxMode.DANGER_FULL_ACCESS)
    warning = no_sandbox_warning(load_config(tmp_path, flag, env(home)), flag)
    assert warning is not None and "running without a sandbox" in warning and "command line" in warning
    (home / "config.toml").write_text('sandbox_mode = "danger-full-access"\n')
    warning = no_sandbox_warning(load_config(tmp_path, environ=env(home)), CliOverrides())
    assert warning is not None and "configuration" in warning
    assert no_sandbox_warning(load_config(tmp_path, overrides('sandbox_mode="read-only"'), env(home))) is None
