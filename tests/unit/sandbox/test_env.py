"""build_child_env: secrets scrubbed from what a child really sees; plain-output defaults."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tandem.sandbox.env import DEFAULT_SECRET_PATTERNS, build_child_env, is_secret_name
from tandem.tools.process import run_process

SECRETS = {
    "OPENAI_API_KEY": "sk-live-1",
    "ANTHROPIC_API_KEY": "sk-ant-2",
    "GITHUB_TOKEN": "ghp-3",
    "github_token": "ghp-4",
    "AWS_SECRET_ACCESS_KEY": "aws-5",
    "DB_Password": "pw-6",
    "KEY": "k-7",
    "MySecretThing": "s-8",
}
KEPT = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/home/someone",
    "LANG": "C.UTF-8",
    "VIRTUAL_ENV": "/venv",
    "EDITOR": "vim",
}


def test_default_patterns() -> None:
    assert DEFAULT_SECRET_PATTERNS == ("*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*")


@pytest.mark.parametrize("name", list(SECRETS))
def test_secret_names_match_case_insensitively(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", list(KEPT))
def test_ordinary_names_do_not_match(name: str) -> None:
    assert not is_secret_name(name)


def test_scrubs_secrets_keeps_the_rest_and_sets_plain_output() -> None:
    base = {**SECRETS, **KEPT, "FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "TERM": "xterm-256color"}
    env = build_child_env(base, sandbox_mode="workspace-write")
    assert env == {
        **KEPT,
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PAGER": "cat",
        "GIT_PAGER": "cat",
        "CLICOLOR": "0",
        "TANDEM_SANDBOX": "workspace-write",
    }
    assert "OPENAI_API_KEY" in base  # the input is not modified


def test_extra_patterns_overrides_and_fallback_path() -> None:
    env = build_child_env(
        {"AWS_PROFILE": "dev", "HOME": "/h", "BAD=NAME": "x", "": "y"},
        extra_deny_patterns=["aws_*"],
        overrides={"PAGER": "less", "MY_TOKEN": "explicit"},
    )
    assert "AWS_PROFILE" not in env
    assert "TANDEM_SANDBOX" not in env  # no mode given
    assert env["PAGER"] == "less" and env["MY_TOKEN"] == "explicit"  # overrides win, unfiltered
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert "BAD=NAME" not in env and "" not in env


@pytest.mark.skipif(sys.platform != "linux", reason="runs /usr/bin/env")
async def test_a_child_does_not_see_the_secrets(tmp_path: Path) -> None:
    env = build_child_env({**os.environ, **SECRETS, **KEPT}, sandbox_mode="read-only")
    result = await run_process(["env"], cwd=tmp_path, env=env, timeout_s=10)
    assert result.exit_code == 0
    seen = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    for name, value in SECRETS.items():
        assert name not in seen
        assert value not in result.output
    for name, value in KEPT.items():
        assert seen[name] == value
    assert seen["NO_COLOR"] == "1" and seen["TERM"] == "dumb" and seen["PAGER"] == "cat"
    assert seen["GIT_PAGER"] == "cat" and seen["CLICOLOR"] == "0" and seen["TANDEM_SANDBOX"] == "read-only"
    assert not any(is_secret_name(name) for name in seen)
