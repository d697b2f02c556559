from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tandem.agent.context import collect_agents_md, environment_context, initial_context
from tandem.config import load_config


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "AGENTS.md").write_text("root rules\n")
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "AGENTS.md").write_text("pkg rules\n")
    (root / "pkg" / "AGENTS.override.md").write_text("pkg override rules\n")
    (root / "pkg" / "sub" / "AGENTS.md").write_text("sub rules\n")
    return root


def config_for(cwd: Path, tmp_path: Path, *overrides: str):  # type: ignore[no-untyped-def]
    from tandem.config import CliOverrides

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return load_config(cwd, CliOverrides(config_overrides=overrides), environ={"TANDEM_HOME": str(home)})


def test_agents_md_root_first_with_override_winning(project: Path, tmp_path: Path) -> None:
    text = collect_agents_md(config_for(project / "pkg" / "sub", tmp_path))
    assert text == "root rules\n\npkg override rules\n\nsub rules"


def test_agents_md_above_the_project_root_is_ignored(project: Path, tmp_path: Path) -> None:
    (project.parent / "AGENTS.md").write_text("outside\n")
    text = collect_agents_md(config_for(project, tmp_path))
    assert text == "root rules"


def test_agents_md_budget_cuts_the_text(project: Path, tmp_path: Path) -> None:
    (project / "AGENTS.md").write_text("x" * 100)
    text = collect_agents_md(config_for(project / "pkg" / "sub", tmp_path, "project_doc_max_bytes=40"))
    assert text == "x" * 40


def test_global_agents_md_comes_first(project: Path, tmp_path: Path) -> None:
    config = config_for(project, tmp_path)
    (config.tandem_home / "AGENTS.md").write_text("global rules")
    assert collect_agents_md(config) == "global rules\n\nroot rules"


def test_fallback_filenames(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    (root / "CLAUDE.md").write_text("claude rules")
    assert collect_agents_md(config_for(root, tmp_path)) is None
    assert (
        collect_agents_md(config_for(root, tmp_path, 'project_doc_fallback_filenames=["CLAUDE.md"]')) == "claude rules"
    )


def test_environment_context_fields(tmp_path: Path) -> None:
    config = config_for(tmp_path, tmp_path, "approval_policy=untrusted")
    xml = environment_context(config, datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    assert xml.startswith("<environment_context>") and xml.endswith("</environment_context>")
    for fragment in (
        f"<cwd>{tmp_path.resolve()}</cwd>",
        "<approval_policy>untrusted</approval_policy>",
        "<sandbox_mode>workspace-write</sandbox_mode>",
        "<network_access>restricted</network_access>",
        "<current_date>2026-11-22</current_date>",
        "<timezone>",
    ):
        assert fragment in xml


def test_initial_context_order(project: Path, tmp_path: Path) -> None:
    items = initial_context(config_for(project, tmp_path))
    roles = [item["role"] for item in items]
    texts = [item["content"][0]["text"] for item in items]
    assert roles == ["developer", "user", "user"]
    assert texts[0].startswith("<permissions>")
    assert texts[1].startswith(f"# AGENTS.md instructions for {project}") and "<INSTRUCTIONS>\nroot rules" in texts[1]
    assert texts[2].startswith("<environment_context>")
