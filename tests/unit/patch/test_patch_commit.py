"""commit_changes / apply_patch on a real disk: atomic across files, rollback, modes, conflicts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tandem.errors import PatchApplyError
from tandem.patch import DiskFileSystem, apply_patch, commit_changes, parse_patch, plan_patch

PATCH = """*** Begin Patch
*** Add File: fresh/dir/new.txt
+new
*** Update File: one.txt
-one
+ONE
*** Update File: two.txt
-two
+TWO
*** Update File: three.txt
*** Move to: moved/three.txt
-three
+THREE
*** Delete File: four.txt
*** End Patch
"""


def _tree(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry below ``root``: bytes (None for a directory) and permission bits."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None, stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    for name in ("one", "two", "three", "four"):
        (root / f"{name}.txt").write_text(f"{name}\n")
    (root / "two.txt").chmod(0o755)
    return root


def test_a_full_patch_commits_every_file(work: Path) -> None:
    result = apply_patch(PATCH, work)
    assert result.summary() == (
        "Success. Updated the following files:\nA fresh/dir/new.txt\nM one.txt\nM two.txt\n"
        "M moved/three.txt\nD four.txt"
    )
    assert (work / "fresh/dir/new.txt").read_text() == "new\n"
    assert (work / "one.txt").read_text() == "ONE\n"
    assert (work / "moved/three.txt").read_text() == "THREE\n"
    assert not (work / "three.txt").exists() and not (work / "four.txt").exists()
    assert stat.S_IMODE((work / "two.txt").stat().st_mode) == 0o755  # mode preserved
    assert not [p for p in work.rglob("*") if "tandem-tmp" in p.name]


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4])
def test_a_failed_write_rolls_everything_back(work: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int) -> None:
    before = _tree(work)
    real_replace = os.replace
    calls: list[str] = []

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(str(dst))
        if len(calls) == failing_call:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(PatchApplyError, match=r"No space left on device.*rolled back"):
        apply_patch(PATCH, work)
    monkeypatch.setattr(os, "replace", real_replace)
    assert _tree(work) == before


def test_a_real_failure_after_removals_rolls_back(work: Path) -> None:
    """No mocks: a file appears where a parent directory must be created, after planning."""
    disk = DiskFileSystem()
    changes = plan_patch(parse_patch(PATCH), work, disk)
    (work / "fresh").write_text("a file, not a directory\n")
    before = _tree(work)
    with pytest.raises(PatchApplyError, match=r"could not write .*new\.txt.*rolled back"):
        commit_changes(changes, disk)
    assert _tree(work) == before


def test_rollback_restores_a_deleted_symlink(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "link.txt").symlink_to("one.txt")
    monkeypatch.setattr(DiskFileSystem, "write_atomic", _fail)
    with pytest.raises(PatchApplyError):
        apply_patch("*** Begin Patch\n*** Delete File: link.txt\n*** Add File: x.txt\n+x\n*** End Patch", work)
    assert (work / "link.txt").is_symlink() and (work / "link.txt").readlink() == Path("one.txt")
    assert not (work / "x.txt").exists()


def _fail(*_args: object) -> None:
    raise OSError(5, "Input/output error")


def test_rollback_restores_the_target_of_an_updated_symlink(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "link.txt").symlink_to("one.txt")
    before = _tree(work)
    real_replace = os.replace

    def fail_on_two(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "two.txt":
            raise OSError(30, "Read-only file system")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_two)
    with pytest.raises(PatchApplyError, match="Read-only file system"):
        apply_patch(
            "*** Begin Patch\n*** Update File: link.txt\n-one\n+uno\n*** Update File: two.txt\n-two\n+dos\n"
            "*** End Patch",
            work,
        )
    monkeypatch.setattr(os, "replace", real_replace)
    assert _tree(work) == before and (work / "link.txt").is_symlink()


def test_updating_through_a_symlink_rewrites_the_target(work: Path) -> None:
    (work / "link.txt").symlink_to("one.txt")
    apply_patch("*** Begin Patch\n*** Update File: link.txt\n-one\n+uno\n*** End Patch", work)
    assert (work / "link.txt").is_symlink()
    assert (work / "one.txt").read_text() == "uno\n"


def test_a_file_changed_after_planning_is_not_overwritten(work: Path) -> None:
    disk = DiskFileSystem()
    changes = plan_patch(parse_patch(PATCH), work, disk)
    (work / "two.txt").write_text("edited by the user meanwhile\n")
    before = _tree(work)
    with pytest.raises(PatchApplyError, match=r"two\.txt changed on disk"):
        commit_changes(changes, disk)
    assert _tree(work) == before


def test_a_file_created_after_planning_is_not_overwritten(work: Path) -> None:
    disk = DiskFileSystem()
    changes = plan_patch(parse_patch(PATCH), work, disk)
    (work / "moved").mkdir()
    (work / "moved/three.txt").write_text("someone else's\n")
    with pytest.raises(PatchApplyError, match="already exists"):
        commit_changes(changes, disk)
    assert (work / "moved/three.txt").read_text() == "someone else's\n"
    assert (work / "one.txt").read_text() == "one\n"


def test_new_files_get_the_default_mode(work: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    apply_patch("*** Begin Patch\n*** Add File: n.txt\n+n\n*** End Patch", work)
    assert stat.S_IMODE((work / "n.txt").stat().st_mode) == 0o666 & ~umask


def test_a_moved_file_keeps_its_mode(work: Path) -> None:
    apply_patch("*** Begin Patch\n*** Update File: two.txt\n*** Move to: bin/two\n*** End Patch", work)
    assert stat.S_IMODE((work / "bin/two").stat().st_mode) == 0o755


def test_content_that_is_not_utf8_late_in_a_patch_changes_nothing(tmp_path: Path) -> None:
    # A patch read from a non-UTF-8 stdin (surrogate escapes) or a JSON "\udce9": the last file's
    # content cannot be written as UTF-8; the update and the delete before it must not happen either.
    (tmp_path / "a.txt").write_text("one\n")
    (tmp_path / "d.txt").write_text("gone\n")
    before = _tree(tmp_path)
    patch = (
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+ONE\n*** Delete File: d.txt\n"
        "*** Add File: new.txt\n+caf\udce9\n*** End Patch\n"
    )
    with pytest.raises(PatchApplyError, match=r"new\.txt.*UTF-8"):
        apply_patch(patch, tmp_path)
    assert _tree(tmp_path) == before
