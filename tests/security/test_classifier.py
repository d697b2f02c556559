"""Tricks against the known-safe classifier, through the agent loop under ``untrusted`` with an
approver that declines everything: each must be ASKED (so, declined, it never runs), while plain
read-only commands run without asking. Control: the same command line run by bash directly really
damages a copy of the workspace.

Layer: the classifier (tree-sitter-bash; words are judged before bash expands them, so unquoted
``* ? [ { \\`` and every substitution/redirection make a line "not known safe").
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sandbox_attacks import RUN_TIMEOUT_S, DeclineAll, Escaped, Harness, snapshot

from tandem.config import ApprovalPolicy
from tandem.protocol.enums import ItemStatus
from tandem.protocol.items import CommandExecutionItem

from helpers import last_outputs, message, respond, shell

TRICKS = {
    "brace-expansion-delete": "find . {-delete,}",
    "glob-expands-to-delete": "find . *",  # the workspace holds a file named `-delete`
    "command-substitution": "ls $(rm -rf victim)",
    "backticks": "ls `rm -rf victim`",
    "substitution-in-double-quotes": 'echo "$(rm -rf victim)"',
    "redirection": "cat a.txt > b.txt",
    "append-redirection": "echo pwned >> b.txt",
    "pipe-to-shell": "echo rm -rf victim | sh",
    "bash-c-wrapper": "bash -lc 'ls && rm -rf victim'",
    "find-exec": "find . -name a.txt -exec rm {} +",
    "git-config-flag": "git -c core.fsmonitor='rm -rf victim' status",
    "process-substitution": "cat <(rm -rf victim)",
}


def populate(root: Path) -> None:
    """A workspace in which every trick above does visible damage (``*`` expands to ``-delete``
    only: the other entries are dot-files, which ``*`` skips)."""
    root.mkdir(exist_ok=True)
    (root / "-delete").write_text("")
    (root / "a.txt").write_text("A\n")
    (root / "b.txt").write_text("B\n")
    (root / "victim").mkdir()
    (root / "victim" / "data.txt").write_text("precious\n")
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=root,
        check=True,
    )


def visible(root: Path) -> dict[str, tuple[object, ...]]:
    return {key: value for key, value in snapshot(root).items() if not key.startswith(".git")}


@pytest.mark.parametrize("name", list(TRICKS))
async def test_tricky_commands_are_asked_and_declined(
    agent: Callable[..., Harness], workspace: Path, tmp_path: Path, name: str
) -> None:
    command = TRICKS[name]
    populate(workspace)
    if name == "glob-expands-to-delete":  # `*` must match only `-delete` for the trick to work
        for entry in ("a.txt", "b.txt", "victim"):
            path = workspace / entry
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        (workspace / ".hidden.txt").write_text("hidden\n")
    control_root = tmp_path / "control"
    shutil.copytree(workspace, control_root, symlinks=True)
    before = visible(workspace)

    approver = DeclineAll()
    h = agent([respond(shell(command)), respond(message("ok"))], policy=ApprovalPolicy.UNTRUSTED, approver=approver)
    await h.turn()
    damaged = visible(workspace) != before
    asked = [request.command for request in approver.requests]
    if damaged or asked != [command]:
        raise Escaped(f"{command!r}: asked={asked}, workspace changed={damaged}")
    assert last_outputs(h.bodies()[1]) == ["exec command rejected by user"]
    assert [item.status for item in h.completed(CommandExecutionItem)] == [ItemStatus.DECLINED]

    subprocess.run(["bash", "-c", command], cwd=control_root, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    assert visible(control_root) != before, f"control: {command!r} did no damage when run by bash directly"


SAFE = {
    "ls": "ls",
    "git status": "git status",
    "rg": "rg precious",
    "pipeline": "cat a.txt | wc -l && git log --oneline | head -1",
    "sed print": "sed -n 1p a.txt",
}


@pytest.mark.parametrize("name", list(SAFE))
async def test_read_only_commands_run_without_asking(agent: Callable[..., Harness], workspace: Path, name: str) -> None:
    populate(workspace)
    approver = DeclineAll()
    h = agent([respond(shell(SAFE[name])), respond(message("ok"))], policy=ApprovalPolicy.UNTRUSTED, approver=approver)
    await h.turn()
    assert approver.requests == []
    output = last_outputs(h.bodies()[1])[0]
    assert output.startswith("Exit code: 0"), output
