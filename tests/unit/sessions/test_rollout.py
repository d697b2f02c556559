from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tandem.errors import NotFoundError, SessionError
from tandem.sessions.rollout import RecordKind, RolloutWriter, read_rollout, rollout_path
from tandem.sessions.store import find_session, latest_session, list_sessions

THREAD = "0a1b2c3d-1111-4222-8333-444455556666"


def write_session(sessions: Path, thread_id: str, cwd: str, prompt: str, when: datetime) -> Path:
    path = rollout_path(sessions, thread_id, when)
    writer = RolloutWriter(path)
    writer.append(
        RecordKind.SESSION_META,
        {"version": 1, "id": thread_id, "cwd": cwd, "model": "m", "created_at": when.isoformat()},
    )
    writer.append(RecordKind.EVENT_MSG, {"type": "turn_started", "turn_id": "t1"})
    writer.append(RecordKind.EVENT_MSG, {"type": "user_message", "text": prompt})
    writer.append(
        RecordKind.RESPONSE_ITEM,
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]},
    )
    writer.close()
    return path


def test_layout_and_line_format(tmp_path: Path) -> None:
    when = datetime(2026, 11, 22, 7, 38, 20, tzinfo=UTC)
    path = write_session(tmp_path, THREAD, "/w", "fix it", when)
    assert path == tmp_path / "2026/11/22" / f"rollout-2026-11-22T07-38-20-{THREAD}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["type"] for line in lines] == ["session_meta", "event_msg", "event_msg", "response_item"]
    assert all(set(line) == {"timestamp", "type", "payload"} and line["timestamp"].endswith("Z") for line in lines)


def test_read_back_and_torn_last_line(tmp_path: Path) -> None:
    path = write_session(tmp_path, THREAD, "/w", "fix it", datetime.now(UTC))
    with path.open("a") as handle:
        handle.write('{"timestamp": "x", "type": "response_item", "payload": {"type": "mess')  # crash mid-write
    rollout = read_rollout(path)
    assert rollout.thread_id == THREAD
    assert len(rollout.items) == 1 and rollout.items[0]["role"] == "user"
    assert rollout.torn_tail


def test_a_corrupt_line_in_the_middle_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_session(tmp_path, THREAD, "/w", "fix it", datetime.now(UTC))
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"{garbage \xff"
    path.write_bytes(b"\n".join(lines))
    rollout = read_rollout(path)
    assert rollout.thread_id == THREAD and len(rollout.items) == 1
    assert f"{path}:2: skipped a corrupt session record" in caplog.text
    assert list_sessions(tmp_path)[0].preview == "fix it"


def test_a_line_separator_inside_a_record_is_not_a_line_break(tmp_path: Path) -> None:
    path = write_session(tmp_path, THREAD, "/w", "one\u2028two\x85three", datetime.now(UTC))
    assert read_rollout(path).items[0]["content"][0]["text"] == "one\u2028two\x85three"


def test_a_writer_ends_a_torn_last_line_first(tmp_path: Path) -> None:
    path = write_session(tmp_path, THREAD, "/w", "fix it", datetime.now(UTC))
    with path.open("ab") as handle:
        handle.write(b'{"timestamp": "x", "type": "ev')
    writer = RolloutWriter(path)
    writer.append(RecordKind.EVENT_MSG, {"type": "turn_started", "turn_id": "t2"})
    writer.close()
    assert read_rollout(path).turn_starts == {"t1": 0, "t2": 1}


def test_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rollout-x.jsonl"
    path.write_text(json.dumps({"timestamp": "t", "type": "session_meta", "payload": {"version": 99}}) + "\n")
    with pytest.raises(SessionError, match="newer"):
        read_rollout(path)


def test_list_find_and_latest(tmp_path: Path) -> None:
    older = write_session(tmp_path, THREAD, "/a", "first task", datetime(2026, 11, 20, tzinfo=UTC))
    other = "9f9f9f9f-2222-4333-8444-555566667777"
    newer = write_session(tmp_path, other, "/b", "second\ntask", datetime(2026, 11, 21, tzinfo=UTC))
    sessions = list_sessions(tmp_path)
    assert [s.thread_id for s in sessions] == [other, THREAD]
    assert sessions[0].preview == "second task" and sessions[0].turns == 1
    assert find_session(tmp_path, THREAD[:8]) == older
    assert find_session(tmp_path, other) == newer
    assert latest_session(tmp_path) == newer
    assert latest_session(tmp_path, Path("/a")) == older
    with pytest.raises(NotFoundError):
        find_session(tmp_path, "ffffffff")
    with pytest.raises(NotFoundError):
        latest_session(tmp_path, Path("/nowhere"))
