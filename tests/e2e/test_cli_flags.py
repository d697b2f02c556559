"""No flag is silently misread: abbreviations and typos are errors naming the flag on every
subcommand, contradicting safety flags are errors, a missing `-C` folder or an unwritable `-o` file
is found before anything runs, an empty prompt is refused, piped stdin joins a prompt argument as
Codex does, and running without a sandbox is said once at start. The real CLI in a subprocess."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.cli import build_parser

from helpers import message, respond, run_tandem, shell

ABBREVIATED = {
    "exec": [["--y", "hi"], ["--yo", "hi"], ["--d", "hi"], ["--dang", "hi"], ["--mode", "read-only", "hi"]],
    "exec resume": [["--yo", "--last"], ["--dang", "--last"], ["--la"]],
    "lsp": [["--y"], ["--yo"], ["--d"], ["--dang"]],
    "sandbox": [["--y", "--", "true"], ["--dang", "--", "true"], ["--sand", "read-only", "--", "true"]],
    "checkpoints": [["prune", "--o", "0"], ["prune", "--older", "0"]],
    "doctor": [["--skip"], ["--time", "3"]],
    "sessions": [["list", "--lim", "3"], ["list", "--js"]],
    "undo": [["--tu", "abc"]],
    "redo": [["--c", "."]],
    "apply-patch": [["--c", "."]],
    "protocol": [["schema", "--ou", "x.json"]],
    "demo": [["--ke"], ["--work", "x"]],
    "mcp": [["list", "--js"], ["add", "x", "--ur", "http://a"], ["add", "x", "--bearer", "V", "--url", "http://a"]],
    "skills": [["list", "--js"], ["list", "--c", "."]],
    "hooks": [["list", "--js"]],
}
MISTYPED = {"exec": ["--modle", "x", "hi"], "sandbox": ["--sandox", "read-only", "--", "true"]}


def _subcommands() -> set[str]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices) - {"exec-resume"}
    return set()


def test_the_abbreviation_table_covers_every_subcommand() -> None:
    assert {name.split()[0] for name in ABBREVIATED} == _subcommands()


@pytest.mark.parametrize(
    ("command", "args"),
    [(name, args) for name, cases in ABBREVIATED.items() for args in cases] + list(MISTYPED.items()),
)
def test_an_abbreviated_or_mistyped_flag_is_an_error_naming_it(
    command: str, args: list[str], model_server, workspace: Path
) -> None:
    server = model_server([respond(shell("touch ran.txt")), respond(message("done"))])
    result = run_tandem(*command.split(), *args, cwd=workspace, timeout=30)
    assert result.returncode == 2, result.stderr
    flag = next(a for a in args if a.startswith("--"))
    assert f"unrecognized arguments: {flag}" in result.stderr
    assert server.requests == [] and not (workspace / "ran.txt").exists()


def test_prune_with_an_abbreviated_flag_deletes_nothing(model_server, workspace: Path) -> None:
    model_server([respond(shell("echo new > made.txt")), respond(message("done"))])
    assert run_tandem("exec", "make a file", cwd=workspace).returncode == 0
    assert run_tandem("checkpoints", "prune", "--o", "0", cwd=workspace).returncode == 2
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert not (workspace / "made.txt").exists()


def test_sandbox_mode_is_an_alias_of_sandbox(workspace: Path, tandem_home: Path) -> None:
    from tandem.sandbox.probe import Strength, probe

    if probe().strength is not Strength.FULL:
        pytest.skip("needs bubblewrap (installed by `make test` when run as root)")
    denied = run_tandem("sandbox", "--mode", "read-only", "--", "touch", "x.txt", cwd=workspace)
    assert denied.returncode != 0 and not (workspace / "x.txt").exists()
    allowed = run_tandem("sandbox", "--mode", "workspace-write", "--", "touch", "x.txt", cwd=workspace)
    assert allowed.returncode == 0, allowed.stderr
    assert (workspace / "x.txt").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["exec", "-s", "read-only", "--yolo", "hi"],
        ["exec", "--yolo", "-s", "read-only", "hi"],
        ["exec", "--dangerously-bypass-approvals-and-sandbox", "--full-auto", "hi"],
        ["exec", "resume", "--last", "-s", "read-only", "--yolo"],
        ["exec", "-s", "read-only", "resume", "--last", "--yolo"],
        ["lsp", "--yolo", "-s", "workspace-write"],
        ["sandbox", "-s", "read-only", "--yolo", "--", "touch", "ran.txt"],
        ["sandbox", "--yolo", "--mode", "read-only", "--", "touch", "ran.txt"],
    ],
)
def test_conflicting_safety_flags_are_an_error(command: list[str], model_server, workspace: Path) -> None:
    server = model_server([respond(shell("touch ran.txt")), respond(message("done"))])
    result = run_tandem(*command, cwd=workspace, timeout=30)
    assert result.returncode == 2
    assert "cannot be used with" in result.stderr and "--yolo" in result.stderr
    assert server.requests == [] and not (workspace / "ran.txt").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["exec", "-C", "{missing}", "hi"],
        ["apply-patch", "-C", "{missing}"],
        ["sandbox", "-C", "{missing}", "--", "pwd"],
    ],
)
def test_a_missing_cd_folder_is_an_error(command: list[str], model_server, tmp_path: Path) -> None:
    server = model_server([respond(message("never"))])
    missing = tmp_path / "typo" / "project"
    patch = "*** Begin Patch\n*** Add File: new.txt\n+x\n*** End Patch\n"
    args = [part.format(missing=missing) for part in command]
    result = run_tandem(*args, cwd=tmp_path, stdin=patch if args[0] == "apply-patch" else None)
    assert result.returncode == 2
    assert f"argument -C/--cd: no such directory: {missing}" in result.stderr
    assert "Success" not in result.stdout and "pwd" not in result.stderr
    assert not (tmp_path / "typo").exists() and server.requests == []


@pytest.mark.parametrize("target", ["missing-dir/out.txt", "a-folder"])
def test_an_unwritable_output_file_is_found_before_the_turn(target: str, model_server, workspace: Path) -> None:
    (workspace / "a-folder").mkdir()
    server = model_server([respond(message("the answer"))])
    result = run_tandem("exec", "-o", target, "answer me", cwd=workspace)
    assert result.returncode == 1
    assert f"-o {target}:" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(("argument", "stdin"), [("", None), ("   \n\t", None), ("-", "  \n"), (None, " ")])
def test_an_empty_prompt_is_refused(argument: str | None, stdin: str | None, model_server, workspace: Path) -> None:
    server = model_server([respond(message("never"))])
    result = run_tandem("exec", *([argument] if argument is not None else []), cwd=workspace, stdin=stdin)
    assert result.returncode == 1
    assert "empty" in result.stderr
    assert server.requests == []


def test_piped_stdin_is_appended_to_a_prompt_argument(model_server, workspace: Path) -> None:
    server = model_server([respond(message("summarised"))])
    result = run_tandem("exec", "summarise this", cwd=workspace, stdin="line one\nline two")
    assert result.returncode == 0, result.stderr
    body = server.requests[-1].body
    assert body is not None
    texts = [p["text"] for i in body["input"] if i.get("role") == "user" for p in i["content"] if "text" in p]
    assert texts[-1] == "summarise this\n\n<stdin>\nline one\nline two\n</stdin>"


def test_resume_reads_no_stdin_beside_its_prompt_as_in_codex(model_server, workspace: Path) -> None:
    server = model_server([respond(message("first")), respond(message("second"))])
    assert run_tandem("exec", "start", cwd=workspace).returncode == 0
    result = run_tandem("exec", "resume", "--last", "go on", cwd=workspace, stdin="not for the prompt")
    assert result.returncode == 0, result.stderr
    body = server.requests[-1].body
    assert body is not None
    texts = [p["text"] for i in body["input"] if i.get("role") == "user" for p in i["content"] if "text" in p]
    assert texts[-1] == "go on"


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["sessions", "list", "--limit", "0"], "--limit"),
        (["sessions", "list", "--limit", "-1"], "--limit"),
        (["doctor", "--timeout", "-1"], "--timeout"),
        (["doctor", "--timeout", "0"], "--timeout"),
        (["checkpoints", "prune", "--older-than", "-1"], "--older-than"),
    ],
)
def test_out_of_range_numbers_are_refused(command: list[str], flag: str, tandem_home: Path, workspace: Path) -> None:
    result = run_tandem(*command, cwd=workspace, timeout=30)
    assert result.returncode == 2 and f"argument {flag}" in result.stderr


@pytest.mark.parametrize(
    "flags",
    [["--yolo"], ["--dangerously-bypass-approvals-and-sandbox"], ["-s", "danger-full-access"]],
)
def test_running_without_a_sandbox_is_said_once_at_start(flags: list[str], model_server, workspace: Path) -> None:
    model_server([respond(message("done"))])
    result = run_tandem("exec", *flags, "--json", "hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("running without a sandbox") == 1
    assert json.loads(result.stdout.splitlines()[0])["type"] == "thread.started"  # stdout stays JSONL


def test_tandem_sandbox_says_when_it_runs_without_one(workspace: Path, tandem_home: Path) -> None:
    result = run_tandem("sandbox", "--yolo", "--", "true", cwd=workspace)
    assert result.returncode == 0 and result.stderr.count("running without a sandbox") == 1


def test_a_trusted_project_asking_for_no_sandbox_is_said_at_start(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    (workspace / ".tandem").mkdir()
    (workspace / ".tandem" / "config.toml").write_text('sandbox_mode = "danger-full-access"\n')
    (tandem_home / "config.toml").write_text(f'[projects."{workspace}"]\ntrust_level = "trusted"\n')
    model_server([respond(message("done")), respond(message("done"))])
    result = run_tandem("exec", "hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("running without a sandbox") == 1 and "configuration" in result.stderr
    sandboxed = run_tandem("exec", "-s", "workspace-write", "hi", cwd=workspace)
    assert "running without a sandbox" not in sandboxed.stderr


def test_the_language_server_logs_running_without_a_sandbox(workspace: Path, tandem_home: Path) -> None:
    log = workspace / "lsp.log"
    result = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "lsp", "--yolo", "--log-file", str(log)],
        cwd=workspace,
        stdin=subprocess.DEVNULL,  # end of input: the server starts, then stops
        capture_output=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )
    assert result.stdout == b""  # the LSP channel carries no log line
    assert log.read_text().count("running without a sandbox and no approvals") == 1


def test_output_schema_that_is_not_a_json_object_is_refused_before_any_request(model_server, workspace: Path) -> None:
    server = model_server([respond(message("never"))])
    (workspace / "broken.json").write_text("{not json")
    (workspace / "list.json").write_text("[1, 2]")
    for name, words in (("broken.json", "not valid JSON"), ("list.json", "must be a JSON object"), ("no.json", "")):
        result = run_tandem("exec", "--output-schema", name, "hi", cwd=workspace)
        assert result.returncode == 1 and f"--output-schema {name}:" in result.stderr and words in result.stderr
    assert server.requests == []


def test_codex_exec_flags_are_accepted_with_their_meaning(model_server, workspace: Path, tandem_home: Path) -> None:
    (tandem_home / "config.toml").write_text('[profiles.quick]\nmodel = "from-the-profile"\n')
    image = workspace / "pic.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    server = model_server([respond(message("done"))])
    result = run_tandem(
        "exec",
        "--experimental-json",
        "--skip-git-repo-check",
        "--ephemeral",
        "--color",
        "never",
        "-p",
        "quick",
        "--add-dir",
        str(workspace),
        "--full-auto",
        "-i",
        str(image),
        "look at this",
        cwd=workspace,
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[-1].body
    assert body is not None and body["model"] == "from-the-profile"
    parts = [p for i in body["input"] if i.get("role") == "user" for p in i["content"]]
    assert parts[-2]["type"] == "input_image" and parts[-1]["text"] == "look at this"
    assert not (tandem_home / "sessions").exists() or not list((tandem_home / "sessions").rglob("*.jsonl"))


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["exec", "--thread-source", "x", "hi"], "does not support --thread-source"),
        (["exec", "--cyber-access-program", "standard", "hi"], "does not support --cyber-access-program"),
        (["exec", "review", "--uncommitted"], "does not support code review"),
        (["exec", "--last", "hi"], "unrecognized arguments: --last"),
        (["exec", "-i", "missing.png", "hi"], "--image missing.png: no such file"),
        (["exec", "--add-dir", "missing", "hi"], "--add-dir"),
        (["exec", "-s", "read-only", "--add-dir", ".", "hi"], "--add-dir has no effect"),
        (["exec", "--ephemeral", "resume", "--last"], "--ephemeral cannot be combined with resume"),
    ],
)
def test_unsupported_codex_flags_are_refused_clearly(
    command: list[str], words: str, model_server, workspace: Path
) -> None:
    server = model_server([respond(message("never"))])
    result = run_tandem(*command, cwd=workspace)
    assert result.returncode != 0 and words in result.stderr
    assert server.requests == []


def test_skip_git_repo_check_says_it_changes_nothing(workspace: Path) -> None:
    words = " ".join(run_tandem("exec", "--help", cwd=workspace).stdout.split())
    assert "--skip-git-repo-check accepted for codex exec compatibility and changes nothing" in words
