"""No OSError leaves tandem.checkpoints raw: each disk failure becomes one CheckpointError naming the path.

(Tests run as root, where permission bits stop nothing: the obstacles are files where folders must
be, and folders where files must be.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tandem.agent.turn_checkpoint import TurnCheckpoint
from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import CheckpointLog, EntryKind, FileState, new_entry
from tandem.checkpoints.scan import WorkspaceScanner
from tandem.checkpoints.store import BlobStore, content_hash
from tandem.checkpoints.undo import apply_revert, plan_revert
from tandem.config_enums import CheckpointMode
from tandem.errors import CheckpointError, JsonRpcCode, SessionError, TandemError
from tandem.patch.fs import DiskFileSystem
from tandem.patch.workspace import DiskWorkspace


def not_a_folder(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a file where a folder must be\n")
    return path


def assert_wrapped(info: pytest.ExceptionInfo[CheckpointError], *needles: str) -> None:
    assert isinstance(info.value.__cause__, OSError)
    for needle in needles:
        assert needle in info.value.message


def test_checkpoint_error_is_a_session_error_with_its_own_code() -> None:
    error = CheckpointError("cannot write the checkpoint log /x")
    assert isinstance(error, SessionError) and isinstance(error, TandemError)
    assert error.jsonrpc_code is JsonRpcCode.CHECKPOINT_ERROR and int(error.jsonrpc_code) == -32006


def test_an_unwritable_store_raises_checkpoint_error(tmp_path: Path) -> None:
    store = BlobStore(not_a_folder(tmp_path / "objects"))
    with pytest.raises(CheckpointError) as info:
        store.put(b"content")
    assert_wrapped(info, "cannot write checkpoint object", content_hash(b"content")[:12], str(tmp_path / "objects"))


def test_a_log_that_cannot_be_written_or_read_raises_and_a_missing_one_is_empty(tmp_path: Path) -> None:
    entry = new_entry(EntryKind.TURN, "turn-1", tmp_path, [FileState("a.py", None, "1" * 64)])
    assert CheckpointLog(tmp_path / "thread-0").entries() == []  # no log yet: nothing recorded
    blocked = CheckpointLog(not_a_folder(tmp_path / "thread-1"))
    with pytest.raises(CheckpointError) as info:
        blocked.append(entry)
    assert_wrapped(info, "cannot write the checkpoint log", "thread-1")
    folder = CheckpointLog(tmp_path / "thread-2")
    folder.path.mkdir(parents=True)  # a folder where the log file must be
    with pytest.raises(CheckpointError) as info:
        folder.entries()
    assert_wrapped(info, "cannot read the checkpoint log")


def test_a_scan_cache_that_cannot_be_saved_raises_and_a_malformed_one_costs_a_rescan(
    tmp_path: Path, root: Path
) -> None:
    store = BlobStore(tmp_path / "objects")
    blocked = WorkspaceScanner(root, store, not_a_folder(tmp_path / "scans") / "cache.json")
    with pytest.raises(CheckpointError) as info:
        blocked.scan()
    assert_wrapped(info, "cannot save the scan cache")
    cache = tmp_path / "cache.json"
    cache.write_text(json.dumps(["not", "a", "table"]))
    assert sorted(WorkspaceScanner(root, store, cache).scan().files) == ["README", "src/app.py"]


def test_a_store_that_cannot_be_written_fails_the_scan_instead_of_listing_files_unreadable(
    tmp_path: Path, root: Path
) -> None:
    scanner = WorkspaceScanner(root, BlobStore(not_a_folder(tmp_path / "objects")), tmp_path / "scan.json")
    with pytest.raises(CheckpointError, match="cannot write checkpoint object"):
        scanner.scan()


def test_prune_and_markers_raise_checkpoint_error(tmp_path: Path) -> None:
    home = CheckpointHome(tmp_path / "ckpt")
    home.log("old").append(new_entry(EntryKind.TURN, "t1", tmp_path, []))
    (home.root / "old" / "stray-folder").mkdir()  # a folder prune cannot unlink
    with pytest.raises(CheckpointError) as info:
        home.prune(older_than_s=-1)
    assert_wrapped(info, "cannot prune the checkpoints")
    not_a_folder(home.root / "active")
    with pytest.raises(CheckpointError) as info:
        home.mark_active("turn-1")
    assert_wrapped(info, "cannot write the checkpoint marker")


async def test_an_undo_write_that_fails_raises_checkpoint_error(tmp_path: Path, root: Path) -> None:
    home = CheckpointHome(tmp_path / "ckpt")
    blob = bytes(range(256))  # binary: written straight to disk
    state = FileState("blob.bin", home.store.put(blob), None)
    (root / "blob.bin").mkdir()  # a folder where the deleted file must come back
    (root / "blob.bin" / "inside").write_text("x")
    plan = plan_revert(new_entry(EntryKind.TURN, "t1", root, [state]), home.store, DiskFileSystem(), EntryKind.UNDO)
    with pytest.raises(CheckpointError) as info:
        await apply_revert(plan, home.store, DiskWorkspace())
    assert_wrapped(info, "cannot write", str(root / "blob.bin"))


async def test_a_turn_whose_checkpoint_home_is_unwritable_logs_a_warning_and_records_nothing(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = CheckpointHome(not_a_folder(tmp_path / "ckpt"))
    checkpoint = TurnCheckpoint(CheckpointMode.WORKSPACE, root, home, "thread", "turn-1", DiskWorkspace())
    with caplog.at_level(logging.WARNING, logger="tandem.agent.turn_checkpoint"):
        await checkpoint.before_mutation()  # the scan fails: logged, the turn goes on
    assert checkpoint.active and "checkpoint scan of" in caplog.text and "cannot write" in caplog.text
    (root / "README").write_text("changed\n")
    assert await checkpoint.current() == []  # nothing to compare with
