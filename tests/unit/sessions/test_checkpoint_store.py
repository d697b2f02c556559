"""Checkpoint storage: the workspace scan (ignore rules, limits, stat cache), the object store, the log."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tandem.errors import NotFoundError, SessionError
from tandem.sessions.checkpoints import (
    BlobStore,
    CheckpointHome,
    EntryKind,
    EntryType,
    FileState,
    WorkspaceScanner,
    new_entry,
)


def scanner(tmp_path: Path, root: Path, **limits: int) -> WorkspaceScanner:
    home = CheckpointHome(tmp_path / "ckpt")
    return WorkspaceScanner(root, home.store, tmp_path / "ckpt" / "scan.json", **limits)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "src" / "app.py").write_text("print('hi')\n")
    (work / "README").write_text("readme\n")
    return work


def test_scan_lists_files_and_stores_their_content(tmp_path: Path, root: Path) -> None:
    scan = scanner(tmp_path, root).scan()
    assert sorted(scan.files) == ["README", "src/app.py"]
    sha = scan.files["src/app.py"].sha
    assert sha is not None
    assert CheckpointHome(tmp_path / "ckpt").store.get(sha) == b"print('hi')\n"


def test_scan_skips_vcs_caches_gitignored_and_symlinks(tmp_path: Path, root: Path) -> None:
    for name in (
        ".git/config",
        "node_modules/x/index.js",
        "__pycache__/a.pyc",
        "build/out.o",
        "src/gen/x.py",
        "debug.log",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "src" / ".gitignore").write_text("gen/\n")
    (root / "link").symlink_to(root / "README")
    scan = scanner(tmp_path, root).scan()
    assert sorted(scan.files) == [".gitignore", "README", "link", "src/.gitignore", "src/app.py"]
    assert scan.files["link"].type is EntryType.LINK and not scan.files["link"].restorable  # listed, never followed
    assert {"build/", "debug.log", "src/gen/", "node_modules/", ".git/", "__pycache__/"} <= scan.ignored


def test_a_nested_gitignore_can_re_include_what_an_outer_one_ignores(tmp_path: Path, root: Path) -> None:
    (root / ".gitignore").write_text("*.log\n")
    (root / "src" / ".gitignore").write_text("!keep.log\n")
    (root / "src" / "keep.log").write_text("kept\n")
    (root / "src" / "drop.log").write_text("dropped\n")
    scan = scanner(tmp_path, root).scan()
    assert "src/keep.log" in scan.files and "src/drop.log" not in scan.files


def test_what_a_scan_could_not_see_is_never_taken_for_created(tmp_path: Path, root: Path) -> None:
    (root / ".gitignore").write_text("secret.env\n")
    (root / "secret.env").write_text("KEY=1\n")
    scan = scanner(tmp_path, root)
    before = scan.scan()
    (root / ".gitignore").write_text("other.env\n")  # secret.env becomes visible: it was not created
    assert before.changed_paths(scan.scan()) == [".gitignore"]
    for i in range(6):
        (root / f"f{i}").write_text(f"{i}\n")
    capped = scanner(tmp_path, root, max_files=3)
    start = capped.scan()
    (root / "README").unlink()
    assert start.truncated and start.changed_paths(capped.scan()) == []  # truncated: no guessing


def test_files_skipped_by_the_budget_are_stored_by_a_later_scan(tmp_path: Path, root: Path) -> None:
    first = scanner(tmp_path, root, max_new_bytes=0).scan()
    assert first.files["README"].sha is None
    again = scanner(tmp_path, root).scan()
    assert again.files["README"].restorable


def test_changed_paths_finds_edits_creations_and_deletions(tmp_path: Path, root: Path) -> None:
    scan = scanner(tmp_path, root)
    before = scan.scan()
    (root / "src" / "app.py").write_text("print('changed')\n")
    (root / "new.txt").write_text("new\n")
    (root / "README").unlink()
    assert before.changed_paths(scan.scan()) == ["README", "new.txt", "src/app.py"]


def test_a_rescan_reads_only_files_whose_stat_changed(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = scanner(tmp_path, root).scan()
    reads: list[bytes] = []
    real = BlobStore.put
    monkeypatch.setattr(BlobStore, "put", lambda self, data: reads.append(data) or real(self, data))
    again = scanner(tmp_path, root).scan()  # a fresh scanner (a new process) uses the cache file
    assert reads == [] and again.files == first.files
    app = root / "src" / "app.py"
    st = app.stat()
    app.write_text("print('hO')\n")  # same size, mtime put back: ctime still moves, so it is re-read
    os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = scanner(tmp_path, root).scan()
    assert reads == [b"print('hO')\n"] and changed.files["src/app.py"].sha != first.files["src/app.py"].sha


def test_limits_large_files_unstored_and_file_count(tmp_path: Path, root: Path) -> None:
    (root / "big.bin").write_bytes(b"x" * 2048)
    scan = scanner(tmp_path, root, max_file_bytes=1024).scan()
    assert scan.files["big.bin"].sha is None and scan.files["README"].sha is not None
    few = scanner(tmp_path, root, max_files=2).scan()
    assert len(few.files) == 2 and few.truncated
    (tmp_path / "ckpt" / "scan.json").unlink()
    budget = scanner(tmp_path, root, max_new_bytes=10).scan()  # README (7 bytes) fits, the rest does not
    assert budget.files["README"].sha is not None and budget.files["src/app.py"].sha is None


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
    scanned = home.scanner(root, tmp_path / "elsewhere").scan()
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
