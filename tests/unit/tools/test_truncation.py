"""Head+tail truncation of tool output (tandem.tools.truncation), Codex format."""

from __future__ import annotations

import random
import re
import time

import pytest

from tandem.tools.truncation import (
    HeadTailBuffer,
    approx_tokens,
    count_lines,
    truncate_gapped,
    truncate_middle,
    truncate_output,
)

MARKER = re.compile(r"…(\d+) tokens truncated…\n")


def _split(result: str) -> tuple[str, int, str]:
    """(head, N, tail) of a truncated body."""
    match = MARKER.search(result)
    assert match is not None, result[:200]
    return result[: match.start()], int(match.group(1)), result[match.end() :]


@pytest.mark.parametrize(("text", "tokens"), [("", 0), ("abcd", 1), ("abcde", 2), ("€", 1), ("😀😀", 2)])
def test_approx_tokens_is_ceil_of_utf8_bytes_over_4(text: str, tokens: int) -> None:
    assert approx_tokens(text) == tokens


@pytest.mark.parametrize(("text", "lines"), [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("a\n\nb\n", 3)])
def test_count_lines_counts_like_rust_str_lines(text: str, lines: int) -> None:
    assert count_lines(text) == lines


@pytest.mark.parametrize("text", ["", "hello\n", "x" * 40_000, "€" * 13_333])
def test_output_within_budget_is_unchanged(text: str) -> None:
    assert truncate_output(text, max_tokens=10_000) == text
    assert truncate_middle(text, 10_000) == (text, 0)


def test_one_byte_over_budget_is_truncated() -> None:
    text = "x" * 40_001
    result = truncate_output(text, max_tokens=10_000)
    assert result.startswith("Total output lines: 1\n\n")
    head, removed, tail = _split(result.removeprefix("Total output lines: 1\n\n"))
    assert head.rstrip("\n") == "x" * 20_000
    assert tail == "x" * 20_000
    assert removed == 1  # ceil(1 byte / 4)


def test_keeps_head_and_tail_at_line_boundaries_with_header_and_marker() -> None:
    lines = [f"line {i:05d}" for i in range(10_000)]  # 11 bytes each with the newline
    text = "\n".join(lines) + "\n"
    result = truncate_output(text, max_tokens=100)  # 400 bytes: 200 head + 200 tail
    header = "Total output lines: 10000\n\n"
    assert result.startswith(header)
    head, removed, tail = _split(result[len(header) :])
    assert head == "".join(f"{line}\n" for line in lines[:18])  # 198 bytes: whole lines only
    assert tail == "".join(f"{line}\n" for line in lines[-18:])
    assert removed == -(-(len(text) - len(head) - len(tail)) // 4)


def test_never_splits_a_utf8_character_in_one_long_line() -> None:
    text = "aé€😀" * 5_000  # one line, characters of 1-4 bytes
    for budget in (1, 2, 3, 7, 101, 1_000):
        body, removed = truncate_middle(text, budget)
        assert removed > 0
        head, _, tail = _split(body)
        assert "\ufffd" not in body
        head = head.removesuffix("\n")  # the newline put before the marker
        assert text.startswith(head)
        assert text.endswith(tail)
        assert len(head.encode()) <= budget * 2 and len(tail.encode()) <= budget * 2


def test_zero_budget_keeps_only_the_marker() -> None:
    assert truncate_output("abc\ndef\n", max_tokens=0) == "Total output lines: 2\n\n…2 tokens truncated…\n"


def test_head_without_late_newline_is_cut_mid_line() -> None:
    text = "short\n" + "y" * 10_000 + "\nend\n"
    body, _ = truncate_middle(text, 100)
    head, _, tail = _split(body)
    # the only newline in the head budget is too early to be worth the loss: cut mid-line
    assert head == "short\n" + "y" * 194 + "\n"
    assert tail.endswith("y\nend\n") and len(tail) == 200


def test_one_mebibyte_truncates_well_under_50_ms() -> None:
    rng = random.Random(7)
    words = ["error", "warning", "ok", "€uro", "naïve", "😀", "0x1f", "path/to/file.py:12"]
    parts: list[str] = []
    size = 0
    while size < 1 << 20:
        line = " ".join(rng.choice(words) for _ in range(12)) + "\n"
        parts.append(line)
        size += len(line.encode())
    text = "".join(parts)
    best = min(_timed(lambda: truncate_output(text, max_tokens=10_000)) for _ in range(3))
    assert best < 0.05, f"{best * 1000:.1f} ms"
    assert approx_tokens(truncate_output(text)) < 10_100


def _timed(func: object) -> float:
    assert callable(func)
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


# --- HeadTailBuffer -----------------------------------------------------------------------


def test_head_tail_buffer_keeps_everything_under_the_bound() -> None:
    buffer = HeadTailBuffer(100)
    for chunk in (b"abc", b"", b"d" * 50, b"\xe2\x82", b"\xac"):
        buffer.write(chunk)
    assert buffer.dropped_bytes == 0
    assert buffer.text() == ("abc" + "d" * 50 + "€", 0)


def test_head_tail_buffer_matches_a_reference_for_random_chunking() -> None:
    rng = random.Random(3)
    stream = bytes(rng.randrange(256) for _ in range(20_000))
    for bound in (0, 1, 10, 1001, 4096):
        buffer = HeadTailBuffer(bound)
        position = 0
        while position < len(stream):
            size = rng.choice([1, 7, 100, 3000])
            buffer.write(stream[position : position + size])
            position += size
        head_cap = bound // 2
        assert buffer.head() == stream[:head_cap]
        assert buffer.tail() == (stream[-(bound - head_cap) :] if bound - head_cap else b"")
        assert buffer.total_bytes == len(stream)
        assert buffer.dropped_bytes == len(stream) - bound


def test_head_tail_buffer_text_cuts_at_character_boundaries() -> None:
    buffer = HeadTailBuffer(12)  # head 6 bytes, tail 6 bytes
    buffer.write("ab€€€€cd€".encode())  # 19 bytes; both cuts fall inside a 3-byte €
    assert buffer.head() == "ab€".encode() + b"\xe2"
    assert buffer.tail() == b"\xac" + "cd€".encode()
    assert buffer.text() == ("ab€\n…9 bytes truncated…\ncd€", 9)  # 19 - 5 shown - 5 shown


def test_head_tail_buffer_counts_every_line_written_not_only_the_kept_ones() -> None:
    rng = random.Random(7)
    text = "".join(f"line {n}\n" if rng.random() < 0.9 else "\n" for n in range(50_000)) + "no newline at the end"
    data = text.encode()
    buffer = HeadTailBuffer(1000)
    position = 0
    while position < len(data):
        step = rng.randint(1, 5000)
        buffer.write(data[position : position + step])
        position += step
    assert buffer.dropped_bytes > 0
    assert buffer.total_lines == count_lines(text) == 50_001
    empty = HeadTailBuffer(10)
    assert empty.total_lines == 0
    empty.write(b"")
    assert empty.total_lines == 0


def test_truncate_gapped_counts_the_gap_in_the_marker() -> None:
    head, tail = "".join(f"h{n}\n" for n in range(1000)), "".join(f"t{n}\n" for n in range(1000))
    gap = 1_000_000
    body, removed = truncate_gapped(head, tail, gap, max_tokens=100)
    kept_head, kept_tail = body.split(f"…{removed} tokens truncated…\n")
    assert head.startswith(kept_head) and tail.endswith(kept_tail) and kept_head.endswith("\n")
    not_shown = len(head) + gap + len(tail) - len(kept_head) - len(kept_tail)
    assert removed == -(-not_shown // 4)
    # A budget larger than what was kept still reports the gap.
    body, removed = truncate_gapped(head, tail, gap, max_tokens=1_000_000)
    assert body == f"{head}…{removed} tokens truncated…\n{tail}" and removed == gap // 4
