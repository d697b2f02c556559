"""A PreToolUse hook's permission decision for the tool call running in this task.

The tool scheduler sets it (:mod:`tandem.hooks.dispatch` decides it) before a call runs; the
:class:`~tandem.tools.orchestrator.Orchestrator` reads it: ``ASK`` makes the call ask the user whatever
the approval policy says, ``ALLOW`` skips the question the policy would ask (the sandbox still applies,
and a refusal the policy cannot ask about stays a refusal). Each tool call runs in its own asyncio task,
so the value never leaks to a parallel call (Claude Code's ``permissionDecision``,
docs/reference-facts.md §11).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum


class HookPermission(Enum):
    """What a PreToolUse hook decided about a call."""

    ALLOW = "allow"
    DENY = "deny"
    ASK = "ask"


@dataclass(frozen=True, slots=True)
class HookVerdict:
    """The decision and the hook's reason (shown to the user when it asks)."""

    permission: HookPermission
    reason: str | None = None


CURRENT: ContextVar[HookVerdict | None] = ContextVar("tandem_hook_verdict", default=None)
"""The verdict for the call of the running task (``None``: no hook decided)."""


def current() -> HookVerdict | None:
    """The running call's hook verdict, if any."""
    return CURRENT.get()
