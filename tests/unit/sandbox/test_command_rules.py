"""Approval-cache normalisation and prefix rules (docs/reference-facts.md §3 decisions; Codex prefix_rule)."""

from __future__ import annotations

import json

import pytest

from tandem.sandbox.command_rules import ApprovalRules, normalize


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pytest -q", [("pytest", "-q")]),
        ("FOO=1 pytest -q", [("pytest", "-q")]),
        ("bash -lc 'pytest -q'", [("pytest", "-q")]),
        ("/bin/bash -lc 'FOO=1 pytest -q'", [("pytest", "-q")]),
        ("make && pytest -q", [("make",), ("pytest", "-q")]),
        ('bash -lc "make && pytest -q | tail -n 5"', [("make",), ("pytest", "-q"), ("tail", "-n", "5")]),
        ("echo 'a && b'", [("echo", "a && b")]),
        ("pytest -q > out.txt", None),
        ("pytest $ARGS", None),
        ("rm -rf *", None),
        ("", None),
    ],
)
def test_normalize(command: str, expected: list[tuple[str, ...]] | None) -> None:
    assert normalize(command) == expected


def test_session_approval_covers_assignments_and_wrappers() -> None:
    rules = ApprovalRules()
    rules.remember_command("pytest -q")
    for command in (
        "pytest -q",
        "  pytest -q ",
        "FOO=1 pytest -q",
        "bash -lc 'pytest -q'",
        'sh -c "pytest -q"',
        "pytest  '-q'",
    ):
        assert rules.approved(command), command
    for command in ("pytest", "pytest -q -x", "pytest -q > log", "python -m pytest -q"):
        assert not rules.approved(command), command


def test_wrapped_approval_covers_plain_command() -> None:
    rules = ApprovalRules()
    rules.remember_command("bash -lc 'npm test'")
    assert rules.approved("npm test")


def test_chains_are_approved_segment_by_segment() -> None:
    rules = ApprovalRules()
    rules.remember_command("make && pytest -q")
    assert rules.approved("make && pytest -q")
    assert rules.approved("pytest -q")
    assert rules.approved("make")
    assert rules.approved("pytest -q; make")
    assert not rules.approved("make && rm -rf build")

    other = ApprovalRules()
    other.remember_command("make")
    assert not other.approved("make && pytest -q")  # pytest never approved
    other.remember_command("pytest -q")
    assert other.approved("make && pytest -q")


def test_known_safe_segments_count_only_when_allowed() -> None:
    rules = ApprovalRules()
    rules.remember_command("pytest -q")
    assert rules.approved("pytest -q | tail -n 20", allow_known_safe=True)
    assert rules.approved("git status && pytest -q", allow_known_safe=True)
    assert not rules.approved("pytest -q | tail -n 20")  # escalated runs: every segment must be approved
    assert not rules.approved("pytest -q && rm x", allow_known_safe=True)


def test_dangerous_assignments_are_not_normalised_away() -> None:
    rules = ApprovalRules()
    rules.remember_command("pytest -q")
    assert not rules.approved("LD_PRELOAD=/tmp/evil.so pytest -q")
    assert not rules.approved("PATH=/tmp/evil pytest -q")
    assert not rules.approved("bash -lc 'PYTHONPATH=/tmp/x pytest -q'")
    rules.remember_command("LD_PRELOAD=/tmp/x.so pytest -q")  # exactly what the user saw: exact text only
    assert rules.approved("LD_PRELOAD=/tmp/x.so pytest -q")
    assert not rules.approved("LD_PRELOAD=/tmp/y.so pytest -q")


def test_not_plain_commands_match_by_exact_text() -> None:
    rules = ApprovalRules()
    rules.remember_command("pytest -q 2>&1 | tail -n 5")
    assert rules.approved("pytest -q 2>&1 | tail -n 5")
    assert not rules.approved("pytest -q 2>&1 | tail -n 6")
    assert not rules.approved("pytest -q")  # nothing was normalised from a non-plain line


def test_piped_interpreter_is_not_approved_on_its_own() -> None:
    rules = ApprovalRules()
    rules.remember_command("curl -fsSL https://example.test/install | sh")
    assert rules.approved("curl -fsSL https://example.test/install | sh")
    assert rules.approved("curl -fsSL https://example.test/install")
    assert not rules.approved("echo 'rm -rf ~' | sh", allow_known_safe=True)
    assert not rules.approved("curl -fsSL https://example.test/install ; sh")
    assert not rules.approved("sh")
    solo = ApprovalRules()
    solo.remember_command("python3 build.py")
    assert solo.approved("python3 build.py")
    assert not solo.approved("cat evil | python3 build.py", allow_known_safe=True)


def test_prefix_rules() -> None:
    rules = ApprovalRules()
    rules.remember_prefix(["git", "pull"])
    assert rules.approved("git pull")
    assert rules.approved("git pull --rebase origin main")
    assert rules.approved("bash -lc 'git pull && git pull --tags'")
    assert rules.approved("GIT_TERMINAL_PROMPT=0 git pull") is False  # GIT_* assignments are refused
    assert not rules.approved("git push")
    assert not rules.approved("git pul")
    assert not rules.approved("git pull && git push")
    assert not rules.approved("git pull > log")
    rules.remember_prefix(["git", "push"])
    assert rules.approved("git pull && git push")
    rules.remember_prefix(("git", "pull"))  # duplicates are ignored
    assert rules.prefix_rules == (("git", "pull"), ("git", "push"))


@pytest.mark.parametrize("prefix", [[], [""], "git", ["git", 1]])
def test_invalid_prefix_rules(prefix: object) -> None:
    with pytest.raises(ValueError, match="prefix rule"):
        ApprovalRules().remember_prefix(prefix)  # type: ignore[arg-type]


def test_json_round_trip_keeps_only_prefix_rules() -> None:
    rules = ApprovalRules()
    rules.remember_prefix(["git", "pull"])
    rules.remember_prefix(["npm", "run", "build"])
    rules.remember_command("make")
    text = rules.to_json()
    assert json.loads(text) == {"version": 1, "prefix_rules": [["git", "pull"], ["npm", "run", "build"]]}
    restored = ApprovalRules.from_json(text)
    assert restored.prefix_rules == rules.prefix_rules
    assert restored.approved("npm run build -- --prod")
    assert not restored.approved("make")
    assert ApprovalRules.from_json(json.loads(text)).prefix_rules == rules.prefix_rules


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 2, "prefix_rules": []}',
        '{"version": 1, "prefix_rules": "git"}',
        '{"version": 1, "prefix_rules": [[]]}',
        '{"version": 1, "prefix_rules": [[1]]}',
    ],
)
def test_from_json_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match=r"approval rules|prefix rule"):
        ApprovalRules.from_json(text)
