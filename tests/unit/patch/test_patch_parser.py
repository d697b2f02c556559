"""parse_patch: the shapes it returns and the errors a model sees."""

from __future__ import annotations

import pytest

from tandem.errors import PatchParseError
from tandem.patch import AddFile, DeleteFile, Patch, UpdateChunk, UpdateFile, parse_patch


def test_every_operation_parses_into_its_dataclass() -> None:
    patch = parse_patch("""*** Begin Patch
*** Add File: docs/new.md
+# Title
+
*** Delete File: old.txt
*** Update File: src/app.py
*** Move to: src/main.py
@@ class App:
@@     def run(self):
     setup()
-    go()
+    go(fast=True)
@@
+tail
*** End of File
*** End Patch""")
    assert patch == Patch(
        (
            AddFile("docs/new.md", "# Title\n\n"),
            DeleteFile("old.txt"),
            UpdateFile(
                "src/app.py",
                "src/main.py",
                (
                    UpdateChunk(
                        ("class App:", "def run(self):"),
                        ("    setup()", "    go()"),
                        ("    setup()", "    go(fast=True)"),
                        False,
                    ),
                    UpdateChunk((), (), ("tail",), True),
                ),
            ),
        )
    )


def test_first_chunk_may_omit_its_anchor_and_empty_lines_are_context() -> None:
    patch = parse_patch("*** Begin Patch\n*** Update File: a\n a\n\n-b\n+c\n*** End Patch")
    assert patch.hunks == (UpdateFile("a", None, (UpdateChunk((), ("a", "", "b"), ("a", "", "c"), False),)),)


@pytest.mark.parametrize(
    "wrapped",
    [
        "<<'EOF'\n{p}\nEOF",
        '<<"EOF"\n{p}\nEOF',
        "<<EOF\n{p}\nEOF\n",
        "apply_patch <<'EOF'\n{p}\nEOF",
        "applypatch <<'PATCH'\n{p}\nPATCH",
        "\n\n{p}\n\n",
    ],
)
def test_wrappers_are_tolerated(wrapped: str) -> None:
    text = "*** Begin Patch\n*** Delete File: x\n*** End Patch"
    assert parse_patch(wrapped.format(p=text)) == Patch((DeleteFile("x"),))


def test_marker_lines_may_be_padded_and_crlf() -> None:
    text = (
        "  *** Begin Patch \r\n *** Update File:   a b.txt  \r\n@@\r\n-x\r\n+y\r\n"
        "\t*** End of File \r\n *** End Patch\r\n"
    )
    assert parse_patch(text).hunks == (UpdateFile("a b.txt", None, (UpdateChunk((), ("x",), ("y",), True),)),)


def test_unified_diff_range_headers_count_as_anchors() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: a\n@@ -1,2 +1,2 @@ def f():\n-x\n+y\n@@ -9 +9 @@\n-p\n+q\n*** End Patch"
    )
    chunks = patch.hunks[0].chunks  # type: ignore[union-attr]
    assert [c.change_context for c in chunks] == [("def f():",), ()]


def test_change_lines_that_look_like_markers_are_content() -> None:
    patch = parse_patch(
        "*** Begin Patch\n*** Update File: notes.md\n @@ -1 +1 @@\n-*** bold ***\n+*** bolder ***\n*** End Patch"
    )
    assert patch.hunks[0].chunks == (  # type: ignore[union-attr]
        UpdateChunk((), ("@@ -1 +1 @@", "*** bold ***"), ("@@ -1 +1 @@", "*** bolder ***"), False),
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "the patch is empty", None),
        ("hello\n*** Begin Patch\n*** Delete File: a\n*** End Patch", "'*** Begin Patch' must be the first line", 1),
        ("*** Begin Patch\n*** Delete File: a", "the patch must end with '*** End Patch'", 2),
        ("*** Begin Patch\n*** Delete File: a\n*** End Patch\ntrailing", "'*** End Patch' must be the last line", 4),
        ("*** Begin Patch\n*** End Patch", "contains no file operations", 1),
        ("*** Begin Patch\n*** Update File: a.py\n*** End Patch", "'*** Update File: a.py' has no changes", 2),
        ("*** Begin Patch\n*** Update File: a.py\n@@\n a\n*** End Patch", "'*** Update File: a.py' has no changes", 2),
        (
            "*** Begin Patch\n*** Update File: a.py\n@@\nfoo\n*** End Patch",
            "unexpected line 'foo' in update hunk for 'a.py': lines must start with ' ' (context), '+' (added) or '-'",
            4,
        ),
        (
            "*** Begin Patch\n*** Add File: n\n+a\nb\n*** End Patch",
            "every line of an added file must start with '+'",
            4,
        ),
        ("*** Begin Patch\n*** Add File:\n+a\n*** End Patch", "'*** Add File:' needs a path", 2),
        ("*** Begin Patch\n*** Frobnicate: a\n*** End Patch", "unexpected line '*** Frobnicate: a'", 2),
        (
            "*** Begin Patch\n*** Update File: a\n@@ f\n*** End Patch",
            "the '@@' chunk in '*** Update File: a' has no lines",
            3,
        ),
        (
            "*** Begin Patch\n*** Update File: a\n-x\n*** End of File\n+y\n*** End Patch",
            "start a new chunk with '@@'",
            5,
        ),
        ("*** Begin Patch\n*** Update File: a\n*** End of File\n*** End Patch", "must follow a chunk's lines", 3),
        ("*** Begin Patch\n*** Update File: a\n-x\n*** Bogus\n*** End Patch", "unexpected marker '*** Bogus'", 4),
    ],
)
def test_errors_say_what_is_wrong_and_where(text: str, message: str, line: int | None) -> None:
    with pytest.raises(PatchParseError) as caught:
        parse_patch(text)
    assert message in str(caught.value)
    assert caught.value.line_number == line
    if line is not None:
        assert str(caught.value).endswith(f"(line {line})")


def test_line_numbers_count_the_heredoc_wrapper() -> None:
    with pytest.raises(PatchParseError) as caught:
        parse_patch("<<'EOF'\n*** Begin Patch\n*** Update File: a\noops\n*** End Patch\nEOF")
    assert caught.value.line_number == 4
