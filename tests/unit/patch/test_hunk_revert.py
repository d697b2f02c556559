from __future__ import annotations

from pathlib import Path

from tandem.patch.applier import FileChange, FileOp
from tandem.patch.diff import split_hunks
from tandem.patch.hunk_revert import locate_hunk, revert_hunk

OLD = "".join(f"line {n}\n" for n in range(1, 31))
NEW = OLD.replace("line 3\n", "line three\n").replace("line 25\n", "line 25\nextra\n")


def hunks(old: str = OLD, new: str = NEW):  # type: ignore[no-untyped-def]
    return split_hunks(FileChange(Path("/w/f.txt"), FileOp.UPDATE, old, new), Path("/w"))


def test_reverting_each_hunk_restores_only_that_part() -> None:
    first, second = hunks()
    assert revert_hunk(NEW, first) == OLD.replace("line 25\n", "line 25\nextra\n")
    assert revert_hunk(NEW, second) == OLD.replace("line 3\n", "line three\n")
    assert revert_hunk(revert_hunk(NEW, first) or "", second) == OLD


def test_a_hunk_is_found_after_the_user_edited_above_it() -> None:
    _, second = hunks()
    edited = "user line\n" * 4 + NEW
    assert locate_hunk(edited, second) == (26, 7)  # "line 23" (context) moved down by 4
    assert revert_hunk(edited, second) == "user line\n" * 4 + OLD.replace("line 3\n", "line three\n")


def test_a_hunk_the_user_changed_is_not_reverted() -> None:
    first, _ = hunks()
    edited = NEW.replace("line three\n", "line THREE (mine)\n")
    assert locate_hunk(edited, first) is None
    assert revert_hunk(edited, first) is None


def test_missing_final_newline_round_trips() -> None:
    old, new = "a\nb", "a\nc"
    (hunk,) = hunks(old, new)
    assert revert_hunk(new, hunk) == old
