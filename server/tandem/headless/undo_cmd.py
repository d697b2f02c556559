"""``tandem undo [THREAD] [--turn ID]`` and ``tandem redo [THREAD]``: revert a turn from its checkpoint on disk.

Without ``THREAD`` the newest thread with checkpoints in the current directory is used (a thread
id or unique prefix picks another). Works after the session ended and without git; see
:mod:`tandem.checkpoints.undo` for what is restored and what is kept.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import IO, Any

from tandem.agent.threads import ThreadManager
from tandem.checkpoints.log import EntryKind
from tandem.checkpoints.undo import UndoOutcome
from tandem.config import load_config, tandem_home
from tandem.errors import TandemError


def describe(outcome: UndoOutcome, thread_id: str) -> str:
    """What an undo/redo did, for people: one headline and a line per file."""
    verb = "undid" if outcome.kind is EntryKind.UNDO else "redid"
    lines = [f"{verb} turn {outcome.turn_id} of thread {thread_id}"]
    lines += [f"  restored  {path}" for path in outcome.restored]
    lines += [f"  kept      {kept.path} ({kept.reason.value})" for kept in outcome.kept]
    if not outcome.restored and not outcome.kept:
        lines.append("  (no file needed a change)")
    return "\n".join(lines) + "\n"


def _run(
    name: str,
    cwd: Path,
    thread: str | None,
    act: Callable[[ThreadManager, str], Coroutine[Any, Any, UndoOutcome]],
    out: IO[str] | None,
    err: IO[str] | None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    manager = ThreadManager(lambda folder: load_config(folder or cwd), tandem_home=tandem_home())
    try:
        thread_id = manager.checkpointed_thread(cwd, thread)
        outcome = asyncio.run(act(manager, thread_id))
    except TandemError as exc:
        err.write(f"tandem {name}: {exc.message}\n")
        return 1
    out.write(describe(outcome, thread_id))
    return 0


def undo_command(
    thread: str | None, turn_id: str | None, cwd: Path, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    """``tandem undo``: revert turn ``turn_id`` (default: the newest not undone) of ``thread`` (default:
    the newest with checkpoints in ``cwd``); exit status 0, or 1 with a one-line message on stderr.

    Goes through :class:`~tandem.agent.threads.ThreadManager`, so it is refused while a turn of any
    Tandem process runs in the folder. No settings are
    loaded: an undo needs only the checkpoints under ``$TANDEM_HOME``.
    """
    return _run("undo", cwd, thread, lambda manager, tid: manager.undo(tid, turn_id), out, err)


def redo_command(thread: str | None, cwd: Path, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``tandem redo``: revert the newest undo of ``thread`` (default as :func:`undo_command`); exit 0 or 1."""
    return _run("redo", cwd, thread, lambda manager, tid: manager.redo(tid), out, err)
