"""`tandem exec` end to end: the real CLI in a subprocess against the scripted model server."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import TEST_API_KEY, jsonl, last_outputs, message, patch_call, respond, run_tandem, shell

FIX = """*** Begin Patch
*** Update File: app.py
@@ def greet(name):
-    return "Hello " + nam
+    return "Hello " + name
*** End Patch"""


def make_app(workspace: Path) -> Path:
    app = workspace / "app.py"
    app.write_text('def greet(name):\n    return "Hello " + nam\n')
    return app


def test_json_events_follow_codex_exec_schema(model_server, workspace: Path) -> None:
    app = make_app(workspace)
    server = model_server(
        [
            respond(shell("cat app.py")),
            respond(message("Fixing the typo."), patch_call(FIX)),
            respond(message("Done: `greet` now uses `name`.")),
        ]
    )
    result = run_tandem("exec", "--json", "fix app.py", cwd=workspace)
    assert result.returncode == 0, result.stderr
    events = jsonl(result.stdout)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "thread.started" and kinds[1] == "turn.started" and kinds[-1] == "turn.completed"
    items = [(e["type"], e["item"]["type"]) for e in events if e["type"].startswith("item.")]
    assert items == [
        ("item.started", "command_execution"),
        ("item.completed", "command_execution"),
        ("item.completed", "agent_message"),
        ("item.started", "file_change"),
        ("item.completed", "file_change"),
        ("item.completed", "agent_message"),
    ]
    command = next(
        e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "command_execution"
    )
    assert command["command"] == "cat app.py" and command["exit_code"] == 0 and command["status"] == "completed"
    assert 'return "Hello " + nam' in command["aggregated_output"]
    change = next(e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "file_change")
    assert change == {
        "id": change["id"],
        "type": "file_change",
        "changes": [{"path": "app.py", "kind": "update"}],
        "status": "completed",
    }
    assert events[-1]["usage"]["input_tokens"] > 0 and "cached_input_tokens" in events[-1]["usage"]
    assert app.read_text() == 'def greet(name):\n    return "Hello " + name\n'
    # The model saw the command's output and the patch result, in Codex's formats.
    requests = server.requests
    assert len(requests) == 3
    assert last_outputs(requests[1].body)[0].startswith("Exit code: 0\nWall time: ")
    assert last_outputs(requests[2].body) == ["Success. Updated the following files:\nM app.py"]


def test_human_output_streams_answer_to_stdout_and_the_rest_to_stderr(model_server, workspace: Path) -> None:
    make_app(workspace)
    model_server([respond(shell("cat app.py")), respond(patch_call(FIX)), respond(message("All fixed."))])
    result = run_tandem("exec", "fix app.py", "-o", "last.md", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "All fixed." in result.stdout
    assert "$ cat app.py" in result.stderr and "exit 0" in result.stderr
    assert "turn diff" in result.stderr and '+    return "Hello " + name' in result.stderr
    assert (workspace / "last.md").read_text() == "All fixed.\n"


def test_prompt_from_stdin(model_server, workspace: Path) -> None:
    server = model_server([respond(message("ok"))])
    result = run_tandem("exec", "-", cwd=workspace, stdin="what is in here?\n")
    assert result.returncode == 0, result.stderr
    user_text = server.requests[0].body["input"][-1]["content"][0]["text"]
    assert user_text == "what is in here?\n"


def test_without_a_model_it_says_how_to_configure_one(tandem_home: Path, workspace: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    result = run_tandem("exec", "hello", cwd=workspace, env=env)
    assert result.returncode == 1
    assert "OPENAI_API_KEY" in result.stderr and "--oss" in result.stderr


def test_failed_turn_exits_1_with_turn_failed(model_server, workspace: Path) -> None:
    model_server(
        [{"fault": {"kind": "http_error", "status": 401, "body": {"error": {"message": "Incorrect API key provided"}}}}]
    )
    result = run_tandem("exec", "--json", "hi", cwd=workspace)
    assert result.returncode == 1
    failed = jsonl(result.stdout)[-1]
    assert failed["type"] == "turn.failed" and "Incorrect API key" in failed["error"]["message"]


def test_resume_continues_the_same_history(model_server, workspace: Path, tandem_home: Path) -> None:
    server = model_server([respond(message("first answer")), respond(message("second answer"))])
    first = run_tandem("exec", "--json", "first question", cwd=workspace)
    thread_id = jsonl(first.stdout)[0]["thread_id"]
    second = run_tandem("exec", "resume", thread_id[:8], "second question", "--json", cwd=workspace)
    assert second.returncode == 0, second.stderr
    assert jsonl(second.stdout)[0]["thread_id"] == thread_id
    one, two = (r.body for r in server.requests)
    assert two["input"][: len(one["input"])] == one["input"][: len(one["input"])]
    texts = [
        part["text"]
        for item in two["input"]
        if item.get("type") == "message"
        for part in item["content"]
        if "text" in part
    ]
    assert "first question" in texts and "first answer" in texts and texts[-1] == "second question"
    assert two["prompt_cache_key"] == one["prompt_cache_key"] == thread_id
    last = run_tandem("exec", "resume", "--last", "third", cwd=workspace)
    assert last.returncode == 1  # the script is exhausted, but it did resume the same thread
    assert server.requests[-1].body["prompt_cache_key"] == thread_id


def test_sessions_list_and_show(model_server, workspace: Path) -> None:
    make_app(workspace)
    model_server([respond(shell("cat app.py")), respond(message("It greets people."))])
    thread_id = jsonl(run_tandem("exec", "--json", "what does app.py do?", cwd=workspace).stdout)[0]["thread_id"]
    listed = run_tandem("sessions", "list", cwd=workspace)
    assert thread_id in listed.stdout and "what does app.py do?" in listed.stdout
    shown = run_tandem("sessions", "show", thread_id[:6], cwd=workspace)
    assert shown.returncode == 0
    assert "$ cat app.py" in shown.stdout and "It greets people." in shown.stdout
    as_json = run_tandem("sessions", "list", "--json", cwd=workspace)
    assert json.loads(as_json.stdout.splitlines()[0])["id"] == thread_id
    missing = run_tandem("sessions", "show", "ffffffff", cwd=workspace)
    assert missing.returncode == 1 and "no session" in missing.stderr


def test_api_key_never_reaches_commands_logs_or_rollouts(model_server, workspace: Path, tandem_home: Path) -> None:
    server = model_server([respond(shell("env")), respond(message("done"))])
    result = run_tandem("exec", "--json", "show env", cwd=workspace)
    assert result.returncode == 0
    env_output = last_outputs(server.requests[1].body)[0]
    assert "PATH=" in env_output and TEST_API_KEY not in env_output and "OPENAI_API_KEY" not in env_output
    assert TEST_API_KEY not in result.stdout + result.stderr
    for rollout in (tandem_home / "sessions").rglob("*.jsonl"):
        assert TEST_API_KEY not in rollout.read_text()
    assert server.requests[0].headers.get("authorization") == f"Bearer {TEST_API_KEY}"


def test_apply_patch_command(workspace: Path) -> None:
    app = make_app(workspace)
    result = run_tandem("apply-patch", cwd=workspace, stdin=FIX)
    assert result.returncode == 0 and result.stdout == "Success. Updated the following files:\nM app.py\n"
    assert "+ name" in app.read_text()
    again = run_tandem("apply-patch", cwd=workspace, stdin=FIX)
    assert again.returncode == 1 and "app.py" in again.stderr


def test_model_cwd_and_function_form_of_apply_patch(model_server, workspace: Path, tmp_path: Path) -> None:
    make_app(workspace)
    fn_call = {"type": "function_call", "name": "apply_patch", "arguments": {"input": FIX}}
    server = model_server([respond(fn_call), respond(message("done"))])
    result = run_tandem(
        "exec", "-m", "my-model", "-C", str(workspace), "-c", 'apply_patch_tool_type="function"', "fix it", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    first = server.requests[0].body
    assert first["model"] == "my-model"
    patch_tool = next(t for t in first["tools"] if t["name"] == "apply_patch")
    assert patch_tool["type"] == "function" and patch_tool["parameters"]["required"] == ["input"]
    assert f"<cwd>{workspace}</cwd>" in json.dumps(first["input"])
    assert last_outputs(server.requests[1].body) == ["Success. Updated the following files:\nM app.py"]
    assert "+ name" in (workspace / "app.py").read_text()


def test_agents_md_reaches_the_model(model_server, workspace: Path) -> None:
    (workspace / ".git").mkdir()
    (workspace / "AGENTS.md").write_text("Always run `make check` before finishing.\n")
    server = model_server([respond(message("ok"))])
    assert run_tandem("exec", "hi", cwd=workspace).returncode == 0
    texts = [part["text"] for item in server.requests[0].body["input"] for part in item.get("content", [])]
    agents = next(t for t in texts if t.startswith("# AGENTS.md instructions"))
    assert "<INSTRUCTIONS>\nAlways run `make check` before finishing.\n</INSTRUCTIONS>" in agents


def test_a_killed_session_resumes_with_everything_recorded_and_the_turn_marked_aborted(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from helpers import processes_named

    marker = f"tandem-kill-{os.getpid()}"
    server = model_server(
        [
            respond(message("Looking first."), shell(f"exec -a {marker} sleep 600", timeout_ms=600_000)),
            respond(message("Resumed fine.")),
        ]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "exec", "--json", "start the long job"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    assert proc.stdout is not None
    thread_id = json.loads(proc.stdout.readline())["thread_id"]
    deadline = time.monotonic() + 30
    while not processes_named(marker) and time.monotonic() < deadline:  # the command is running
        time.sleep(0.05)
    assert processes_named(marker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    while processes_named(marker) and time.monotonic() < deadline:  # bwrap dies with its parent
        time.sleep(0.05)
    assert processes_named(marker) == []
    resumed = run_tandem("exec", "resume", thread_id, "what happened?", "--json", cwd=workspace)
    assert resumed.returncode == 0, resumed.stderr
    body = server.requests[-1].body
    kinds = [i["type"] for i in body["input"]]
    assert "function_call" in kinds and "function_call_output" in kinds
    call = next(i for i in body["input"] if i["type"] == "function_call")
    output = next(i for i in body["input"] if i["type"] == "function_call_output")
    assert output["call_id"] == call["call_id"] and output["output"].startswith("aborted")
    texts = [p.get("text", "") for i in body["input"] if i.get("type") == "message" for p in i["content"]]
    assert "Looking first." in texts and "start the long job" in texts
    assert any(t.startswith("<turn_aborted>") for t in texts) and texts[-1] == "what happened?"
    shown = run_tandem("sessions", "show", thread_id, cwd=workspace)
    assert "turn interrupted: the session ended before this turn finished" in shown.stdout


def test_an_oversize_prompt_is_refused_before_any_request_with_its_size_and_the_limit(
    model_server, workspace: Path
) -> None:
    server = model_server([respond(message("should never be asked"))])
    prompt = "y" * (5 * 1024 * 1024)
    result = run_tandem("exec", "--json", "-", cwd=workspace, stdin=prompt)
    assert result.returncode == 1
    assert "Input exceeds the maximum length of 1048576 characters" in result.stderr
    assert f"{len(prompt)}" in result.stderr and "Traceback" not in result.stderr
    assert server.requests == []


def test_apply_patch_command_with_a_non_utf8_patch_changes_nothing(workspace: Path) -> None:
    import os
    import subprocess
    import sys

    (workspace / "a.txt").write_text("one\n")
    (workspace / "d.txt").write_text("gone\n")
    patch = b"*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+ONE\n*** Delete File: d.txt\n"
    patch += b"*** Add File: new.txt\n+caf\xe9\n*** End Patch\n"
    for locale in ("C", "C.UTF-8"):
        result = subprocess.run(
            [sys.executable, "-m", "tandem.cli", "apply-patch"],
            cwd=workspace,
            input=patch,
            capture_output=True,
            timeout=60,
            env={**os.environ, "LC_ALL": locale},
            check=False,
        )
        assert result.returncode == 1 and b"Traceback" not in result.stderr
        assert b"UTF-8" in result.stderr
        assert (workspace / "a.txt").read_text() == "one\n" and (workspace / "d.txt").exists()
        assert not (workspace / "new.txt").exists()
