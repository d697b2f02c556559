"""Compaction: when the conversation nears the model's context window, replace it with a handoff summary.

Rules (after Codex, docs/reference-facts.md §4):

* the context size is estimated as the last response's ``total_tokens`` plus ~4 bytes per token for
  the items added since; auto-compaction triggers at ``model_auto_compact_token_limit``, else at
  ``auto_compact_fraction`` (default 0.9) of the context window (``model_context_window`` or the
  built-in catalogue), before a turn's request and between requests of a running turn;
* the summary is requested with the same instructions, tools and history (so the provider's prompt
  cache still hits) plus a handoff prompt written for Tandem, with ``tool_choice: "none"``; if that
  request itself overflows, the oldest conversation items are dropped and it is retried;
* the new history is the freshly rebuilt initial context (permissions, AGENTS.md, environment),
  the most recent user messages within :data:`USER_MESSAGE_BUDGET` tokens, and the summary. The
  newest user message is always kept: the first message (newest first) that does not fit what is
  left of the budget is kept with its middle cut out (``…N tokens truncated…``), older ones are
  dropped (docs/reference-facts.md §4).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from tandem.agent.context import TURN_ABORTED_MARKER, initial_context, message
from tandem.config import Config
from tandem.errors import ContextWindowExceededError, ModelError
from tandem.model.catalog import context_window
from tandem.model.retry import RetryPolicy
from tandem.model.types import ModelClient, ModelRequest, OutputItemDone, OutputTextDelta
from tandem.protocol import JsonDict
from tandem.skills.inject import OPEN_TAG as SKILL_OPEN_TAG
from tandem.skills.inject import active_skill_blocks
from tandem.tools.truncation import truncate_middle

USER_MESSAGE_BUDGET = 20_000  # tokens of recent user messages kept verbatim
MAX_TRIMS = 8
SUMMARY_PREFIX = (
    "<handoff_summary>\nThe conversation so far was compacted. This is the summary the agent "
    "wrote for itself before it lost the details; continue the work from here.\n\n"
)
SUMMARY_SUFFIX = "\n</handoff_summary>"
_CONTEXT_PREFIXES = (
    "<permissions>",
    "# AGENTS.md instructions",
    "<environment_context>",
    TURN_ABORTED_MARKER,
    SUMMARY_PREFIX,
    SKILL_OPEN_TAG + "\n",
)


@functools.cache
def handoff_prompt() -> str:
    """The prompt asking for the handoff summary (``prompts/handoff.md``)."""
    return resources.files("tandem.agent").joinpath("prompts/handoff.md").read_text("utf-8")


def estimate_tokens(items: Sequence[JsonDict]) -> int:
    """Approximate tokens of ``items``: ~4 bytes of JSON per token (Codex's estimate)."""
    return sum(len(json.dumps(item, ensure_ascii=False).encode("utf-8")) for item in items) // 4


@dataclass(frozen=True, slots=True)
class Budget:
    """A thread's context budget in tokens: the window (if known) and the auto-compaction limit."""

    window: int | None
    limit: int | None

    @classmethod
    def for_config(cls, config: Config) -> Budget:
        """The budget from ``model_context_window`` / the catalogue and the auto-compaction settings."""
        window = config.model_context_window or context_window(config.model)
        limit = config.model_auto_compact_token_limit or (
            int(window * config.auto_compact_fraction) if window else None
        )
        return cls(window, limit)


class ContextMeter:
    """Tracks the current context size: last reported total plus an estimate of what was added since."""

    def __init__(self) -> None:
        self._reported = 0
        self._at = 0

    def observe(self, total_tokens: int, history_len: int) -> None:
        """A response reported ``total_tokens`` for a request whose history had ``history_len`` items."""
        self._reported, self._at = total_tokens, history_len

    def reset(self, history: Sequence[JsonDict]) -> None:
        """After compaction: the new history is all estimated."""
        self._reported, self._at = estimate_tokens(history), len(history)

    def current(self, history: Sequence[JsonDict]) -> int:
        """The estimated context size of ``history`` in tokens."""
        return self._reported + estimate_tokens(history[self._at :])


def _text(item: JsonDict) -> str:
    return "".join(str(part.get("text", "")) for part in item.get("content") or [] if isinstance(part, dict))


def is_user_input(item: JsonDict) -> bool:
    """Whether ``item`` is something the user typed (not context Tandem injected)."""
    return (
        item.get("type") == "message" and item.get("role") == "user" and not _text(item).startswith(_CONTEXT_PREFIXES)
    )


def recent_user_messages(history: Sequence[JsonDict], budget: int = USER_MESSAGE_BUDGET) -> list[JsonDict]:
    """The newest user messages that fit ``budget`` tokens, oldest first; the first one that does not
    fit is kept truncated to what is left (so the newest is always kept), older ones are dropped."""
    kept: list[JsonDict] = []
    remaining = budget
    for item in reversed(history):
        if not is_user_input(item):
            continue
        if remaining <= 0:
            break
        size = estimate_tokens([item])
        if size <= remaining:
            kept.append(item)
            remaining -= size
            continue
        kept.append(truncated_message(item, remaining))
        break
    return list(reversed(kept))


def truncated_message(item: JsonDict, max_tokens: int) -> JsonDict:
    """User message ``item`` cut to about ``max_tokens`` estimated tokens: its text parts joined, with
    the middle replaced by ``…N tokens truncated…``; other parts (images) are dropped with a note."""
    parts = [part for part in item.get("content") or [] if isinstance(part, dict)]
    text = "".join(str(part.get("text", "")) for part in parts if "text" in part)
    if any("text" not in part for part in parts):
        text += "\n[images of this message were dropped when the conversation was compacted]"
    overhead = estimate_tokens([message("user", "")])
    body, _ = truncate_middle(text, max(1, max_tokens - overhead))
    return message("user", body)


def replacement_history(config: Config, history: Sequence[JsonDict], summary: str) -> list[JsonDict]:
    """What the conversation becomes: fresh initial context, recent user messages, the summary."""
    return [
        *initial_context(config),
        *active_skill_blocks(history),  # skills in use before the compaction stay injected
        *recent_user_messages(history),
        message("user", SUMMARY_PREFIX + summary.strip() + SUMMARY_SUFFIX),
    ]


async def summarize(client: ModelClient, base: ModelRequest, retry: RetryPolicy) -> str:
    """Ask the model for the handoff summary of ``base.input``.

    Transient failures are retried per ``retry``; a request that overflows the context window is
    retried with the oldest conversation items dropped (the initial context stays).

    Raises:
        ModelError: the summary could not be obtained.
    """
    history = list(base.input)
    head = 0
    while (
        head < len(history) and not is_user_input(history[head]) and history[head].get("role") in ("developer", "user")
    ):
        head += 1  # the initial context, kept while trimming
    trims = retries = 0
    while True:
        request = ModelRequest(
            model=base.model,
            instructions=base.instructions,
            input=[*history, message("user", handoff_prompt())],
            tools=base.tools,
            prompt_cache_key=base.prompt_cache_key,
            reasoning_effort=base.reasoning_effort,
            reasoning_summary=base.reasoning_summary,
            parallel_tool_calls=base.parallel_tool_calls,
            tool_choice="none",
        )
        try:
            return await _stream_text(client, request)
        except ContextWindowExceededError:
            if trims >= MAX_TRIMS or len(history) <= head + 1:
                raise
            drop = max(1, (len(history) - head) // 4)
            del history[head : head + drop]
            trims += 1
        except ModelError as exc:
            delay = retry.next_delay(exc, retries)
            if delay is None:
                raise
            retries += 1
            await asyncio.sleep(delay)


async def _stream_text(client: ModelClient, request: ModelRequest) -> str:
    parts: list[str] = []
    final: list[str] = []
    async for event in client.stream(request):
        if isinstance(event, OutputTextDelta):
            parts.append(event.delta)
        elif isinstance(event, OutputItemDone) and event.item.get("type") == "message":
            final.append(
                _text(
                    {
                        "content": [
                            p
                            for p in event.item.get("content") or []
                            if isinstance(p, dict) and p.get("type") == "output_text"
                        ]
                    }
                )
            )
    text = "".join(final) or "".join(parts)
    if not text.strip():
        raise ModelError("the model returned an empty summary")
    return text
