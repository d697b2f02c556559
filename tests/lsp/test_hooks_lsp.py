"""Hooks over LSP, with real bash and python hook scripts in `$TANDEM_HOME/hooks.json`, a real `tandem lsp`
and the scripted model server: a PreToolUse deny (the model reads the reason, the command never ran), a
failing hook shown as a `window/showMessage` warning (and an `error` item), `--debug-hooks` log lines,
and UserPromptSubmit on steered input (context added, a blocked steer never reaches the model)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types

from tandem.protocol import methods

from helpers import message, respond, shell


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body)
    path.chmod(0o755)
    return path


def _hooks_json(home: Path, hooks: dict[str, str]) -> None:
    groups = {event: [{"hooks": [{"type": "command", "command": command}]}] for event, command in hooks.items()}
    (home / "hooks.json").write_text(json.dumps({"hooks": groups}))


def _texts(body: dict[str, Any], role: str) -> list[str]:
    return [
        part["text"]
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == role
        for part in item["content"]
    ]


def _errors(editor: Any) -> list[str]:
    return [
        p["item"]["message"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "error"
    ]


def _warnings(editor: Any) -> list[str]:
    return [m.message for m in editor.client.messages if m.type == types.MessageType.Warning]


async def test_a_pre_tool_use_deny_and_a_failing_hook_reported_as_a_warning(
    lsp, tandem_home: Path, workspace: Path, tmp_path: Path
) -> None:
    deny = _script(tmp_path, "deny.sh", "#!/bin/bash\ncat > /dev/null\necho 'no commands today' >&2\nexit 2\n")
    broken = _script(tmp_path, "broken.sh", "#!/bin/bash\necho 'the hook broke' >&2\nexit 1\n")
    _hooks_json(tandem_home, {"PreToolUse": str(deny), "SessionStart": str(broken)})
    log_file = tmp_path / "lsp.log"
    editor, server = await lsp(
        [respond(shell("echo ran > ran.txt")), respond(message("ok"))],
        args=("--debug-hooks", "--log-file", str(log_file)),
    )
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("run it")})
    done = await editor.wait_for(methods.TURN_COMPLETED, timeout=60)
    assert done["turn"]["status"] == "completed"
    assert not (workspace / "ran.txt").exists()  # the command never ran
    (output,) = [i["output"] for i in server.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert "blocked by PreToolUse hook: no commands today" in output
    source = tandem_home / "hooks.json"
    expected = f"SessionStart hook `{broken}` ({source}) failed: exited with code 1: the hook broke"
    assert any(expected in w for w in _warnings(editor)), _warnings(editor)
    assert any(expected in e for e in _errors(editor)), _errors(editor)
    log = log_file.read_text()
    assert f"hook PreToolUse[Bash] `{deny}` ({source}): exit 2" in log and "-> deny: no commands today" in log
    assert f"hook SessionStart[startup] `{broken}` ({source}): exit 1" in log
    assert expected in log  # the warning line too


async def test_steered_input_fires_user_prompt_submit(lsp, tandem_home: Path, workspace: Path, tmp_path: Path) -> None:
    seen = tmp_path / "prompts.txt"
    hook = _script(
        tmp_path,
        "prompt.py",
        f"#!{sys.executable}\nimport json, sys\nprompt = json.load(sys.stdin)['prompt']\n"
        f"open({str(seen)!r}, 'a').write(prompt + '\\n')\n"
        "if 'secret' in prompt:\n    print('no secrets', file=sys.stderr)\n    sys.exit(2)\n"
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'UserPromptSubmit', "
        "'additionalContext': 'context for: ' + prompt}}))\n",
    )
    _hooks_json(tandem_home, {"UserPromptSubmit": str(hook)})
    os.mkfifo(workspace / "gate")
    editor, server = await lsp([respond(shell("cat gate", timeout_ms=30_000)), respond(message("ok, in French"))])
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": text("do it")})
    await editor.wait_for(methods.ITEM_STARTED, lambda p: p["item"]["type"] == "commandExecution", timeout=60)
    await editor.request(methods.TURN_STEER, {"threadId": thread, "input": text("answer in French")})
    await editor.request(methods.TURN_STEER, {"threadId": thread, "input": text("the secret is 42")})
    with open(workspace / "gate", "w") as gate:
        gate.write("x\n")
    done = await editor.wait_for(methods.TURN_COMPLETED, timeout=60)
    assert done["turn"]["status"] == "completed"
    assert seen.read_text().splitlines() == ["do it", "answer in French", "the secret is 42"]
    last = server.requests[-1].body
    assert _texts(last, "user")[-1] == "answer in French"
    assert _texts(last, "developer")[-2:] == ["context for: do it", "context for: answer in French"]
    assert "secret" not in json.dumps(last)  # the blocked steer never reached the model
    blocked = "steered input blocked by a UserPromptSubmit hook: no secrets"
    assert any(blocked in w for w in _warnings(editor)), _warnings(editor)
    assert any(blocked in e for e in _errors(editor))
