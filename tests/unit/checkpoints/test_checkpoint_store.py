"""Checkpoint storage: the object store, the log, and the home's prune and markers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import EntryKind, FileState, new_entry
from tandem.errors import NotFoundError, SessionError


def test_store_detects_damage(tmp_path: Path) -> None:
    store = CheckpointHome(tmp_path).store
    sha = store.put(b"content")
    assert store.put(b"content") == sha
    (store.root / sha[:2] / sha[2:]).write_bytes(b"tampered")
    with pytest.raises(SessionError, match="damaged"):
        store.get(sha)
    with pytest.raises(SessionError, match="missing"):
        store.get("0" * 64)


def test_log_round_trips_and_tolerates_a_torn_line(tmp_path: Path) -> None:
    home = CheckpointHome(tmp_path)
    log = home.log("thread-1")
    entry = new_entry(EntryKind.TURN, "turn-1", tmp_path, [FileState("a.py", "1" * 64, None)])
    log.append(entry)
    with log.path.open("a") as handle:
        handle.write('{"type": "undo", "id": "ckpt-x", "tur')  # a crash mid-write
    assert log.entries() == [entry]
    later = new_entry(EntryKind.TURN, "turn-2", tmp_path, [FileState("b.py", None, "2" * 64, 0o755)])
    log.append(later)  # starts on a line of its own, so the torn one does not swallow it
    assert log.entries() == [entry, later] and log.entries()[1].files[0].mode == 0o755
    assert home.find_thread("thread") == "thread-1"
    with pytest.raises(NotFoundError):
        home.find_thread("other")


def test_prune_forgets_idle_threads_and_sweeps_unreferenced_objects(tmp_path: Path, root: Path) -> None:
    home = CheckpointHome(tmp_path / "ckpt")
    store = home.store
    old_sha, kept_sha, loose_sha = store.put(b"old turn"), store.put(b"recent turn"), store.put(b"nobody's")
    home.log("old-thread").append(new_entry(EntryKind.TURN, "t1", root, [FileState("a", old_sha, None)]))
    home.log("new-thread").append(new_entry(EntryKind.TURN, "t2", root, [FileState("b", None, kept_sha)]))
    scanned = home.scanner(root).scan()
    week_ago = time.time() - 7 * 86400
    os.utime(home.log("old-thread").path, (week_ago, week_ago))
    result = home.prune(older_than_s=86400)
    assert result.threads == ["old-thread"] and result.objects == 2  # "old turn" and "nobody's"
    assert [t for t, _ in home.threads()] == ["new-thread"]
    assert store.get(kept_sha) == b"recent turn"
    assert all(store.get(e.sha) for e in scanned.files.values() if e.sha)  # the scan cache still needs them
    for gone in (old_sha, loose_sha):
        with pytest.raises(SessionError):
            store.get(gone)
    marker = home.mark_active("turn-x")  # a turn of this (live) process is checkpointing: no sweep
    busy = home.prune(older_than_s=-1)
    assert busy.threads == ["new-thread"] and busy.busy == 1 and busy.objects == 0
    assert store.get(kept_sha) == b"recent turn"  # swept only once no turn is checkpointing
    marker.unlink()
    everything = home.prune(older_than_s=-1)  # every log and cache counts as old
    assert everything.objects > 0 and not list(store.root.glob("*/*"))
