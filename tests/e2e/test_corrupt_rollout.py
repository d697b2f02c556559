"""One corrupt line in the middle of a rollout costs that line only: `sessions list`, `sessions show`
and `exec resume` keep working, and each says which file and line it skipped."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import jsonl, message, respond, run_tandem, shell


def corrupt_line(path: Path, number: int, garbage: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = garbage
    path.write_bytes(b"\n".join(lines))


def test_a_corrupt_line_in_the_middle_is_skipped_with_a_warning(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    server = model_server(
        [respond(shell("echo hi")), respond(message("first answer")), respond(message("second answer"))]
    )
    first = run_tandem("exec", "--json", "first task", cwd=workspace)
    assert first.returncode == 0, first.stderr
    thread_id = jsonl(first.stdout)[0]["thread_id"]
    (path,) = (tandem_home / "sessions").glob("*/*/*/rollout-*.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    call = next(i for i, r in enumerate(records, 1) if r["payload"].get("type") == "function_call")
    corrupt_line(path, call, b'{"timestamp": "2026-\xff\xfe garbage, half a rec')  # bad bytes, not JSON
    where = f"{path}:{call}: skipped a corrupt session record"

    listed = run_tandem("sessions", "list", cwd=workspace)
    assert listed.returncode == 0, listed.stderr
    assert thread_id in listed.stdout and "first task" in listed.stdout
    assert where in listed.stderr

    shown = run_tandem("sessions", "show", thread_id, cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    assert "first task" in shown.stdout and "first answer" in shown.stdout
    assert where in shown.stderr

    resumed = run_tandem("exec", "resume", thread_id, "second task", "--json", cwd=workspace)
    assert resumed.returncode == 0, resumed.stderr
    assert jsonl(resumed.stdout)[0]["thread_id"] == thread_id
    assert where in resumed.stderr
    history = server.requests[-1].body["input"]
    texts = [part.get("text") for item in history if item.get("type") == "message" for part in item["content"]]
    assert "first task" in texts and "first answer" in texts and texts[-1] == "second task"
    assert not [item for item in history if item.get("type") == "function_call_output"]  # its call was lost
    assert run_tandem("sessions", "show", thread_id, cwd=workspace).stdout.count("second answer") == 1


def test_a_resume_after_a_torn_last_line_starts_a_new_line(model_server, workspace: Path, tandem_home: Path) -> None:
    model_server([respond(message("first answer")), respond(message("second answer")), respond(message("third"))])
    thread_id = jsonl(run_tandem("exec", "--json", "first task", cwd=workspace).stdout)[0]["thread_id"]
    (path,) = (tandem_home / "sessions").glob("*/*/*/rollout-*.jsonl")
    torn = b'{"timestamp": "x", "type": "event_msg", "payload": {"ty'
    with path.open("ab") as handle:
        handle.write(torn)  # killed mid-write
    assert run_tandem("exec", "resume", thread_id, "second task", cwd=workspace).returncode == 0
    assert run_tandem("exec", "resume", thread_id, "third task", cwd=workspace).returncode == 0
    shown = run_tandem("sessions", "show", thread_id, cwd=workspace)
    assert "second task" in shown.stdout and "second answer" in shown.stdout and "third task" in shown.stdout
    assert "skipped a corrupt session record" in shown.stderr  # the torn line, now in the middle
    bad = []
    for line in path.read_bytes().splitlines():
        try:
            json.loads(line)
        except ValueError:
            bad.append(line)
    assert bad == [torn]  # the first record after it was not glued to it
