"""What a resumed thread shows: its transcript as the live stream showed it (``tandem/thread/resume``).

Read from the thread's rollout (format: :mod:`tandem.sessions.rollout`): the completed items
(``item_completed`` events) in the order they *started* — item ids are ``item_<n>`` from one
counter drawn when an item starts, so parallel commands that finished out of order come back in
the order a live client saw them —, each turn with the status, error and usage of its
``turn_completed`` (``inProgress`` while it runs) and its last diff (``turn_diff``), and the
thread's token usage (the last ``token_count``, with the thread's current context figures).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tandem.agent.thread import Thread
from tandem.agent.turn import to_usage
from tandem.errors import SessionError
from tandem.protocol.items import Item, Turn, Usage
from tandem.protocol.messages import ResumedTurn, TokenUsageNotification
from tandem.sessions.rollout import read_rollout

_ITEM: TypeAdapter[Item] = TypeAdapter(Item)
_ITEM_NUMBER = re.compile(r"^item_(\d+)$")


@dataclass(slots=True)
class Transcript:
    """A thread's transcript: ``items`` oldest first (start order), ``turns`` oldest first (each
    naming its items), and the last token usage (``None`` before the first model response)."""

    items: list[Item] = field(default_factory=list)
    turns: list[ResumedTurn] = field(default_factory=list)
    token_usage: TokenUsageNotification | None = None


def _start_order(items: list[tuple[str, Item]]) -> list[tuple[str, Item]]:
    """Items sorted by their ``item_<n>`` number (stable); as recorded when an id is of another form."""
    numbers = [_ITEM_NUMBER.match(item.id) for _, item in items]
    if not all(numbers):
        return items
    order = sorted(range(len(items)), key=lambda i: int(numbers[i].group(1)))  # type: ignore[union-attr]
    return [items[i] for i in order]


def _turn_of(event: dict[str, Any]) -> Turn | None:
    with contextlib.suppress(ValidationError):
        return Turn.model_validate(event.get("turn") or {})
    return None


def read_transcript(thread: Thread) -> Transcript:
    """The transcript of ``thread`` from its rollout (empty for a thread that keeps none, or whose
    rollout cannot be read)."""
    if thread.info.path is None:
        return Transcript()
    try:
        events = read_rollout(Path(thread.info.path)).events
    except SessionError:
        return Transcript()
    items: list[tuple[str, Item]] = []
    turns: dict[str, ResumedTurn] = {}
    diffs: dict[str, str] = {}
    last_usage: dict[str, Any] | None = None
    for event in events:
        kind = event.get("type")
        turn_id = str(event.get("turn_id", ""))
        if kind == "turn_started":
            turns.setdefault(turn_id, ResumedTurn(id=turn_id))
        elif kind == "turn_completed" and (turn := _turn_of(event)) is not None:
            known = turns.setdefault(turn.id, ResumedTurn(id=turn.id))
            known.status, known.error, known.usage = turn.status, turn.error, turn.usage
        elif kind == "item_completed":
            with contextlib.suppress(ValidationError):
                items.append((turn_id, _ITEM.validate_python(event.get("item"))))
        elif kind == "turn_diff":
            diffs[turn_id] = str(event.get("diff", ""))
        elif kind == "token_count":
            last_usage = event
    ordered = _start_order(items)
    for turn_id, item in ordered:
        turns.setdefault(turn_id, ResumedTurn(id=turn_id)).item_ids.append(item.id)
    for turn_id, diff in diffs.items():
        if turn_id in turns:
            turns[turn_id].diff = diff
    usage = None
    if last_usage is not None:
        conversation = thread.conversation
        last = Usage.model_validate(last_usage.get("last") if isinstance(last_usage.get("last"), dict) else {})
        usage = TokenUsageNotification(
            thread_id=thread.info.id,
            used=to_usage(conversation.total_usage),
            last=last,
            context_window=conversation.budget.window,
            context_tokens=conversation.context_tokens(),
        )
    return Transcript(items=[item for _, item in ordered], turns=list(turns.values()), token_usage=usage)
