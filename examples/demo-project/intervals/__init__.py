"""Half-open interval helpers: merge overlapping ranges and measure what they cover."""

from intervals.core import gaps, merge, total_length

__all__ = ["gaps", "merge", "total_length"]
