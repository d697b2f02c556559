"""``tandem undo [THREAD] [--turn ID]`` and ``tandem redo [THREAD]``: revert a turn from its checkpoint on disk.

Without ``THREAD`` the newest thread with checkpoints in the current directory is used (a thread
id or unique prefix picks another). Works after the session ended and without git; see
:mod:`tandem.agent.checkpoint` for what is restored and what is kept.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import EntryKind
from tandem.checkpoints.undo import UndoOutcome, redo, undo
from tandem.config import tandem_home
from tandem.errors import NotFoundError, TandemError
from tandem.patch.workspace import DiskWorkspace


def pick_thread(home: CheckpointHome, cwd: Path, prefix: str | None) -> str:
    """The thread to act on: ``prefix``'s, else the newest whose checkpoints are of ``cwd`` (or a folder above it).

    Raises:
        NotFoundError: no such thread.
    """
    if prefix:
        return home.find_thread(prefix)
    for thread_id, _ in home.threads():
        entries = home.log(thread_id).entries()
        if entries and (cwd == Path(entries[-1].cwd) or cwd.is_relative_to(entries[-1].cwd)):
            return thread_id
    raise NotFoundError(f"no thread has checkpoints for {cwd}; name one (`tandem sessions list` shows them)")


def describe(outcome: UndoOutcome, thread_id: str) -> str:
    """What an undo/redo did, for people: one headline and a line per file."""
    verb = "undid" if outcome.kind is EntryKind.UNDO else "redid"
    lines = [f"{verb} turn {outcome.turn_id} of thread {thread_id}"]
    lines += [f"  restored  {path}" for path in outcome.restored]
    lines += [f"  kept      {kept.path} ({kept.reason.value})" for kept in outcome.kept]
    if not outcome.restored and not outcome.kept:
        lines.append("  (no file needed a change)")
    return "\n".join(lines) + "\n"


def undo_command(
    thread: str | None,
    turn_id: str | None,
    kind: EntryKind,
    cwd: Path,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> int:
    """Run an undo (``kind`` UNDO) or redo; exit status 0, or 1 with a message on stderr."""
    out, err = out or sys.stdout, err or sys.stderr
    home = CheckpointHome.under(tandem_home())
    try:
        thread_id = pick_thread(home, cwd, thread)
        if kind is EntryKind.REDO:
            outcome = asyncio.run(redo(home, thread_id, DiskWorkspace()))
        else:
            outcome = asyncio.run(undo(home, thread_id, DiskWorkspace(), turn_id))
    except TandemError as exc:
        err.write(f"tandem {kind.value}: {exc.message}\n")
        return 1
    out.write(describe(outcome, thread_id))
    return 0
