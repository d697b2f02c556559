"""Hooks (hooks.json / inline [hooks]) with real bash and python hook scripts, the real `tandem exec` in a
subprocess and the scripted model server: what the hook read on stdin, what the model was told, and
what happened on disk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from helpers import jsonl, message, patch_call, respond, run_tandem, shell


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body)
    path.chmod(0o755)
    return path


def _hooks_json(home: Path, hooks: dict[str, Any]) -> None:
    (home / "hooks.json").write_text(json.dumps({"hooks": hooks}))


def _group(command: str, matcher: str | None = None, timeout: int | None = None) -> list[dict[str, Any]]:
    hook: dict[str, Any] = {"type": "command", "command": command}
    if timeout is not None:
        hook["timeout"] = timeout
    group: dict[str, Any] = {"hooks": [hook]}
    if matcher is not None:
        group["matcher"] = matcher
    return [group]


def _texts(body: dict[str, Any], role: str) -> list[str]:
    return [
        part["text"]
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == role
        for part in item["content"]
    ]


def _errors(stdout: str) -> list[str]:
    return [
        e["item"]["message"] for e in jsonl(stdout) if e["type"] == "item.completed" and e["item"]["type"] == "error"
    ]


def test_pre_tool_use_exit_2_denies_a_command_and_the_model_reads_the_reason(
    model_server, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.json"
    hook = _script(tmp_path, "deny.sh", f"#!/bin/bash\ncat > {seen}\necho 'no commands today' >&2\nexit 2\n")
    _hooks_json(tandem_home, {"PreToolUse": _group(str(hook), "^Bash$")})
    server = model_server([respond(shell("echo ran > ran.txt")), respond(message("ok"))])
    result = run_tandem("exec", "--json", "run it", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert not (workspace / "ran.txt").exists()  # the command never ran
    (output,) = [i["output"] for i in server.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert "blocked by PreToolUse hook: no commands today" in output
    event = json.loads(seen.read_text())
    assert event["hook_event_name"] == "PreToolUse" and event["tool_name"] == "Bash"
    assert event["tool_input"]["command"] == "echo ran > ran.txt"
    assert event["cwd"] == str(workspace.resolve()) and event["session_id"] == event["thread_id"]
    assert event["transcript_path"].endswith(".jsonl") and event["tool_use_id"] and event["turn_id"]


def test_a_deny_decision_on_apply_patch_changes_nothing_and_the_hook_sees_the_parsed_changes(
    model_server, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.json"
    hook = _script(
        tmp_path,
        "deny.py",
        f"#!{sys.executable}\nimport json, sys\nevent = json.load(sys.stdin)\n"
        f"open({str(seen)!r}, 'w').write(json.dumps(event))\n"
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PreToolUse', "
        "'permissionDecision': 'deny', 'permissionDecisionReason': 'src is frozen'}}))\n",
    )
    _hooks_json(tandem_home, {"PreToolUse": _group(str(hook), "apply_patch")})
    patch = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\n"
    server = model_server([respond(patch_call(patch)), respond(message("ok"))])
    result = run_tandem("exec", "--json", "-a", "never", "-s", "workspace-write", "write it", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert list(workspace.iterdir()) == []
    (output,) = [i["output"] for i in server.requests[1].body["input"] if i.get("type") == "custom_tool_call_output"]
    assert "blocked by PreToolUse hook: src is frozen" in output
    event = json.loads(seen.read_text())
    assert event["tool_name"] == "apply_patch" and event["tool_input"]["patch"] == patch
    assert event["tool_input"]["changes"] == [
        {"path": str(workspace.resolve() / "new.txt"), "kind": "add", "content": "hello\n"}
    ]


def test_post_tool_use_context_from_inline_config_reaches_the_model(
    model_server, tandem_home: Path, workspace: Path
) -> None:
    answer = json.dumps({"hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "lint is clean"}})
    (tandem_home / "config.toml").write_text(
        '[[hooks.PostToolUse]]\nmatcher = "shell_command"\n'
        f'[[hooks.PostToolUse.hooks]]\ntype = "command"\ncommand = {json.dumps("echo " + repr(answer))}\n'
    )
    server = model_server([respond(shell("echo hi")), respond(message("ok"))])
    result = run_tandem("exec", "--json", "go", cwd=workspace)
    assert result.returncode == 0, result.stderr
    items = server.requests[1].body["input"]
    at = next(n for n, i in enumerate(items) if i.get("type") == "function_call_output")
    assert items[at + 1]["role"] == "developer" and items[at + 1]["content"][0]["text"] == "lint is clean"


def test_user_prompt_submit_adds_context_or_blocks_the_prompt(
    model_server, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    hook = _script(
        tmp_path,
        "prompt.sh",
        "#!/bin/bash\nprompt=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[\"prompt\"])')\n"
        'if [[ $prompt == *secret* ]]; then echo "prompts may not mention secrets" >&2; exit 2; fi\n'
        "echo 'the build is green'\n",
    )
    _hooks_json(tandem_home, {"UserPromptSubmit": _group(str(hook))})
    server = model_server([respond(message("ok"))])
    result = run_tandem("exec", "--json", "hello", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "the build is green" in _texts(server.requests[0].body, "developer")
    blocked = run_tandem("exec", "--json", "tell me the secret", cwd=workspace)
    assert len(server.requests) == 1  # no model request for a blocked prompt
    assert any("prompts may not mention secrets" in e for e in _errors(blocked.stdout))
    assert "prompts may not mention secrets" in blocked.stderr


def test_failing_and_timed_out_hooks_are_reported_and_the_tool_still_runs(
    model_server, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    fails = _script(tmp_path, "fails.sh", "#!/bin/bash\necho broken >&2\nexit 1\n")
    hangs = _script(tmp_path, "hangs.sh", "#!/bin/bash\nexec sleep 60\n")
    _hooks_json(
        tandem_home,
        {"PreToolUse": [*_group(str(fails), "Bash"), *_group(str(hangs), "*", timeout=1)]},
    )
    model_server([respond(shell("echo ran > ran.txt")), respond(message("ok"))])
    result = run_tandem("exec", "--json", "go", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "ran.txt").exists()
    errors = _errors(result.stdout)
    assert any("fails.sh" in e and "exited with code 1: broken" in e for e in errors), errors
    assert any("hangs.sh" in e and "timed out after 1 s" in e for e in errors), errors
    assert "timed out after 1 s" in result.stderr


def test_project_hooks_run_only_in_a_trusted_project(
    model_server, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    (workspace / ".git").mkdir()
    (workspace / ".tandem").mkdir()
    (workspace / ".tandem" / "hooks.json").write_text(
        json.dumps({"hooks": {"PreToolUse": _group("echo project says no >&2; exit 2", "Bash")}})
    )
    model_server({"responses": [respond(shell("echo ran >> ran.txt")), respond(message("ok"))], "repeat_last": False})
    untrusted = run_tandem("exec", "--json", "go", cwd=workspace)
    assert untrusted.returncode == 0, untrusted.stderr
    assert (workspace / "ran.txt").read_text() == "ran\n"
    assert any("not run (the project is not trusted" in e for e in _errors(untrusted.stdout))
    (tandem_home / "config.toml").write_text(f'[projects."{workspace.resolve()}"]\ntrust_level = "trusted"\n')
    server = model_server([respond(shell("echo ran >> ran.txt")), respond(message("ok"))])
    trusted = run_tandem("exec", "--json", "go", cwd=workspace)
    assert trusted.returncode == 0, trusted.stderr
    assert (workspace / "ran.txt").read_text() == "ran\n"
    assert "project says no" in json.dumps(server.requests[1].body["input"])


def test_stop_hook_continues_the_turn_once(model_server, tandem_home: Path, workspace: Path, tmp_path: Path) -> None:
    hook = _script(
        tmp_path,
        "stop.py",
        f"#!{sys.executable}\nimport json, sys\nevent = json.load(sys.stdin)\n"
        "if not event['stop_hook_active']:\n"
        "    print(json.dumps({'decision': 'block', 'reason': 'run the tests first'}))\n",
    )
    _hooks_json(tandem_home, {"Stop": _group(str(hook))})
    server = model_server([respond(message("done")), respond(message("tests pass"))])
    result = run_tandem("exec", "--json", "go", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == 2
    assert _texts(server.requests[1].body, "user")[-1] == "run the tests first"


def test_hooks_list_and_debug_hooks(model_server, tandem_home: Path, workspace: Path) -> None:
    _hooks_json(tandem_home, {"PreToolUse": _group("true", "Bash", timeout=5), "Nope": []})
    listed = run_tandem("hooks", "list", cwd=workspace)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"PreToolUse\tBash\t5s\ttrue\t{tandem_home / 'hooks.json'}"]
    assert "skipping event 'Nope'" in listed.stderr
    as_json = json.loads(run_tandem("hooks", "list", "--json", cwd=workspace).stdout)
    assert as_json["hooks"][0]["event"] == "PreToolUse"
    model_server([respond(shell("echo hi")), respond(message("ok"))])
    result = run_tandem("exec", "--debug-hooks", "go", cwd=workspace)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "tandem.hooks.firing" in line]
    assert len(lines) == 1 and "hook PreToolUse[Bash] `true`" in lines[0] and "exit 0" in lines[0]


def test_pre_tool_use_ask_goes_to_the_approver_and_allow_skips_it(
    model_server, tandem_home: Path, workspace: Path
) -> None:
    ask = json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask"}})
    _hooks_json(tandem_home, {"PreToolUse": _group(f"echo {ask!r}", "Bash")})
    server = model_server([respond(shell("echo ran > ran.txt")), respond(message("ok"))])
    # -a never would run it unasked; the hook's ask reaches the approver (no terminal: declined).
    asked = run_tandem("exec", "--json", "-a", "never", "go", cwd=workspace)
    assert asked.returncode == 0, asked.stderr
    assert not (workspace / "ran.txt").exists()
    assert "rejected by user" in json.dumps(server.requests[1].body["input"])
    allow = json.dumps({"decision": "approve"})  # Codex's and Claude Code's legacy form
    _hooks_json(tandem_home, {"PreToolUse": _group(f"echo {allow!r}", "Bash")})
    model_server([respond(shell("echo ran > ran.txt")), respond(message("ok"))])
    # untrusted would ask (and, without a terminal, decline); the hook's allow skips the question.
    allowed = run_tandem("exec", "--json", "-a", "untrusted", "go", cwd=workspace)
    assert allowed.returncode == 0, allowed.stderr
    assert (workspace / "ran.txt").read_text() == "ran\n"
