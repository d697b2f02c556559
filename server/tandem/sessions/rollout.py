"""Rollouts: one append-only JSONL file per thread, flushed after every line.

Format (after Codex's rollout files, docs/reference-facts.md §4): each line is
``{"timestamp": "<UTC ISO-8601 ms>", "type": <kind>, "payload": {...}}`` with kinds

* ``session_meta`` (first line): ``{version, id, created_at, cwd, model, model_provider,
  approval_policy, sandbox_mode, originator, cli_version}``; ``version`` is :data:`ROLLOUT_VERSION`;
* ``response_item``: one conversation item as sent to the model (Responses input item JSON);
* ``turn_context``: the settings a turn ran with;
* ``event_msg``: a user-visible event (``{"type": "item_completed" | "turn_started" | ..., ...}``);
* ``compacted``: ``{reason: "compaction" | "rollback", summary?, replacement_history}`` — the
  conversation from here on starts from ``replacement_history``.

Files live at ``<sessions_dir>/YYYY/MM/DD/rollout-<YYYY-MM-DDTHH-MM-SS>-<thread id>.jsonl``.
A reader skips a torn last line (a crash mid-write) instead of failing, and any other line that is
not a JSON record (a corrupt line in the middle: bad bytes, a partial write) with a warning naming
the file and the line, so the rest of the session still lists, shows and resumes. A writer that
opens a file ending in a torn line starts on a new line, so its first record is not glued to it.

One writer per rollout: :class:`RolloutWriter` holds an exclusive ``flock`` on the file while it is
open, so a second process resuming the same session gets :class:`~tandem.errors.SessionInUseError`
instead of interleaving its lines (readers — ``sessions list|show``, fork — take no lock).
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO

from tandem.errors import SessionError, SessionInUseError
from tandem.protocol import JsonDict

log = logging.getLogger(__name__)

ROLLOUT_VERSION = 1


class RecordKind(StrEnum):
    """The ``type`` of a rollout line."""

    SESSION_META = "session_meta"
    RESPONSE_ITEM = "response_item"
    TURN_CONTEXT = "turn_context"
    EVENT_MSG = "event_msg"
    COMPACTED = "compacted"


def utc_now() -> str:
    """The current time as ``2026-11-22T07:38:20.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rollout_path(sessions_dir: Path, thread_id: str, created: datetime) -> Path:
    """Where a thread created at ``created`` (aware datetime) keeps its rollout."""
    stamp = created.astimezone(UTC)
    return (
        sessions_dir
        / f"{stamp:%Y}"
        / f"{stamp:%m}"
        / f"{stamp:%d}"
        / f"rollout-{stamp:%Y-%m-%dT%H-%M-%S}-{thread_id}.jsonl"
    )


class RolloutWriter:
    """Appends records to one rollout file, which it holds locked (one writer per rollout).

    Raises:
        SessionInUseError: another process holds the file (it is running or resuming that session).
        SessionError: the file cannot be created or written (disk full, permissions).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise SessionError(f"cannot write the session file {path}: {exc}") from exc
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._file.close()
            self._file = None
            if isinstance(exc, BlockingIOError):
                raise SessionInUseError(
                    f"session in use: another Tandem process is writing {path.name} (one writer per session); "
                    "wait for it to end, or fork the session instead"
                ) from exc
            raise SessionError(f"cannot lock the session file {path}: {exc}") from exc
        self._end_torn_line()

    def _end_torn_line(self) -> None:
        """If the file ends inside a line (a crash mid-write), end it, so the next record starts a line.

        Raises:
            SessionError: the file cannot be read or written.
        """
        assert self._file is not None
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, 2)
                if size == 0:
                    return
                handle.seek(size - 1)
                torn = handle.read(1) != b"\n"
            if torn:
                self._file.write("\n")
                self._file.flush()
        except OSError as exc:
            raise SessionError(f"cannot write the session file {self.path}: {exc}") from exc

    def append(self, kind: RecordKind, payload: JsonDict) -> None:
        """Write one record and flush it to the OS (survives a kill -9 of this process)."""
        if self._file is None:
            raise SessionError(f"session file {self.path} is closed")
        line = json.dumps(
            {"timestamp": utc_now(), "type": kind.value, "payload": payload}, ensure_ascii=False, separators=(",", ":")
        )
        try:
            self._file.write(line + "\n")
            self._file.flush()
        except OSError as exc:
            raise SessionError(f"cannot write the session file {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the file; later appends raise :class:`SessionError`."""
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass(slots=True)
class Rollout:
    """A rollout read back: its metadata, its conversation items and its events, in file order.

    ``turn_starts`` maps each turn id to the index in ``items`` where that turn's items begin.
    """

    path: Path
    meta: JsonDict
    items: list[JsonDict] = field(default_factory=list)
    events: list[JsonDict] = field(default_factory=list)
    turn_contexts: list[JsonDict] = field(default_factory=list)
    turn_starts: dict[str, int] = field(default_factory=dict)
    torn_tail: bool = False

    @property
    def thread_id(self) -> str:
        """The thread's id from ``session_meta``."""
        return str(self.meta.get("id", ""))


def iter_records(path: Path) -> Iterator[JsonDict]:
    """Yield every well-formed record: a torn (unparseable) last line is skipped quietly, any other line
    that is not UTF-8 JSON is skipped with a warning naming ``path`` and the line number (once per
    process), and lines that are JSON but not objects are ignored.

    Raises:
        SessionError: the file cannot be read.
    """
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise SessionError(f"cannot read the session file {path}: {exc.strerror or exc}") from exc
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            if number == len(lines):
                return
            if (path, number) not in _warned:
                _warned.add((path, number))
                log.warning("%s:%d: skipped a corrupt session record (%s); the rest is kept", path, number, exc)
            continue
        if isinstance(record, dict):
            yield record


_warned: set[tuple[Path, int]] = set()  # (file, line) already reported by iter_records


def read_rollout(path: Path) -> Rollout:
    """Read a whole rollout.

    Raises:
        SessionError: unreadable, corrupt, not a rollout, or written by a newer Tandem.
    """
    records = list(iter_records(path))
    if not records or records[0].get("type") != RecordKind.SESSION_META:
        raise SessionError(f"{path} is not a Tandem session file (no session_meta first line)")
    meta = dict(records[0].get("payload") or {})
    if int(meta.get("version", 0)) > ROLLOUT_VERSION:
        raise SessionError(f"{path} was written by a newer Tandem (rollout version {meta.get('version')})")
    rollout = Rollout(path=path, meta=meta)
    for record in records[1:]:
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        kind = record.get("type")
        if kind == RecordKind.RESPONSE_ITEM:
            rollout.items.append(payload)
        elif kind == RecordKind.EVENT_MSG:
            rollout.events.append(payload)
            if payload.get("type") == "turn_started":
                rollout.turn_starts[str(payload.get("turn_id"))] = len(rollout.items)
        elif kind == RecordKind.TURN_CONTEXT:
            rollout.turn_contexts.append(payload)
        elif kind == RecordKind.COMPACTED and isinstance(payload.get("replacement_history"), list):
            rollout.items = list(payload["replacement_history"])  # compaction or rollback replaced it
            rollout.turn_starts = {
                tid: i
                for tid, i in rollout.turn_starts.items()
                if i < len(rollout.items) and payload.get("reason") == "rollback"
            }
    try:
        rollout.torn_tail = not path.read_bytes().endswith(b"\n")
    except OSError:
        rollout.torn_tail = False
    return rollout
