"""A thread's checkpoint log: what each turn changed, and each undo and redo of it.

Format: ``$TANDEM_HOME/checkpoints/<thread_id>/log.jsonl``, one JSON object per line, appended
and flushed: ``{"type": "turn" | "undo" | "redo", "id", "turn_id", "target"?, "created_at",
"cwd", "files": [{"path", "before", "after", "mode"?}]}`` where ``before``/``after`` are SHA-256
hex of the content in :class:`~tandem.checkpoints.store.BlobStore` (``null`` = the file did not
exist) and ``mode`` the permission bits before. A torn last line (crash) is ignored.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tandem.checkpoints.store import _io


class EntryKind(StrEnum):
    """What a checkpoint log entry records."""

    TURN = "turn"
    UNDO = "undo"
    REDO = "redo"


@dataclass(frozen=True, slots=True)
class FileState:
    """One file of a checkpoint: its content hash before and after (``None`` = did not exist), and the
    permission bits it had before (``None``: unknown), which an undo that re-creates it restores."""

    path: str
    before: str | None
    after: str | None
    mode: int | None = None


@dataclass(frozen=True, slots=True)
class CheckpointEntry:
    """One line of a thread's checkpoint log.

    Attributes:
        id: ``ckpt-<12 hex>``.
        kind: a turn's changes, or an undo / redo of an earlier entry (``target`` = its id).
        turn_id: the turn whose changes this entry is about.
        cwd: the workspace root ``files`` paths are relative to.
        files: every file the entry changed.
    """

    id: str
    kind: EntryKind
    turn_id: str
    cwd: str
    files: tuple[FileState, ...]
    target: str | None = None
    created_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The entry's JSON object (see the module doc)."""
        out: dict[str, Any] = {"type": self.kind.value, "id": self.id, "turn_id": self.turn_id}
        if self.target is not None:
            out["target"] = self.target
        out["created_at"] = self.created_at
        out["cwd"] = self.cwd
        out["files"] = [
            {"path": f.path, "before": f.before, "after": f.after, **({"mode": f.mode} if f.mode is not None else {})}
            for f in self.files
        ]
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CheckpointEntry:
        """Read an entry; raises ``KeyError``/``ValueError``/``TypeError`` when malformed."""
        files = tuple(
            FileState(
                str(f["path"]), f.get("before"), f.get("after"), int(f["mode"]) if f.get("mode") is not None else None
            )
            for f in obj["files"]
        )
        return cls(
            str(obj["id"]),
            EntryKind(obj["type"]),
            str(obj["turn_id"]),
            str(obj["cwd"]),
            files,
            obj.get("target"),
            float(obj.get("created_at") or 0.0),
        )


def new_entry(
    kind: EntryKind, turn_id: str, cwd: Path, files: list[FileState], target: str | None = None
) -> CheckpointEntry:
    """A new log entry with a fresh id, stamped now."""
    return CheckpointEntry(f"ckpt-{uuid.uuid4().hex[:12]}", kind, turn_id, str(cwd), tuple(files), target, time.time())


class CheckpointLog:
    """A thread's checkpoint log (``<dir>/log.jsonl``), append-only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "log.jsonl"

    def append(self, entry: CheckpointEntry) -> None:
        """Append one entry and flush it to disk.

        Raises:
            CheckpointError: the log cannot be written.
        """
        with _io(f"cannot write the checkpoint log {self.path}"):
            self._append(entry)

    def _append(self, entry: CheckpointEntry) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            torn = False
            if size:
                handle.seek(size - 1)
                torn = handle.read(1) != b"\n"
            line = json.dumps(entry.to_json(), separators=(",", ":")) + "\n"
            handle.write((("\n" if torn else "") + line).encode("utf-8"))  # a crash's torn line stays alone
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[CheckpointEntry]:
        """Every readable entry, oldest first (malformed or torn lines are skipped); none without a log.

        Raises:
            CheckpointError: the log exists but cannot be read.
        """
        with _io(f"cannot read the checkpoint log {self.path}"):
            try:
                lines = self.path.read_text("utf-8", "replace").splitlines()
            except FileNotFoundError:
                return []
        out = []
        for line in lines:
            try:
                out.append(CheckpointEntry.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return out
