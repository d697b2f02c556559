"""Unified diffs, hunk splitting and hunk selection of planned changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tandem.errors import PatchApplyError
from tandem.patch import FileChange, FileOp, select_hunks, split_hunks, turn_diff, unified_diff

CWD = Path("/work/project")
OLD = "".join(f"line {i}\n" for i in range(1, 31))


def _update(old: str, new: str, name: str = "src/a.txt", move: str | None = None) -> FileChange:
    return FileChange(CWD / name, FileOp.UPDATE, old, new, CWD / move if move else None)


def _far_apart() -> FileChange:
    return _update(OLD, OLD.replace("line 3\n", "line three\n").replace("line 25\n", "line 25\nline 25.5\n"))


def test_update_headers_and_hunk() -> None:
    diff = unified_diff(_update("a\nb\nc\n", "a\nB\nc\n"), CWD)
    assert diff == "--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


def test_add_and_delete_use_dev_null() -> None:
    added = FileChange(CWD / "new.txt", FileOp.ADD, None, "x\ny\n")
    deleted = FileChange(CWD / "old.txt", FileOp.DELETE, "gone\n", None)
    assert unified_diff(added, CWD) == "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+x\n+y\n"
    assert unified_diff(deleted, CWD) == "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n"


def test_move_shows_both_paths_and_a_pure_move_only_headers() -> None:
    moved = _update("a\n", "b\n", "x.txt", move="dir/y.txt")
    assert unified_diff(moved, CWD) == "--- a/x.txt\n+++ b/dir/y.txt\n@@ -1 +1 @@\n-a\n+b\n"
    assert unified_diff(_update("a\n", "a\n", "x.txt", move="y.txt"), CWD) == "--- a/x.txt\n+++ b/y.txt\n"
    assert unified_diff(_update("same\n", "same\n"), CWD) == ""


def test_paths_outside_the_cwd_are_absolute() -> None:
    change = FileChange(Path("/etc/other.conf"), FileOp.UPDATE, "a\n", "b\n")
    assert unified_diff(change, CWD).startswith("--- /etc/other.conf\n+++ /etc/other.conf\n")


def test_missing_final_newline_is_marked() -> None:
    diff = unified_diff(_update("a\nb", "a\nc"), CWD)
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_distant_changes_are_separate_hunks_with_three_lines_of_context() -> None:
    hunks = split_hunks(_far_apart(), CWD)
    assert [h.header for h in hunks] == ["@@ -1,6 +1,6 @@", "@@ -23,6 +23,7 @@"]
    assert (hunks[0].old_start, hunks[0].old_count, hunks[0].new_start, hunks[0].new_count) == (1, 6, 1, 6)
    assert (hunks[1].old_start, hunks[1].old_count, hunks[1].new_start, hunks[1].new_count) == (23, 6, 23, 7)
    assert hunks[1].diff.splitlines() == [
        "@@ -23,6 +23,7 @@",
        " line 23",
        " line 24",
        " line 25",
        "+line 25.5",
        " line 26",
        " line 27",
        " line 28",
    ]
    assert unified_diff(_far_apart(), CWD) == "--- a/src/a.txt\n+++ b/src/a.txt\n" + "".join(h.diff for h in hunks)


def test_hunk_ids_are_stable_and_distinct() -> None:
    first, second = split_hunks(_far_apart(), CWD), split_hunks(_far_apart(), CWD)
    assert [h.id for h in first] == [h.id for h in second]
    assert len({h.id for h in first}) == 2
    assert first[0].id.endswith("-0") and first[1].id.endswith("-1")
    other_file = split_hunks(_update(OLD, _far_apart().new_text or "", "src/b.txt"), CWD)
    assert {h.id for h in other_file}.isdisjoint(h.id for h in first)


def test_select_hunks_applies_only_the_accepted_ones() -> None:
    change = _far_apart()
    hunks = split_hunks(change, CWD)
    only_second = select_hunks(change, hunks, {hunks[1].id})
    assert only_second is not None and only_second.old_text == OLD
    assert only_second.new_text == OLD.replace("line 25\n", "line 25\nline 25.5\n")
    assert select_hunks(change, hunks, {h.id for h in hunks}) is change
    assert select_hunks(change, hunks, set()) is None


def test_select_hunks_keeps_a_move_without_its_content_hunks() -> None:
    change = _update("a\n", "b\n", "x.txt", move="y.txt")
    kept = select_hunks(change, split_hunks(change, CWD), set())
    assert kept is not None and kept.move_path == CWD / "y.txt" and kept.new_text == "a\n"


def test_select_hunks_on_add_and_delete_is_all_or_nothing() -> None:
    added = FileChange(CWD / "n.txt", FileOp.ADD, None, "x\n")
    hunks = split_hunks(added, CWD)
    assert select_hunks(added, hunks, set()) is None
    assert select_hunks(added, hunks, {hunks[0].id}) is added


def test_select_hunks_refuses_hunks_of_another_change() -> None:
    with pytest.raises(PatchApplyError):
        select_hunks(_far_apart(), split_hunks(_update("a\n", "b\n"), CWD), set())


def test_turn_diff_concatenates_files_in_order() -> None:
    changes = [FileChange(CWD / "n.txt", FileOp.ADD, None, "x\n"), _update("a\n", "b\n")]
    assert turn_diff(changes, CWD) == unified_diff(changes[0], CWD) + unified_diff(changes[1], CWD)


def test_git_apply_accepts_the_diff(tmp_path: Path) -> None:
    """The diff is real unified-diff text: `git apply` turns the old files into the new ones."""
    far = _far_apart()
    changes = [
        FileChange(tmp_path / "a.txt", FileOp.UPDATE, far.old_text, far.new_text),
        FileChange(tmp_path / "b.txt", FileOp.UPDATE, "no\nnewline", "no\nnewline here"),
        FileChange(tmp_path / "new.txt", FileOp.ADD, None, "fresh\n"),
        FileChange(tmp_path / "old.txt", FileOp.DELETE, "bye\n", None),
    ]
    for change in changes:
        if change.old_text is not None:
            change.path.write_text(change.old_text)
    (tmp_path / "changes.diff").write_text(turn_diff(changes, tmp_path))
    subprocess.run(["git", "apply", "changes.diff"], cwd=tmp_path, check=True, capture_output=True)
    for change in changes:
        assert (change.path.read_text() if change.path.exists() else None) == change.new_text
