"""Skill discovery over real folders: roots, limits, symlink cycles, broken files, invocation policy, config rules."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from tandem.config import load_config
from tandem.skills.discovery import (
    MAX_SCAN_DEPTH,
    Invocation,
    SkillScope,
    discover,
    find_skill_files,
    load_for_config,
    skill_roots,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "skills"


def write_skill(
    folder: Path, name: str, description: str = "Does things.", extra: str = "", body: str = "Steps."
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SKILL.md"
    path.write_text(f"---\nname: {name}\ndescription: {description}\n{extra}---\n{body}\n")
    return path


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """A repository with a nested cwd, a private $TANDEM_HOME and $HOME."""
    repo, home, tandem_home = tmp_path / "repo", tmp_path / "home", tmp_path / "tandem-home"
    (repo / ".git").mkdir(parents=True)
    (repo / "pkg" / "sub").mkdir(parents=True)
    home.mkdir()
    tandem_home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TANDEM_HOME", str(tandem_home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return repo, home, tandem_home


def test_every_root_from_the_repository_root_down_to_the_cwd_and_the_user_roots(layout) -> None:  # type: ignore[no-untyped-def]
    repo, home, tandem_home = layout
    cwd = repo / "pkg" / "sub"
    write_skill(repo / ".agents" / "skills" / "at-root", "at-root")
    write_skill(repo / "pkg" / ".tandem" / "skills" / "in-pkg", "in-pkg")
    write_skill(cwd / ".claude" / "skills" / "claude-cwd", "claude-cwd")
    write_skill(repo.parent / ".agents" / "skills" / "above-repo", "above-repo")  # outside the repository
    write_skill(tandem_home / "skills" / "home-one", "home-one")
    write_skill(home / ".agents" / "skills" / "agents-home", "agents-home")
    write_skill(home / ".claude" / "skills" / "claude-home", "claude-home")
    load = load_for_config(load_config(cwd))
    assert [(s.name, s.scope) for s in load.skills] == [
        ("at-root", SkillScope.REPO),
        ("claude-cwd", SkillScope.REPO),
        ("in-pkg", SkillScope.REPO),
        ("agents-home", SkillScope.USER),
        ("claude-home", SkillScope.USER),
        ("home-one", SkillScope.USER),
    ]
    assert load.errors == ()
    # skills.include_claude = false drops both .claude roots
    (tandem_home / "config.toml").write_text("[skills]\ninclude_claude = false\n")
    names = [s.name for s in load_for_config(load_config(cwd)).skills]
    assert names == ["at-root", "in-pkg", "agents-home", "home-one"]


def test_depth_dot_folders_node_modules_and_a_symlink_cycle(tmp_path: Path) -> None:
    root = tmp_path / "skills"
    deep = root
    for level in range(MAX_SCAN_DEPTH):
        deep = deep / f"d{level}"
    write_skill(deep, "deepest-allowed")  # SKILL.md in a folder at depth 6
    write_skill(deep / "too-deep", "too-deep")  # depth 7
    write_skill(root / ".hidden" / "x", "hidden")
    write_skill(root / "node_modules" / "pkg", "in-node-modules")
    write_skill(root / "a", "a")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)  # a cycle back to the root
    (root / "a" / "self").symlink_to(root / "a", target_is_directory=True)
    (root / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write_skill(tmp_path / "elsewhere", "linked-in")
    found = find_skill_files(root)
    names = sorted(p.parent.name for p in found)
    assert names == ["a", "d5", "elsewhere"]  # a symlinked folder is read at its real path, as Codex does
    load = discover(skill_roots(tmp_path / "nowhere", tmp_path / "th", None))  # no root exists: nothing
    assert load.skills == ()


def test_a_broken_skill_is_a_warning_naming_the_file_and_the_others_load(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    from tandem.skills.discovery import SkillRoot

    root = tmp_path / "skills"
    write_skill(root / "good", "good")
    (root / "no-front").mkdir(parents=True)
    (root / "no-front" / "SKILL.md").write_text("# just markdown\n")
    (root / "bad-yaml").mkdir()
    (root / "bad-yaml" / "SKILL.md").write_text("---\nname: [unclosed\ndescription: x\n---\nbody\n")
    write_skill(root / "long", "x" * 65)
    with caplog.at_level(logging.WARNING, logger="tandem.skills.discovery"):
        load = discover([SkillRoot(root, SkillScope.REPO)])
    assert [s.name for s in load.skills] == ["good"]
    messages = {e.path.parent.name: e.message for e in load.errors}
    assert messages["no-front"] == "missing YAML frontmatter delimited by ---"
    assert messages["bad-yaml"].startswith("invalid YAML (line 3)")  # where PyYAML noticed it
    assert "exceeds maximum length of 64" in messages["long"]
    assert str(root / "bad-yaml" / "SKILL.md") in caplog.text


def test_explicit_only_flags_and_claude_fields(tmp_path: Path) -> None:
    from tandem.skills.discovery import SkillRoot

    root = tmp_path / "skills"
    write_skill(root / "claude-explicit", "claude-explicit", extra="disable-model-invocation: true\n")
    write_skill(root / "hidden-from-menu", "hidden-from-menu", extra="user-invocable: false\n")
    write_skill(root / "codex-explicit", "codex-explicit")
    (root / "codex-explicit" / "agents").mkdir()
    (root / "codex-explicit" / "agents" / "openai.yaml").write_text("policy:\n  allow_implicit_invocation: false\n")
    write_skill(
        root / "full",
        "full",
        extra="license: MIT\ncompatibility: needs git\nallowed-tools: Bash Read\nmetadata:\n  author: me\n",
    )
    skills = {s.name: s for s in discover([SkillRoot(root, SkillScope.USER)]).skills}
    assert skills["claude-explicit"].invocation is Invocation.EXPLICIT
    assert skills["codex-explicit"].invocation is Invocation.EXPLICIT
    assert (
        skills["hidden-from-menu"].invocation is Invocation.IMPLICIT and not skills["hidden-from-menu"].user_invocable
    )
    full = skills["full"]
    assert (full.license, full.compatibility, full.allowed_tools, dict(full.metadata)) == (
        "MIT",
        "needs git",
        "Bash Read",
        {"author": "me"},
    )


def test_skills_config_rules_by_path_and_name_later_rules_win(layout) -> None:  # type: ignore[no-untyped-def]
    repo, _home, tandem_home = layout
    one = write_skill(repo / ".agents" / "skills" / "one", "one")
    write_skill(repo / ".agents" / "skills" / "two", "two")
    (tandem_home / "config.toml").write_text(
        f'[[skills.config]]\npath = "{one}"\nenabled = false\n\n'
        '[[skills.config]]\nname = "two"\nenabled = false\n\n'
        '[[skills.config]]\nname = "two"\nenabled = true\n'
    )
    load = load_for_config(load_config(repo))
    assert {s.name: s.enabled for s in load.skills} == {"one": False, "two": True}
    assert [s.name for s in load.enabled()] == ["two"]


def test_a_skills_config_entry_needs_exactly_one_selector(layout) -> None:  # type: ignore[no-untyped-def]
    from tandem.errors import ConfigError

    repo, _home, tandem_home = layout
    (tandem_home / "config.toml").write_text("[[skills.config]]\nenabled = false\n")
    with pytest.raises(ConfigError, match="skills"):
        load_config(repo)


def test_real_public_skills_load(tmp_path: Path) -> None:
    from tandem.skills.discovery import SkillRoot

    root = tmp_path / "skills"
    shutil.copytree(FIXTURES, root)
    skills = {s.name: s for s in discover([SkillRoot(root, SkillScope.USER)]).skills}
    assert set(skills) == {"skill-creator", "openai-docs"}
    assert skills["openai-docs"].description.startswith("Use when the user asks how to build with OpenAI")
    assert dict(skills["skill-creator"].metadata) == {"short-description": "Create or update a skill"}
