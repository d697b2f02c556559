"""seek_sequence's passes and plan_patch through the FileSystem protocol (no disk writes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.errors import PatchApplyError
from tandem.patch import (
    APPLY_PATCH_LARK_GRAMMAR,
    FileChange,
    FileOp,
    FileSystem,
    PatchResult,
    apply_patch,
    parse_patch,
    plan_patch,
    seek_sequence,
)
from tandem.patch import parser as parser_module

LINES = ["alpha", "  beta  ", "gamma\u00a0\u2014 \u201cq\u201d", "alpha"]


@pytest.mark.parametrize(
    ("pattern", "start", "eof", "expected"),
    [
        (["alpha"], 0, False, 0),
        (["alpha"], 1, False, 3),
        (["alpha"], 0, True, 3),
        (["  beta"], 0, False, 1),  # trailing whitespace ignored
        (["beta"], 0, False, 1),  # surrounding whitespace ignored
        (['gamma - "q"'], 0, False, 2),  # Unicode punctuation normalised
        (["beta", "gamma"], 0, False, None),
        (["alpha", "  beta  "], 1, False, None),
        ([], 2, False, 2),
        ([], 0, True, 4),
        (["a", "b", "c", "d", "e"], 0, False, None),
    ],
)
def test_seek_sequence(pattern: list[str], start: int, eof: bool, expected: int | None) -> None:
    assert seek_sequence(LINES, pattern, start, eof) == expected


def test_an_exact_match_later_wins_over_a_fuzzy_one_earlier() -> None:
    assert seek_sequence(["x = 1 ", "x = 1"], ["x = 1"], 0, False) == 1


class BufferFileSystem:
    """Live editor buffers: what the LSP server will plan against instead of the disk."""

    def __init__(self, files: dict[Path, str]) -> None:
        self.files = files
        self.reads: list[Path] = []

    def read_bytes(self, path: Path) -> bytes:
        self.reads.append(path)
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path].encode()

    def exists(self, path: Path) -> bool:
        return path in self.files or any(p.is_relative_to(path) for p in self.files)

    def is_dir(self, path: Path) -> bool:
        return any(p != path and p.is_relative_to(path) for p in self.files)


ROOT = Path("/ws")


def test_plan_reads_through_the_file_system_protocol_and_writes_nothing(tmp_path: Path) -> None:
    fs = BufferFileSystem({ROOT / "a.txt": "unsaved buffer\n"})
    assert isinstance(fs, FileSystem)
    changes = plan_patch(
        parse_patch(
            "*** Begin Patch\n*** Update File: a.txt\n-unsaved buffer\n+saved\n*** Add File: b/c.txt\n+c\n*** End Patch"
        ),
        ROOT,
        fs,
    )
    assert changes == [
        FileChange(ROOT / "a.txt", FileOp.UPDATE, "unsaved buffer\n", "saved\n", None),
        FileChange(ROOT / "b/c.txt", FileOp.ADD, None, "c\n", None),
    ]
    assert fs.files == {ROOT / "a.txt": "unsaved buffer\n"}


def test_absolute_and_parent_relative_paths_are_resolved() -> None:
    fs = BufferFileSystem({Path("/elsewhere/x.txt"): "x\n", Path("/shared/y.txt"): "y\n"})
    changes = plan_patch(
        parse_patch(
            "*** Begin Patch\n*** Delete File: /elsewhere/x.txt\n*** Delete File: ../shared/./y.txt\n*** End Patch"
        ),
        ROOT,
        fs,
    )
    assert [c.path for c in changes] == [Path("/elsewhere/x.txt"), Path("/shared/y.txt")]
    assert PatchResult(changes, ROOT).summary() == (
        "Success. Updated the following files:\nD /elsewhere/x.txt\nD /shared/y.txt"
    )


def test_a_move_is_an_update_with_move_path() -> None:
    fs = BufferFileSystem({ROOT / "a.txt": "a\n"})
    [change] = plan_patch(
        parse_patch("*** Begin Patch\n*** Update File: a.txt\n*** Move to: d/b.txt\n-a\n+b\n*** End Patch"), ROOT, fs
    )
    assert change == FileChange(ROOT / "a.txt", FileOp.UPDATE, "a\n", "b\n", ROOT / "d/b.txt")
    assert PatchResult([change], ROOT).summary() == "Success. Updated the following files:\nM d/b.txt"


def test_an_added_then_deleted_file_leaves_no_change() -> None:
    fs = BufferFileSystem({})
    assert (
        plan_patch(parse_patch("*** Begin Patch\n*** Add File: t\n+t\n*** Delete File: t\n*** End Patch"), ROOT, fs)
        == []
    )


def test_context_not_found_names_the_file_and_shows_the_lines() -> None:
    fs = BufferFileSystem({ROOT / "src/a.py": "def f():\n    return 1\n"})
    with pytest.raises(PatchApplyError) as caught:
        plan_patch(
            parse_patch(
                "*** Begin Patch\n*** Update File: src/a.py\n def f():\n-    return 2\n+    return 3\n*** End Patch"
            ),
            ROOT,
            fs,
        )
    assert str(caught.value) == "Failed to find expected lines in src/a.py:\ndef f():\n    return 2"


def test_unreadable_files_are_reported_not_raised_raw() -> None:
    class Denied(BufferFileSystem):
        def read_bytes(self, path: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

    with pytest.raises(PatchApplyError, match="cannot delete secret: Permission denied"):
        plan_patch(
            parse_patch("*** Begin Patch\n*** Delete File: secret\n*** End Patch"), ROOT, Denied({ROOT / "secret": ""})
        )


def test_the_anchor_line_may_also_be_the_first_context_line(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    apply_patch(
        "*** Begin Patch\n*** Update File: m.py\n@@ def f():\n def f():\n-    return 1\n+    return 2\n*** End Patch",
        tmp_path,
    )
    assert (tmp_path / "m.py").read_text() == "def f():\n    return 2\n"


def test_the_grammar_ships_with_the_package_and_names_every_marker() -> None:
    for marker in (
        parser_module.BEGIN_PATCH,
        parser_module.END_PATCH,
        parser_module.ADD_FILE,
        parser_module.DELETE_FILE,
        parser_module.UPDATE_FILE,
        parser_module.MOVE_TO,
        parser_module.END_OF_FILE,
    ):
        assert f'"{marker}' in APPLY_PATCH_LARK_GRAMMAR
    assert APPLY_PATCH_LARK_GRAMMAR.lstrip().startswith("//") and "start:" in APPLY_PATCH_LARK_GRAMMAR
