"""ThreadManager against the scripted model server: opening threads, finding them again, and the undo rule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tandem.agent.conversation import Persistence
from tandem.agent.events import TurnCompleted
from tandem.agent.threads import ThreadManager, transcript
from tandem.config import CliOverrides
from tandem.errors import BusyError, NotFoundError
from tandem.protocol.enums import ApprovalPolicy, TurnStatus
from tandem.protocol.items import AgentMessageItem, TextInput, UserMessageItem
from tandem.testing import ScriptedModelServer

from helpers import message, patch_call, respond, thread_manager

ADD_NOTES = patch_call("*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch")


def manager(workspace: Path) -> ThreadManager:
    return thread_manager(workspace, CliOverrides(approval_policy=ApprovalPolicy.NEVER))


async def test_undo_and_redo_are_refused_while_a_turn_runs_in_the_folder(
    model_server: Callable[..., ScriptedModelServer], workspace: Path
) -> None:
    model_server([respond(ADD_NOTES), respond(message("added")), respond(message("b")), respond(message("a2"))])
    threads = manager(workspace)
    a = threads.create()
    assert (await a.run_turn([TextInput(text="add notes")])).status is TurnStatus.COMPLETED
    assert (workspace / "notes.txt").read_text() == "hello\n"
    b = threads.create()
    _, running = b.start_turn([TextInput(text="something else")])
    with pytest.raises(BusyError, match=f"thread {b.info.id} is running a turn in {workspace}"):
        await threads.undo(a.info.id)
    assert (await running).status is TurnStatus.COMPLETED
    _, running = a.start_turn([TextInput(text="more")])
    with pytest.raises(BusyError, match=f"thread {a.info.id} is running a turn"):
        await threads.redo(a.info.id)
    await running
    outcome = await threads.undo(a.info.id)  # nothing runs any more
    assert outcome.restored == ["notes.txt"] and not (workspace / "notes.txt").exists()
    await threads.redo(a.info.id)
    assert (workspace / "notes.txt").read_text() == "hello\n"
    assert threads.checkpointed_thread(workspace) == a.info.id
    await threads.shutdown()


async def test_threads_are_found_again_by_id_prefix_and_path_and_loaded_once(
    model_server: Callable[..., ScriptedModelServer], workspace: Path
) -> None:
    model_server([respond(message("first answer"))])
    first = manager(workspace)
    thread = first.create()
    await thread.run_turn([TextInput(text="hello")])
    assert first.resume(thread.info.id) is thread and first.get(thread.info.id) is thread
    await first.shutdown()  # the process ends (one writer per rollout)
    later = manager(workspace)  # another process, after a restart
    with pytest.raises(NotFoundError):
        later.get(thread.info.id)
    again = later.resume(thread.info.id[:8])
    assert again is not thread and again.history == thread.history
    assert later.resume(Path(thread.info.path or "")) is again
    assert later.resume_latest(workspace) is again
    shown = transcript(again)
    assert [type(item) for item in shown] == [UserMessageItem, AgentMessageItem]
    assert [info.id for info in later.list_threads(10)] == [thread.info.id]
    await later.shutdown()


async def test_a_recorded_thread_is_forked_without_being_loaded_first(
    model_server: Callable[..., ScriptedModelServer], workspace: Path
) -> None:
    model_server([respond(message("one")), respond(message("two"))])
    source = manager(workspace).create()
    turn_one = await source.run_turn([TextInput(text="task one")])
    await source.run_turn([TextInput(text="task two")])
    threads = manager(workspace)
    fork = threads.fork(source.info.id, turn_one.id, persistence=Persistence.EPHEMERAL)
    assert fork.info.path is None and fork.history == source.history[: len(fork.history)]
    assert [t for t in (m.get("content", [{}])[0].get("text") for m in fork.history) if t in ("one", "two")] == ["one"]
    assert {info.id for info in threads.list_threads(10)} >= {fork.info.id, source.info.id}
    await threads.shutdown()


async def test_a_turn_interrupted_before_its_first_step_still_completes_as_interrupted(
    model_server: Callable[..., ScriptedModelServer], workspace: Path
) -> None:
    model_server([respond(message("never asked")), respond(message("next"))])
    threads = manager(workspace)
    thread = threads.create()
    events: list[object] = []
    thread.subscribe(events.append)
    turn, task = thread.start_turn([TextInput(text="hello")])
    assert thread.interrupt(turn.id)  # before the task ran at all
    with pytest.raises(asyncio.CancelledError):
        await task
    completed = [e for e in events if isinstance(e, TurnCompleted)]
    assert [e.turn.status for e in completed] == [TurnStatus.INTERRUPTED]
    assert completed[0].turn.id == turn.id and thread.running_turn is None
    assert (await thread.run_turn([TextInput(text="again")])).status is TurnStatus.COMPLETED
    await threads.shutdown()
