"""Proposed files: the wire proposal, and previews with some hunks accepted (text and hunk spans)."""

from __future__ import annotations

from pathlib import Path

from tandem.patch.applier import FileChange, FileOp
from tandem.protocol.enums import ChangeKind
from tandem.protocol.items import dump
from tandem.tools.proposals import ProposedFile

CWD = Path("/work")
ORIGINAL = "".join(f"line {n}\n" for n in range(1, 31))


def lines(text: str) -> list[str]:
    return text.splitlines()


def spans(proposed: ProposedFile, accepted: set[str]) -> list[tuple[str, int, int]]:
    return [(s.status.value, s.start_line, s.line_count) for s in proposed.preview(accepted).hunks]


def test_the_wire_proposal_carries_both_texts_and_keeps_null_for_a_missing_side() -> None:
    added = ProposedFile.of(FileChange(CWD / "n.txt", FileOp.ADD, None, "a\n"), CWD)
    wire = dump(added.wire)
    assert wire["path"] == "n.txt" and wire["kind"] == "add" and wire["newText"] == "a\n"
    assert "oldText" in wire and wire["oldText"] is None  # sent as null, not left out
    assert "movePath" not in wire
    moved = ProposedFile.of(FileChange(CWD / "a.txt", FileOp.UPDATE, "x\n", "x\n", CWD / "b" / "a.txt"), CWD)
    assert (moved.wire.kind, moved.wire.move_path, moved.hunks) == (ChangeKind.MOVE, "b/a.txt", ())


def test_spans_of_insertions_and_deletions_follow_the_accepted_hunks_above_them() -> None:
    new = ORIGINAL.replace("line 3\n", "line 3\nNEW A\nNEW B\n").replace("line 20\nline 21\n", "")
    proposed = ProposedFile.of(FileChange(CWD / "f.txt", FileOp.UPDATE, ORIGINAL, new), CWD)
    insert, delete = (h.id for h in proposed.hunks)
    # both: the inserted lines at index 3-4; the deleted lines stood at index 19, now 21 -> 0 lines left
    assert spans(proposed, {insert, delete}) == [("included", 3, 2), ("included", 21, 0)]
    assert proposed.preview({insert, delete}).text == new
    # only the deletion: the insertion point covers 0 old lines; the deleted lines' place is unshifted
    assert spans(proposed, {delete}) == [("excluded", 3, 0), ("included", 19, 0)]
    # none: the old lines of the deletion are still there, two of them
    preview = proposed.preview(set())
    assert preview.text == ORIGINAL and spans(proposed, set()) == [("excluded", 3, 0), ("excluded", 19, 2)]
    assert lines(preview.text)[19:21] == ["line 20", "line 21"]


def test_a_last_line_without_newline_is_not_counted_as_context() -> None:
    old, new = "a\nb\nc", "a\nb\nC"
    proposed = ProposedFile.of(FileChange(CWD / "f.txt", FileOp.UPDATE, old, new), CWD)
    (hunk,) = proposed.hunks
    assert "\\ No newline at end of file" in hunk.diff
    assert spans(proposed, {hunk.id}) == [("included", 2, 1)]
    assert spans(proposed, set()) == [("excluded", 2, 1)]


def test_a_deleted_file_previews_empty_when_accepted_and_unchanged_when_not() -> None:
    proposed = ProposedFile.of(FileChange(CWD / "gone.txt", FileOp.DELETE, "x\ny\n", None), CWD)
    (hunk,) = proposed.hunks
    accepted = proposed.preview({hunk.id})
    assert (accepted.text, accepted.old_text) == ("", "x\ny\n")
    assert spans(proposed, {hunk.id}) == [("included", 0, 0)]
    assert proposed.preview(set()).text == "x\ny\n" and spans(proposed, set()) == [("excluded", 0, 2)]
