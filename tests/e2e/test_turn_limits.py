"""Turn guards (``[turn_limits]``): the real `tandem exec` against a scripted model that never stops calling
tools. A loop of identical calls is first told to the model, then ends the turn; the request and tool-call
limits end the turn failed with a message naming the key; every call made has its output."""

from __future__ import annotations

from pathlib import Path

from helpers import jsonl, last_outputs, message, respond, run_tandem, shell


def _failed(events: list[dict[str, object]]) -> str:
    (failed,) = [e for e in events if e["type"] == "turn.failed"]
    error = failed["error"]
    assert isinstance(error, dict)
    return str(error["message"])


def test_identical_calls_in_a_row_are_told_to_the_model_then_end_the_turn(model_server, workspace: Path) -> None:
    server = model_server({"responses": [respond(shell("echo run >> runs.txt"))], "repeat_last": True})
    result = run_tandem("exec", "--json", "loop forever", cwd=workspace)
    assert result.returncode == 1, result.stderr
    # Calls 1-4 ran; the 5th was answered with a warning instead; the 6th ended the turn.
    assert (workspace / "runs.txt").read_text() == "run\n" * 4
    assert len(server.requests) == 6
    told = last_outputs(server.requests[5].body)
    assert len(told) == 1 and told[0].startswith("not run: this is shell_command call number 5 in a row")
    events = jsonl(result.stdout)
    notices = [e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "error"]
    assert len(notices) == 1 and "loop detected: shell_command called 5 times in a row" in notices[0]["message"]
    error = _failed(events)
    assert error.startswith("loop detected: the model called shell_command with the same arguments 6 times")
    assert "turn_limits.identical_calls = 5" in error


def test_a_different_call_in_between_resets_the_count(model_server, workspace: Path) -> None:
    same, other = shell("echo a >> runs.txt"), shell("echo b >> runs.txt")
    script = [respond(same)] * 4 + [respond(other)] + [respond(same)] * 4 + [respond(message("done"))]
    model_server(script)
    result = run_tandem("exec", "--json", "work", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "runs.txt").read_text() == "a\n" * 4 + "b\n" + "a\n" * 4


def test_json_spacing_and_key_order_do_not_hide_a_loop(model_server, workspace: Path) -> None:
    variants = ['{"command": "echo x", "timeout_ms": 5000}', '{"timeout_ms":5000,"command":"echo x"}']
    calls = [{"type": "function_call", "name": "shell_command", "arguments": variants[n % 2]} for n in range(4)]
    server = model_server([respond(*calls)])
    result = run_tandem("exec", "--json", "-c", "turn_limits.identical_calls=3", "go", cwd=workspace)
    assert result.returncode == 1, result.stderr
    assert len(server.requests) == 1
    assert "loop detected: shell_command called 3 times in a row" in result.stdout
    assert "same arguments 4 times in a row" in _failed(jsonl(result.stdout))


def test_model_request_limit_ends_the_turn_failed_naming_the_key(model_server, workspace: Path) -> None:
    server = model_server({"responses": [respond(shell("echo run >> runs.txt"))], "repeat_last": True})
    args = ("-c", "turn_limits.model_requests=3", "-c", "turn_limits.identical_calls=0")
    result = run_tandem("exec", "--json", *args, "loop forever", cwd=workspace)
    assert result.returncode == 1, result.stderr
    assert len(server.requests) == 3
    assert (workspace / "runs.txt").read_text() == "run\n" * 3  # every call made ran and was answered
    error = _failed(jsonl(result.stdout))
    assert error.startswith("turn stopped: the model made 3 requests in this turn and still wanted more")
    assert "turn_limits.model_requests = 3" in error
    human = run_tandem("exec", *args, "loop forever", cwd=workspace)
    assert human.returncode == 1 and "turn failed: turn stopped: the model made 3 requests" in human.stderr


def test_tool_call_limit_answers_the_extra_calls_and_ends_the_turn(model_server, workspace: Path) -> None:
    calls = [shell(f"echo {n} >> runs.txt") for n in range(3)]
    server = model_server([respond(*calls), respond(message("never asked"))])
    result = run_tandem("exec", "--json", "-c", "turn_limits.tool_calls=2", "go", cwd=workspace)
    assert result.returncode == 1, result.stderr
    assert len(server.requests) == 1
    assert sorted((workspace / "runs.txt").read_text().split()) == ["0", "1"]  # shell calls run in parallel
    error = _failed(jsonl(result.stdout))
    assert "more than 2 tool calls" in error and "turn_limits.tool_calls = 2" in error
    # The thread goes on: the next turn's request carries an output for every call, the refused one too.
    server2 = model_server([respond(message("resumed"))])
    again = run_tandem("exec", "--json", "resume", "--last", "continue", cwd=workspace)
    assert again.returncode == 0, again.stderr
    outputs = [i["output"] for i in server2.requests[0].body["input"] if i.get("type") == "function_call_output"]
    assert len(outputs) == 3 and outputs[2].startswith("not run: this turn reached its limit of 2 tool calls")


def test_invalid_turn_limits_are_config_errors(model_server, workspace: Path) -> None:
    model_server([respond(message("never"))])
    for value in ("-1", "1"):
        result = run_tandem("exec", "-c", f"turn_limits.identical_calls={value}", "go", cwd=workspace)
        assert result.returncode == 1 and "turn_limits.identical_calls" in result.stderr, result.stderr
