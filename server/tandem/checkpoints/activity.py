"""Which turns run in which folder, seen from every Tandem process: one marker per running turn.

Layout under ``$TANDEM_HOME/checkpoints/active/`` (``<key>`` is ``<pid>-<turn_id>``):

* ``<key>`` — JSON ``{"pid", "start", "thread_id", "turn_id", "cwd"}``, from the turn's start to its
  end (``start`` is the process's start time from ``/proc/<pid>/stat``, so a reused pid is not
  taken for a live turn); an empty file is a marker of an older Tandem (counted, folder unknown);
* ``<key>.mutating`` — the turn took its checkpoint (its tools may change files from now on);
* ``<key>.shared`` — another turn changed files in an overlapping folder while this one did: its
  workspace scans cannot tell whose a change is, so it records only what its own tools reported.

Whichever of two turns starts mutating second sees the other's ``.mutating`` and marks both shared
(each writes its own flag *before* listing the others', so of two simultaneous starts at least one
sees the other). Markers of dead processes are removed when read. Folders overlap when one is the
other or lies inside it. Every ``OSError`` becomes :class:`~tandem.errors.CheckpointError`.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tandem.checkpoints.store import _io

_MUTATING = ".mutating"
_SHARED = ".shared"


@dataclass(frozen=True, slots=True)
class RunningTurn:
    """A turn some live Tandem process is running; ``cwd`` is ``None`` for an older Tandem's marker."""

    pid: int
    thread_id: str
    turn_id: str
    cwd: Path | None
    marker: Path

    @property
    def mutating(self) -> bool:
        """Whether the turn took its checkpoint (its tools may be changing files)."""
        return self.marker.with_name(self.marker.name + _MUTATING).exists()


def overlaps(a: Path, b: Path) -> bool:
    """Whether folder ``a`` is ``b`` or one lies inside the other."""
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def _start_time(pid: int) -> str | None:
    """Field 22 of ``/proc/<pid>/stat`` (clock ticks since boot), or ``None`` without ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()[19]


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return start is None or _start_time(pid) in (None, start)


def enter(active_dir: Path, cwd: Path, thread_id: str, turn_id: str) -> Path:
    """Announce that this process runs turn ``turn_id`` in ``cwd``; returns the marker to pass to
    :func:`leave`.

    Raises:
        CheckpointError: the marker cannot be written.
    """
    pid = os.getpid()
    marker = active_dir / f"{pid}-{turn_id}"
    record = {"pid": pid, "start": _start_time(pid), "thread_id": thread_id, "turn_id": turn_id, "cwd": str(cwd)}
    with _io(f"cannot write the checkpoint marker {marker}"):
        active_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(record), "utf-8")
    return marker


def start_mutating(marker: Path, cwd: Path) -> bool:
    """The turn of ``marker`` takes its checkpoint: mark it mutating, and mark it and every other
    mutating turn in an overlapping folder as shared. Returns whether it is shared now.

    Raises:
        CheckpointError: a marker cannot be written or the markers cannot be listed.
    """
    with _io(f"cannot write the checkpoint marker {marker}"):
        marker.with_name(marker.name + _MUTATING).touch()
        shared = False
        for other in running_turns(marker.parent):
            if other.marker == marker or other.cwd is None or not overlaps(other.cwd, cwd) or not other.mutating:
                continue
            other.marker.with_name(other.marker.name + _SHARED).touch()
            shared = True
        if shared:
            marker.with_name(marker.name + _SHARED).touch()
    return shared


def is_shared(marker: Path) -> bool:
    """Whether another turn changed files in an overlapping folder while this marker's turn did."""
    return marker.with_name(marker.name + _SHARED).exists()


def leave(marker: Path) -> None:
    """Remove a marker :func:`enter` returned, with its flags (no error if they are gone already).

    Raises:
        CheckpointError: a file cannot be removed.
    """
    with _io(f"cannot remove the checkpoint marker {marker}"):
        for suffix in ("", _MUTATING, _SHARED):
            marker.with_name(marker.name + suffix).unlink(missing_ok=True)


def running_turns(active_dir: Path) -> list[RunningTurn]:
    """The turns of live processes, oldest marker first; markers of dead processes are removed.

    Raises:
        CheckpointError: the markers cannot be listed or removed.
    """
    found: list[tuple[float, RunningTurn]] = []
    with _io(f"cannot read the checkpoint markers in {active_dir}"):
        if not active_dir.is_dir():
            return []
        for marker in active_dir.iterdir():
            turn = _read_marker(marker)
            if turn is _STALE:
                leave(marker)
            elif isinstance(turn, RunningTurn):
                with contextlib.suppress(FileNotFoundError):  # ended meanwhile
                    found.append((marker.stat().st_mtime, turn))
    return [turn for _, turn in sorted(found, key=lambda pair: pair[0])]


_STALE = object()


def _read_marker(marker: Path) -> RunningTurn | object | None:
    """The marker's turn; ``_STALE`` when its process is gone; ``None`` for a flag, a marker that
    vanished meanwhile or a file that is no marker."""
    pid_text, _, turn_id = marker.name.partition("-")
    if marker.name.endswith((_MUTATING, _SHARED)) or not pid_text.isdigit() or not turn_id:
        return None
    try:
        text = marker.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        text = ""  # unreadable: only the pid tells
    try:
        record = json.loads(text) if text.strip() else {}
    except ValueError:
        record = {}
    if not isinstance(record, dict):
        record = {}
    pid, start = int(pid_text), record.get("start")
    if not _alive(pid, str(start) if start is not None else None):
        return _STALE
    cwd = record.get("cwd")
    return RunningTurn(pid, str(record.get("thread_id", "")), turn_id, Path(cwd) if cwd else None, marker)
