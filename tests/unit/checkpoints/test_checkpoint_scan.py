"""Workspace scans: ignore rules, limits and the stat cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.scan import EntryType, WorkspaceScanner
from tandem.checkpoints.store import BlobStore


def scanner(tmp_path: Path, root: Path, **limits: int) -> WorkspaceScanner:
    home = CheckpointHome(tmp_path / "ckpt")
    return WorkspaceScanner(root, home.store, tmp_path / "ckpt" / "scan.json", **limits)


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
