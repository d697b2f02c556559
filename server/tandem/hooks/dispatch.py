"""Firing hooks and reading their answers (docs/reference-facts.md §11: Codex's and Claude Code's rules).

For one event, every matching handler runs (concurrently, as in Codex) with the event JSON on stdin.
Its answer is its exit code and stdout:

* exit 0: stdout may be a JSON object (both formats are accepted, see below); plain text is context
  for the model for SessionStart and UserPromptSubmit, and ignored otherwise;
* exit 2: a block; stderr is the reason (PreToolUse: the call is denied and the model reads the
  reason; PostToolUse: the model reads it; UserPromptSubmit: the prompt is refused; Stop: the turn goes
  on with it as the next instruction);
* any other exit, a crash, a timeout, or JSON that cannot be read: a **failure**, reported to the user
  (``on_problem``) and otherwise ignored (Claude Code's "non-blocking error"); never silently skipped.

JSON answers, both accepted: Claude Code's ``hookSpecificOutput`` ``{hookEventName, permissionDecision:
allow|deny|ask, permissionDecisionReason, additionalContext}`` and the top-level ``decision``/``reason``
(Codex's and Claude Code's ``approve|block``; also ``allow|deny|ask``); ``continue: false`` with
``stopReason`` blocks; ``systemMessage`` is shown to the user. When several hooks answer a PreToolUse,
deny beats ask beats allow (Claude Code's order).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.hooks import events
from tandem.hooks.config import HookEvent, HookHandler, HookSet
from tandem.hooks.runner import RunResult, run_hook
from tandem.protocol import JsonDict
from tandem.tools.base import ToolCall
from tandem.tools.hook_permission import HookPermission, HookVerdict

log = logging.getLogger(__name__)
firing_log = logging.getLogger("tandem.hooks.firing")
"""One line per handler run; shown with ``--debug-hooks`` (or ``-v``)."""

ProblemSink = Callable[[str], None]
"""Receives the text of a hook failure or warning, for the user (exec: stderr and an error item;
LSP: the log and ``window/showMessage``)."""

_PERMISSIONS = {
    "allow": HookPermission.ALLOW,
    "approve": HookPermission.ALLOW,
    "deny": HookPermission.DENY,
    "block": HookPermission.DENY,
    "ask": HookPermission.ASK,
}
_RANK = {HookPermission.DENY: 3, HookPermission.ASK: 2, HookPermission.ALLOW: 1}


@dataclass(slots=True)
class Answer:
    """What one handler said, read per the module docstring.

    Attributes:
        permission: PreToolUse's decision (``None``: none given).
        reason: the reason of a block/deny/ask.
        contexts: texts for the model.
        blocked: the event's action is blocked (prompt refused, call denied, turn continued).
    """

    permission: HookPermission | None = None
    reason: str | None = None
    contexts: list[str] = field(default_factory=list)
    blocked: bool = False


@dataclass(slots=True)
class Outcome:
    """All handlers of one event together: the strongest permission, reasons, contexts for the model."""

    permission: HookPermission | None = None
    reasons: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    blocked: bool = False

    @property
    def reason(self) -> str | None:
        """The reasons joined (``None`` when no hook gave one)."""
        return "\n".join(self.reasons) if self.reasons else None

    def verdict(self) -> HookVerdict | None:
        """The PreToolUse verdict for the orchestrator."""
        return HookVerdict(self.permission, self.reason) if self.permission is not None else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def read_answer(event: HookEvent, result: RunResult) -> tuple[Answer, str | None]:
    """``(answer, problem)`` for one run: ``problem`` is the failure text to report, or ``None``."""
    answer = Answer()
    if result.error is not None:
        return answer, result.error
    stdout, stderr = result.stdout.strip(), result.stderr.strip()
    if result.exit_code == 2:
        answer.blocked, answer.reason = True, stderr or f"blocked by a {event.value} hook (exit code 2)"
        if event is HookEvent.PRE_TOOL_USE:
            answer.permission = HookPermission.DENY
        return answer, None
    if result.exit_code != 0:
        detail = f": {stderr.splitlines()[-1]}" if stderr else ""
        return answer, f"exited with code {result.exit_code}{detail}"
    if not stdout:
        return answer, None
    try:
        value = json.loads(stdout)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        if stdout.startswith(("{", "[")):
            return answer, f"printed invalid JSON: {stdout[:200]}"
        if event in (HookEvent.SESSION_START, HookEvent.USER_PROMPT_SUBMIT):
            answer.contexts.append(stdout)
        return answer, None
    return _read_json(event, value, answer)


def _read_json(event: HookEvent, value: JsonDict, answer: Answer) -> tuple[Answer, str | None]:
    specific = value.get("hookSpecificOutput")
    specific = specific if isinstance(specific, dict) else {}
    context = _text(specific.get("additionalContext"))
    if context is not None:
        answer.contexts.append(context)
    decision = specific.get("permissionDecision") or value.get("decision")
    reason = _text(specific.get("permissionDecisionReason")) or _text(value.get("reason"))
    problem = None
    if isinstance(decision, str):
        permission = _PERMISSIONS.get(decision.lower())
        if permission is None:
            problem = f"answered an unknown decision {decision!r}"
        elif event is HookEvent.PRE_TOOL_USE:
            answer.permission, answer.reason = permission, reason
            answer.blocked = permission is HookPermission.DENY
        elif permission is HookPermission.DENY:
            answer.blocked, answer.reason = True, reason or f"blocked by a {event.value} hook"
    if value.get("continue") is False:
        answer.blocked = True
        answer.reason = _text(value.get("stopReason")) or answer.reason or f"stopped by a {event.value} hook"
        if event is HookEvent.PRE_TOOL_USE:
            answer.permission = HookPermission.DENY
    return answer, problem


class HookEngine:
    """The hooks of one thread.

    Args:
        hooks: what :func:`tandem.hooks.config.discover_hooks` found.
        facts: the session fields every event carries.
        project_dir: ``$TANDEM_PROJECT_DIR`` / ``$CLAUDE_PROJECT_DIR`` for the commands.
    """

    def __init__(self, hooks: HookSet, facts: events.SessionFacts, project_dir: Path) -> None:
        self.hooks = hooks
        self.facts = facts
        self._project_dir = project_dir
        self.session_start_source: str | None = None
        """``startup`` or ``resume`` until the thread's first turn fires SessionStart, then ``None``."""

    def __bool__(self) -> bool:
        return bool(self.hooks)

    async def fire(
        self, event: HookEvent, payload: JsonDict, values: tuple[str, ...], on_problem: ProblemSink
    ) -> Outcome:
        """Run every handler of ``event`` matching ``values`` with ``payload`` on stdin; never raises
        (a cancel kills the commands and goes on)."""
        outcome = Outcome()
        handlers = self.hooks.for_event(event, values)
        if not handlers:
            return outcome
        stdin = json.dumps(payload, ensure_ascii=False)
        results = await asyncio.gather(*(run_hook(h, stdin, self.facts.cwd, self._project_dir) for h in handlers))
        for handler, result in zip(handlers, results, strict=True):
            answer, problem = read_answer(event, result)
            self._log(handler, values, result, answer, problem)
            if problem is not None:
                on_problem(f"{event.value} hook `{handler.command}` ({handler.source}) failed: {problem}")
            message = _system_message(result)
            if message is not None:
                on_problem(f"{event.value} hook `{handler.command}`: {message}")
            _merge(outcome, answer)
        return outcome

    def _log(
        self, handler: HookHandler, values: tuple[str, ...], result: RunResult, answer: Answer, problem: str | None
    ) -> None:
        what = problem or (f"{answer.permission.value}" if answer.permission else "blocked" if answer.blocked else "ok")
        firing_log.debug(
            "hook %s%s `%s` (%s): exit %s in %d ms -> %s%s%s",
            handler.event.value,
            f"[{values[0]}]" if values else "",
            handler.command,
            handler.source,
            result.exit_code,
            result.duration_ms,
            what,
            f": {answer.reason}" if answer.reason else "",
            f" (+{len(answer.contexts)} context)" if answer.contexts else "",
        )

    async def pre_tool_use(self, turn_id: str, call: ToolCall, on_problem: ProblemSink) -> Outcome:
        """PreToolUse for ``call``."""
        payload = events.pre_tool_use(self.facts, turn_id, call)
        return await self.fire(HookEvent.PRE_TOOL_USE, payload, events.match_values(call.name), on_problem)

    async def post_tool_use(
        self, turn_id: str, call: ToolCall, output: str, success: bool, on_problem: ProblemSink
    ) -> Outcome:
        """PostToolUse for ``call`` and the output the model is about to read."""
        payload = events.post_tool_use(self.facts, turn_id, call, output, success)
        return await self.fire(HookEvent.POST_TOOL_USE, payload, events.match_values(call.name), on_problem)


def _system_message(result: RunResult) -> str | None:
    if result.exit_code != 0 or not result.stdout.strip().startswith("{"):
        return None
    try:
        value = json.loads(result.stdout)
    except ValueError:
        return None
    return _text(value.get("systemMessage")) if isinstance(value, dict) else None


def _merge(outcome: Outcome, answer: Answer) -> None:
    outcome.contexts += answer.contexts
    outcome.blocked = outcome.blocked or answer.blocked
    if answer.permission is not None and (
        outcome.permission is None or _RANK[answer.permission] > _RANK[outcome.permission]
    ):
        outcome.permission = answer.permission
    if answer.reason and (answer.blocked or answer.permission is not None):
        outcome.reasons.append(answer.reason)
