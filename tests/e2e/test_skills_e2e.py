"""Skills end to end: what the model receives (the catalog, the injected <skill> blocks) from a real
thread and from the real `tandem exec` in a subprocess, against the scripted model server."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tandem.agent.compaction import SUMMARY_PREFIX
from tandem.config import ApprovalPolicy, CliOverrides
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import SkillInput, TextInput

from helpers import message, respond, run_tandem, thread_manager

FIXTURES = Path(__file__).parents[1] / "fixtures" / "skills"
BIG = {"input_tokens": 5000, "output_tokens": 100}


def write_skill(folder: Path, name: str, description: str, body: str = "Follow these steps.", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SKILL.md"
    path.write_text(f"---\nname: {name}\ndescription: {description}\n{extra}---\n{body}\n")
    return path


def texts(body: dict[str, Any], role: str | None = None) -> list[str]:
    return [
        part.get("text", "")
        for item in body["input"]
        if item.get("type") == "message" and (role is None or item.get("role") == role)
        for part in item.get("content", [])
    ]


def skill_blocks(body: dict[str, Any]) -> list[str]:
    return [text for text in texts(body, "user") if text.startswith("<skill>\n")]


@pytest.fixture
def repo(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace as a git repository with two repo skills; $HOME private and empty."""
    (workspace / ".git").mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    write_skill(
        workspace / ".agents" / "skills" / "pdf", "pdf", "Extract text from PDF files.", "Run pdftotext FILE -."
    )
    write_skill(
        workspace / ".tandem" / "skills" / "release",
        "release",
        "Cut a release.",
        "Bump the version, tag, push.",
        extra="disable-model-invocation: true\n",
    )
    return workspace


def make_thread(workspace: Path, *overrides: str):  # type: ignore[no-untyped-def]
    cli = CliOverrides(approval_policy=ApprovalPolicy.NEVER, config_overrides=overrides)
    return thread_manager(workspace, cli).create()


async def test_the_catalog_is_a_developer_message_in_the_first_request(
    model_server, repo: Path, tandem_home: Path
) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(FIXTURES / "openai-docs", tandem_home / "skills" / "openai-docs")
    server = model_server([respond(message("ok")), respond(message("ok again"))])
    thread = make_thread(repo)
    assert (await thread.run_turn([TextInput(text="hello")])).status is TurnStatus.COMPLETED
    assert (await thread.run_turn([TextInput(text="more")])).status is TurnStatus.COMPLETED
    first, second = (r.body for r in server.requests)
    developer = texts(first, "developer")
    assert developer[0].startswith("<permissions>")
    catalog = developer[1]
    assert catalog.startswith("<skills_instructions>\n## Skills\n") and catalog.endswith("</skills_instructions>")
    pdf = repo / ".agents" / "skills" / "pdf" / "SKILL.md"
    docs = tandem_home / "skills" / "openai-docs" / "SKILL.md"
    lines = [line for line in catalog.splitlines() if line.startswith("- ") and "(file: " in line]
    assert lines[0] == f"- pdf: Extract text from PDF files. (file: {pdf})"  # repo scope first
    assert lines[1].startswith("- openai-docs: Use when the user asks how to build with OpenAI") and lines[1].endswith(
        f"(file: {docs})"
    )
    assert len(lines) == 2  # `release` is explicit only (disable-model-invocation)
    assert "Trigger rules: If the user names a skill (with `$SkillName` or plain text)" in catalog
    assert second["input"][: len(first["input"])] == first["input"]  # the prompt-cache prefix holds


async def test_dollar_name_injects_the_skill_once_per_thread(model_server, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = model_server([respond(message("a")), respond(message("b")), respond(message("c"))])
    thread = make_thread(repo)
    await thread.run_turn([TextInput(text="use $release now, not $HOME")])
    await thread.run_turn([TextInput(text="again $release")])
    await thread.run_turn([TextInput(text="and $pdf")])
    first, second, third = (r.body for r in server.requests)
    release = repo / ".tandem" / "skills" / "release" / "SKILL.md"
    expected = f"<skill>\n<name>release</name>\n<path>{release}</path>\n{release.read_text()}\n</skill>"
    assert skill_blocks(first) == [expected]
    user = texts(first, "user")
    assert user.index(expected) == user.index("use $release now, not $HOME") + 1  # after the user's message
    assert skill_blocks(second) == [expected]  # not injected a second time
    assert len(skill_blocks(third)) == 2 and skill_blocks(third)[1].startswith("<skill>\n<name>pdf</name>")


async def test_a_skill_input_item_injects_by_path(model_server, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = model_server([respond(message("done"))])
    thread = make_thread(repo)
    pdf = repo / ".agents" / "skills" / "pdf" / "SKILL.md"
    await thread.run_turn([SkillInput(name="pdf", path=str(pdf)), TextInput(text="read report.pdf")])
    body = server.requests[0].body
    assert skill_blocks(body) == [f"<skill>\n<name>pdf</name>\n<path>{pdf}</path>\n{pdf.read_text()}\n</skill>"]
    assert "read report.pdf" in texts(body, "user")


async def test_active_skills_are_re_injected_after_a_compaction(model_server, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = model_server(
        [
            respond(message("used pdf"), usage=BIG),
            respond(message("SUMMARY: pdf work done")),
            respond(message("after compaction")),
        ]
    )
    thread = make_thread(repo, "model_auto_compact_token_limit=4000", "model_context_window=400000")
    await thread.run_turn([TextInput(text="$pdf please")])
    await thread.run_turn([TextInput(text="next step")])
    after = server.requests[2].body
    blocks = skill_blocks(after)
    assert len(blocks) == 1 and blocks[0].startswith("<skill>\n<name>pdf</name>")
    user = texts(after, "user")
    assert any(text.startswith(SUMMARY_PREFIX) for text in user)
    assert user.count("$pdf please") == 1  # the user's message once, the block once
    assert texts(after, "developer")[1].startswith("<skills_instructions>")  # the catalog is back too


def test_exec_subprocess_sends_catalog_and_block_and_warns_about_the_budget(
    model_server, repo: Path, tandem_home: Path
) -> None:  # type: ignore[no-untyped-def]
    for index in range(30):
        write_skill(tandem_home / "skills" / f"user-skill-{index:02}", f"user-skill-{index:02}", "A user skill. " * 8)
    (repo / ".agents" / "skills" / "broken").mkdir()
    (repo / ".agents" / "skills" / "broken" / "SKILL.md").write_text("no front matter\n")
    server = model_server([respond(message("done"))])
    result = run_tandem(
        "exec", "--json", "-c", "model_context_window=60000", "$pdf extract it", cwd=repo, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[0].body
    catalog = texts(body, "developer")[1]
    listed = [line for line in catalog.splitlines() if line.startswith("- ") and "(file: " in line]
    assert listed[0].startswith("- pdf: ")  # repo skills are cut last
    omitted = 31 - len(listed)
    assert 0 < omitted < 31 and len(catalog) <= 60000 * 0.02 * 4
    assert f"{omitted} skill(s) left out of the skills list" in result.stderr
    assert f"{repo / '.agents' / 'skills' / 'broken' / 'SKILL.md'}: missing YAML frontmatter" in result.stderr
    assert skill_blocks(body)[0].startswith("<skill>\n<name>pdf</name>")
    assert json.loads(result.stdout.splitlines()[-1])["type"] == "turn.completed"


def test_skills_list_and_validate_cli(repo: Path, tandem_home: Path) -> None:
    env = dict(os.environ)
    shutil.copytree(FIXTURES / "skill-creator", tandem_home / "skills" / "skill-creator")
    listed = run_tandem("skills", "list", "--json", cwd=repo, env=env)
    assert listed.returncode == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert [(s["name"], s["scope"], s["implicitInvocation"]) for s in payload["skills"]] == [
        ("pdf", "repo", True),
        ("release", "repo", False),
        ("skill-creator", "user", True),
    ]
    human = run_tandem("skills", cwd=repo, env=env)
    assert "release (repo, explicit only)" in human.stdout
    ok = run_tandem("skills", "validate", cwd=repo, env=env)
    assert ok.returncode == 0 and "3 file(s) checked, 0 error(s), 0 warning(s)" in ok.stdout
    bad = repo / "bad" / "Wrong_Name"
    bad.mkdir(parents=True)
    (bad / "SKILL.md").write_text("---\nname: Wrong_Name\nsurprise: 1\n---\n")
    result = run_tandem("skills", "validate", str(bad), cwd=repo, env=env)
    assert result.returncode == 1
    out = result.stdout
    assert f"{bad / 'SKILL.md'}:1: error: missing field `description`" in out
    assert f"{bad / 'SKILL.md'}:2: warning: `name` should be lowercase" in out
    assert f"{bad / 'SKILL.md'}:3: warning: unknown field `surprise` (ignored)" in out
    assert "1 file(s) checked, 1 error(s)" in out
