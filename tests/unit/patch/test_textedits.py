from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.patch.textedits import LineEdit, PositionEncoding, apply_line_edits, char_length, line_edits

lines = st.lists(st.sampled_from(["a", "b", "", "x = 1", "é😀", "  indent", "\r"]), max_size=8)
texts = st.builds(
    lambda parts, nl, tail: nl.join(parts) + tail,
    lines,
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["", "\n", "end"]),
)


@settings(max_examples=300, deadline=None)
@given(texts, texts, st.sampled_from(list(PositionEncoding)))
def test_edits_turn_old_into_new(old: str, new: str, encoding: PositionEncoding) -> None:
    assert apply_line_edits(old, line_edits(old, new, encoding), encoding) == new


def test_only_changed_lines_are_touched() -> None:
    old = "one\ntwo\nthree\nfour\n"
    new = "one\nTWO\nthree\nfour\nfive\n"
    assert line_edits(old, new) == [LineEdit(1, 0, 2, 0, "TWO\n"), LineEdit(4, 0, 4, 0, "five\n")]


def test_edit_at_the_end_of_a_file_without_newline() -> None:
    assert line_edits("a\nb", "a\nc") == [LineEdit(1, 0, 1, 1, "c")]


def test_utf16_lengths() -> None:
    assert char_length("é😀") == 3
    assert char_length("é😀", PositionEncoding.UTF8) == 6
    assert char_length("é😀", PositionEncoding.UTF32) == 2
    assert line_edits("x😀", "y") == [LineEdit(0, 0, 0, 3, "y")]
