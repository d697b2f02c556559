"""Core interval operations.

An interval is a pair ``(start, end)`` with ``start <= end``, covering ``start <= t < end``.
"""

from __future__ import annotations

from typing import Iterable, List, Tuple

Interval = Tuple[int, int]


def _validate(intervals: Iterable[Interval]) -> List[Interval]:
    checked = []
    for start, end in intervals:
        if start > end:
            raise ValueError(f"interval ({start}, {end}) ends before it starts")
        checked.append((start, end))
    return checked


def merge(intervals: Iterable[Interval]) -> List[Interval]:
    """Merge overlapping or touching intervals; the result is sorted and disjoint.

    >>> merge([(5, 8), (1, 3), (2, 4)])
    [(1, 4), (5, 8)]
    """
    ordered = sorted(_validate(intervals))
    merged: List[Interval] = []
    for start, end in ordered:
        if merged and start < merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def total_length(intervals: Iterable[Interval]) -> int:
    """Total time covered by the intervals, counting overlaps once."""
    return sum(end - start for start, end in merge(intervals))


def gaps(intervals: Iterable[Interval], start: int, end: int) -> List[Interval]:
    """The free intervals between ``start`` and ``end`` not covered by ``intervals``."""
    free: List[Interval] = []
    cursor = start
    for block_start, block_end in merge(intervals):
        if block_end <= cursor:
            continue
        if block_start >= end:
            break
        if block_start > cursor:
            free.append((cursor, block_start))
        cursor = max(cursor, block_end)
    if cursor < end:
        free.append((cursor, end))
    return free
