"""Plausible token usage for scripted responses, including a simulated prompt cache.

Estimates use the common "about 4 bytes per token" rule:

- ``input_tokens`` = request body bytes / 4 (rounded up);
- ``cached_tokens`` = bytes of the longest common prefix of this request's cacheable prompt and the
  previous request's / 4 (rounded down, never above ``input_tokens``). Like a provider's prompt
  cache, a request that strictly extends the previous one reuses everything before the new part;
- ``reasoning_tokens`` = reasoning summary + raw reasoning characters / 4;
- ``output_tokens`` = every output character (text, arguments, tool input, reasoning) / 4.

A field given in the script wins over the estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tandem.testing.script import (
    CustomToolCallItem,
    FunctionCallItem,
    MessageItem,
    OutputItem,
    ReasoningItem,
    ScriptedUsage,
)


@dataclass(frozen=True, slots=True)
class Usage:
    """Resolved token counts (``output_tokens`` includes ``reasoning_tokens``)."""

    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int

    @property
    def total_tokens(self) -> int:
        """``input_tokens + output_tokens``."""
        return self.input_tokens + self.output_tokens


def common_prefix_length(a: bytes, b: bytes) -> int:
    """Length in bytes of the longest common prefix of ``a`` and ``b`` (binary search over C-speed
    slice comparisons, so large prompts cost microseconds)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[low:mid] == b[low:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _tokens(chars: int) -> int:
    return (chars + 3) // 4


def _output_chars(items: Sequence[OutputItem]) -> tuple[int, int]:
    """(all output characters, reasoning characters)."""
    total = reasoning = 0
    for item in items:
        if isinstance(item, ReasoningItem):
            size = sum(len(part) for part in item.summary_parts) + len(item.text or "")
            reasoning += size
            total += size
        elif isinstance(item, MessageItem):
            total += len(item.text)
        elif isinstance(item, FunctionCallItem):
            total += len(item.name) + len(item.arguments_json)
        elif isinstance(item, CustomToolCallItem):
            total += len(item.name) + len(item.input)
    return total, reasoning


def resolve_usage(
    scripted: ScriptedUsage | None, items: Sequence[OutputItem], input_bytes: int, cached_prefix_bytes: int
) -> Usage:
    """Fill every field the script left out with the estimates described in the module docstring."""
    given = scripted or ScriptedUsage()
    out_chars, reasoning_chars = _output_chars(items)
    input_tokens = given.input_tokens if given.input_tokens is not None else _tokens(input_bytes)
    cached = given.cached_tokens if given.cached_tokens is not None else min(cached_prefix_bytes // 4, input_tokens)
    reasoning = given.reasoning_tokens if given.reasoning_tokens is not None else _tokens(reasoning_chars)
    output = given.output_tokens if given.output_tokens is not None else _tokens(out_chars)
    return Usage(input_tokens, cached, output, reasoning)
