"""Conversation on real rollout files: records, resume (counters, turn starts, unfinished turns), history rewrites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agent_parts import thread_info

from tandem.agent.compaction import Budget
from tandem.agent.context import TURN_ABORTED_MARKER, message
from tandem.agent.conversation import Conversation, Persistence
from tandem.config import CliOverrides, Config, load_config
from tandem.errors import InvalidParamsError, NotFoundError
from tandem.protocol.items import AgentMessageItem
from tandem.sessions.rollout import read_rollout


@pytest.fixture
def config(workspace: Path, tandem_home: Path) -> Config:
    return load_config(workspace, CliOverrides())


def recorded(config: Config, tmp_path: Path, thread_id: str = "thread-1") -> Conversation:
    info = thread_info(config, thread_id, tmp_path / f"rollout-{thread_id}.jsonl")
    return Conversation.create(info, Budget.for_config(config), "tandem_test")


def resumed(config: Config, conversation: Conversation) -> Conversation:
    """The conversation as read back from its rollout (a read-only copy: ``conversation`` still writes it)."""
    path = Path(conversation.info.path or "")
    info = thread_info(config, conversation.info.id, path)
    return Conversation.resume(read_rollout(path), info, Budget.for_config(config), persistence=Persistence.EPHEMERAL)


def resumed_by_the_next_process(config: Config, conversation: Conversation) -> Conversation:
    """The conversation resumed for writing once this process is gone (one writer per rollout)."""
    conversation.close()
    path = Path(conversation.info.path or "")
    return Conversation.resume(
        read_rollout(path), thread_info(config, conversation.info.id, path), Budget.for_config(config)
    )


def call(call_id: str, kind: str = "function_call") -> dict[str, Any]:
    return {"type": kind, "call_id": call_id, "name": "shell_command", "arguments": "{}"}


def turn(conversation: Conversation, turn_id: str, text: str) -> None:
    conversation.record_event({"type": "turn_started", "turn_id": turn_id})
    conversation.begin_turn(turn_id, message("user", text), text)
    conversation.record(message("assistant", f"answer to {text}"))
    conversation.record_event({"type": "turn_completed", "turn": {"id": turn_id, "status": "completed"}})


def test_resume_brings_back_history_turn_starts_and_continues_item_ids(config: Config, tmp_path: Path) -> None:
    conversation = recorded(config, tmp_path)
    turn(conversation, "t1", "first")
    ids = [conversation.next_item_id() for _ in range(3)]
    conversation.record_item_completed("t1", AgentMessageItem(id=ids[0], text="shown"))  # item_1, item_2 never were
    turn(conversation, "t2", "second")
    again = resumed(config, conversation)
    assert again.history == conversation.history
    assert dict(again.turn_starts) == {"t1": 0, "t2": 2}
    assert ids == ["item_0", "item_1", "item_2"]
    assert again.next_item_id() == "item_3"  # after every id handed out before the last record, not a reuse
    assert conversation.info.preview == "first" and conversation.persistence is Persistence.ROLLOUT


def test_resume_of_a_rollout_without_counter_marks_counts_its_items(config: Config, tmp_path: Path) -> None:
    conversation = recorded(config, tmp_path)
    for n in range(2):  # written the way older versions did: no next_item
        conversation.record_event(
            {"type": "item_completed", "turn_id": "t1", "item": {"type": "agentMessage", "id": f"item_{n}"}}
        )
    assert resumed(config, conversation).next_item_id() == "item_2"


def test_resume_closes_a_turn_the_process_died_in(config: Config, tmp_path: Path) -> None:
    conversation = recorded(config, tmp_path)
    turn(conversation, "t1", "done")
    conversation.record_event({"type": "turn_started", "turn_id": "t2"})
    conversation.begin_turn("t2", message("user", "run it"), "run it")
    conversation.record(call("c1"))  # killed while the call ran
    again = resumed_by_the_next_process(config, conversation)
    history = again.history
    assert history[-2] == {
        "type": "function_call_output",
        "call_id": "c1",
        "output": "aborted: the session ended before this call finished",
    }
    assert history[-1] == message("user", TURN_ABORTED_MARKER)
    closing = read_rollout(Path(conversation.info.path or "")).events[-1]
    assert closing["type"] == "turn_completed" and closing["turn"]["id"] == "t2"
    assert closing["turn"]["status"] == "interrupted"
    assert resumed(config, again).history == history  # resuming again adds nothing


def test_answer_missing_calls_answers_each_unanswered_call_once(config: Config, tmp_path: Path) -> None:
    conversation = recorded(config, tmp_path)
    conversation.record(call("a"))
    conversation.record({"type": "function_call_output", "call_id": "a", "output": "ok"})
    conversation.record(call("b"))
    conversation.record(call("c", "custom_tool_call"))
    assert conversation.answer_missing_calls("aborted") == 2
    assert conversation.answer_missing_calls("aborted") == 0
    assert conversation.history[-2:] == [
        {"type": "function_call_output", "call_id": "b", "output": "aborted"},
        {"type": "custom_tool_call_output", "call_id": "c", "output": "aborted"},
    ]


def test_rollback_keeps_earlier_turn_starts_and_compaction_forgets_them(config: Config, tmp_path: Path) -> None:
    conversation = recorded(config, tmp_path)
    for n in range(3):
        turn(conversation, f"t{n}", f"task {n}")
    with pytest.raises(InvalidParamsError):
        conversation.rollback(0)
    assert conversation.rollback(2) == 2
    assert conversation.history == [message("user", "task 0"), message("assistant", "answer to task 0")]
    assert dict(conversation.turn_starts) == {"t0": 0}
    assert resumed(config, conversation).history == conversation.history
    conversation.replace_history([message("user", "summary")], "compaction", "summary")
    assert dict(conversation.turn_starts) == {}
    assert conversation.rollback(1) == 0
    again = resumed(config, conversation)
    assert again.history == [message("user", "summary")] and dict(again.turn_starts) == {}


def test_a_fork_keeps_history_up_to_a_turn_and_ids_after_the_source(config: Config, tmp_path: Path) -> None:
    source = recorded(config, tmp_path, "source")
    for n in range(3):
        turn(source, f"t{n}", f"task {n}")
    source.record_item_completed("t1", AgentMessageItem(id=source.next_item_id(), text="x"))
    with pytest.raises(NotFoundError):
        source.fork_point("nope")
    end = source.fork_point("t1")
    assert end == 4 and source.fork_point(None) == 6
    fork = recorded(config, tmp_path, "fork")
    for item in source.history[:end]:
        fork.record(item)
    fork.adopt_fork(source, "t1", end)
    assert dict(fork.turn_starts) == {"t0": 0, "t1": 2}
    assert fork.next_item_id() == "item_1"
    events = read_rollout(Path(fork.info.path or "")).events
    assert events[0] == {"type": "forked_from", "thread_id": "source", "turn_id": "t1"}
    assert {e.get("turn_id") or e["turn"]["id"] for e in events[1:]} == {"t0", "t1"}  # the transcript, not t2's
