"""Compaction and token accounting: a thread driven through several compactions by the scripted model."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tandem.agent.compaction import SUMMARY_PREFIX, handoff_prompt
from tandem.agent.events import ItemCompleted, TokenUsageUpdated
from tandem.agent.thread import Thread
from tandem.config import ApprovalPolicy, CliOverrides
from tandem.protocol.enums import TurnStatus
from tandem.protocol.items import ContextCompactionItem, TextInput

from helpers import message, respond, thread_manager

BIG = {"input_tokens": 5000, "output_tokens": 100}  # over the 4,000-token limit used below


def texts(body: dict[str, Any]) -> list[str]:
    return [
        part.get("text", "")
        for item in body["input"]
        if item.get("type") == "message"
        for part in item.get("content", [])
    ]


@pytest.fixture
def make_thread(model_server, workspace: Path, tandem_home: Path):  # type: ignore[no-untyped-def]
    def make(responses: list[dict[str, Any]], *overrides: str) -> tuple[Thread, Any, list[Any]]:
        server = model_server(responses)
        cli = CliOverrides(
            approval_policy=ApprovalPolicy.NEVER,
            config_overrides=("model_auto_compact_token_limit=4000", "model_context_window=10000", *overrides),
        )
        thread = thread_manager(workspace, cli).create()
        events: list[Any] = []
        thread.subscribe(events.append)
        return thread, server, events

    return make


async def turn(thread: Thread, text: str) -> Any:
    return await thread.run_turn([TextInput(text=text)])


async def test_several_compactions_and_what_the_model_receives_after_each(make_thread) -> None:  # type: ignore[no-untyped-def]
    thread, server, events = make_thread(
        [
            respond(message("answer A"), usage=BIG),
            respond(message("SUMMARY ONE: task A done")),
            respond(message("answer B"), usage=BIG),
            respond(message("SUMMARY TWO: tasks A and B done")),
            respond(message("answer C")),
        ]
    )
    for text in ("first task", "second task", "third task"):
        assert (await turn(thread, text)).status is TurnStatus.COMPLETED
    bodies = [r.body for r in server.requests]
    assert len(bodies) == 5
    # The summary request extends the conversation with the handoff prompt and asks for text only.
    summary_request = bodies[1]
    assert summary_request["tool_choice"] == "none"
    assert summary_request["input"][: len(bodies[0]["input"])] == bodies[0]["input"]  # the prompt cache still hits
    assert texts(summary_request)[-1] == handoff_prompt() and "second task" in texts(summary_request)
    # After the first compaction: initial context, the user's messages, the summary; no old answers.
    after_first = texts(bodies[2])
    assert after_first[0].startswith("<permissions>") and after_first[1].startswith("<environment_context>")
    assert after_first[2:4] == ["first task", "second task"]
    assert after_first[4].startswith(SUMMARY_PREFIX) and "SUMMARY ONE" in after_first[4]
    assert "answer A" not in after_first
    # After the second: the newest summary only, every user message kept (they fit the budget).
    after_second = texts(bodies[4])
    assert after_second[2:5] == ["first task", "second task", "third task"]
    assert "SUMMARY TWO" in after_second[5] and not any("SUMMARY ONE" in t for t in after_second)
    compactions = [e.item for e in events if isinstance(e, ItemCompleted) and isinstance(e.item, ContextCompactionItem)]
    assert [c.summary for c in compactions] == ["SUMMARY ONE: task A done", "SUMMARY TWO: tasks A and B done"]
    usage = [e for e in events if isinstance(e, TokenUsageUpdated)]
    assert usage[0].context_window == 10000 and usage[0].context_tokens == 5100
    assert usage[-1].context_tokens is not None and usage[-1].context_tokens < 4000
    # The rollout brings the compacted conversation back on resume.
    thread.close()  # the process ends: one writer per rollout
    resumed = thread_manager(thread.config.cwd).resume(
        Path(thread.info.path or ""), thread.config
    )  # as after a restart
    assert resumed.history == thread.history


async def test_overflow_compacts_and_retries_and_an_overflowing_summary_drops_old_items(make_thread) -> None:  # type: ignore[no-untyped-def]
    overflow = {
        "fault": {
            "kind": "response_failed",
            "code": "context_length_exceeded",
            "message": "Your input exceeds the context window of this model.",
        }
    }
    thread, server, events = make_thread(
        [
            respond(message("answer A")),
            respond(message("answer B")),
            overflow,
            overflow,
            respond(message("SUMMARY")),
            respond(message("answer C")),
        ],
        "model_auto_compact_token_limit=1000000",
    )
    for text in ("first", "second", "third"):
        assert (await turn(thread, text)).status is TurnStatus.COMPLETED
    bodies = [r.body for r in server.requests]
    first_summary, second_summary = bodies[3], bodies[4]
    assert first_summary["tool_choice"] == second_summary["tool_choice"] == "none"
    assert len(second_summary["input"]) < len(first_summary["input"])  # oldest items dropped, then retried
    assert "SUMMARY" in texts(bodies[5])[-1] and texts(bodies[5])[-2] == "third"
    assert any(isinstance(e, ItemCompleted) and isinstance(e.item, ContextCompactionItem) for e in events)


async def test_manual_compaction_and_rollback(make_thread) -> None:  # type: ignore[no-untyped-def]
    thread, server, _ = make_thread(
        [
            respond(message("answer A")),
            respond(message("answer B")),
            respond(message("MANUAL SUMMARY")),
            respond(message("answer C")),
            respond(message("answer D")),
        ],
        "model_auto_compact_token_limit=1000000",
    )
    await turn(thread, "one")
    await turn(thread, "two")
    _, task = thread.start_compaction()
    assert (await task).status is TurnStatus.COMPLETED
    await turn(thread, "three")
    assert "MANUAL SUMMARY" in texts(server.requests[3].body)[-2]
    assert thread.rollback(1) == 1  # drop "three" and its answer
    await turn(thread, "four")
    last = texts(server.requests[4].body)
    assert last[-1] == "four" and "three" not in last and "answer C" not in last
    thread.close()  # the process ends: one writer per rollout
    resumed = thread_manager(thread.config.cwd).resume(
        Path(thread.info.path or ""), thread.config
    )  # as after a restart
    assert resumed.history == thread.history


def _canonical_prefix(body: dict[str, Any]) -> bytes:
    """The part of a request a provider caches: instructions, tools, then the input items, serialized."""
    head = {"instructions": body["instructions"], "tools": body["tools"]}
    return (json.dumps(head, sort_keys=True) + "".join(json.dumps(i, sort_keys=True) for i in body["input"])).encode()


async def test_twenty_turns_are_byte_stable_prefix_extensions(make_thread) -> None:  # type: ignore[no-untyped-def]
    script = []
    for n in range(20):
        if n % 3 == 0:
            script.append(
                respond({"type": "function_call", "name": "shell_command", "arguments": {"command": f"echo turn {n}"}})
            )
        script.append(respond(message(f"answer {n}")))
    thread, server, _ = make_thread(script, "model_auto_compact_token_limit=10000000")
    for n in range(20):
        assert (await turn(thread, f"question {n}")).status is TurnStatus.COMPLETED
    prefixes = [_canonical_prefix(r.body) for r in server.requests]
    assert len(prefixes) == 27
    for previous, current in itertools.pairwise(prefixes):
        assert current.startswith(previous) and len(current) > len(previous)


async def test_a_compaction_mid_turn_keeps_the_current_prompt_truncated_with_a_marker(make_thread) -> None:  # type: ignore[no-untyped-def]
    from helpers import shell

    prompt = "BEGIN-OF-PROMPT " + "lorem ipsum dolor sit amet " * 3200 + " END-OF-PROMPT"  # ~86 KB, > 20k tokens
    thread, server, _ = make_thread(
        [
            respond(shell("true"), usage={"input_tokens": 30_000, "output_tokens": 10}),
            respond(message("SUMMARY: ran true")),
            respond(message("all done")),
        ],
        "model_auto_compact_token_limit=25000",
        "model_context_window=100000",
    )
    assert (await turn(thread, prompt)).status is TurnStatus.COMPLETED
    after = texts(server.requests[2].body)
    kept = [t for t in after if t.startswith("BEGIN-OF-PROMPT")]
    assert len(kept) == 1, "the current user message vanished in the compaction"
    assert kept[0].endswith("END-OF-PROMPT") and "tokens truncated" in kept[0]
    assert len(kept[0]) < len(prompt)


def test_replacement_history_always_keeps_the_newest_user_message(workspace: Path, tandem_home: Path) -> None:
    from tandem.agent.compaction import USER_MESSAGE_BUDGET, estimate_tokens, replacement_history
    from tandem.agent.context import message as user_message
    from tandem.config import load_config

    config = load_config(workspace, CliOverrides())
    huge = "x" * (USER_MESSAGE_BUDGET * 4 * 3)
    history = [user_message("user", "older question"), user_message("user", huge)]
    new = replacement_history(config, history, "the summary")
    kept = [item for item in new if item["content"][0]["text"].startswith("xxx")]
    assert len(kept) == 1 and "tokens truncated" in kept[0]["content"][0]["text"]
    assert estimate_tokens(kept) <= USER_MESSAGE_BUDGET + 50
    assert all("older question" not in item["content"][0]["text"] for item in new)  # no room left for it
