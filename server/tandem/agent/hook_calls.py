"""Where the turn loop fires hooks (:mod:`tandem.hooks`): around every tool call, on the user's prompt,
when the model stops, and at a thread's first turn (SessionStart).

* Tool calls — one dispatch point for every tool (shell, apply_patch, MCP, the others):
  :func:`run_tool` fires PreToolUse before the tool runs (a deny answers the model with the reason and
  nothing runs; ask/allow reach the approval orchestrator through :mod:`tandem.tools.hook_permission`)
  and PostToolUse after (its additional context reaches the model as developer messages right after the
  output; a block's reason is appended to the output the model reads).
* Hook failures and warnings are reported, never skipped silently: a log warning (exec: stderr; LSP: the
  log) and an ``error`` item (exec JSONL; the LSP client gets it as an item and
  ``window/showMessage``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tandem.agent.context import message
from tandem.hooks import events
from tandem.hooks.config import HookEvent
from tandem.hooks.dispatch import HookEngine, Outcome
from tandem.protocol.items import ErrorItem
from tandem.tools.base import ToolCall, ToolHost, ToolOutput
from tandem.tools.hook_permission import CURRENT, HookPermission

log = logging.getLogger(__name__)

HOOK_ERROR_PREFIX = "hook: "
"""Every reported hook problem starts with this (surfaces may style them)."""


def reporter(host: ToolHost) -> Callable[[str], None]:
    """A problem sink that logs a warning and shows an ``error`` item in the turn."""

    def report(text: str) -> None:
        log.warning("%s%s", HOOK_ERROR_PREFIX, text)
        item = ErrorItem(id=host.new_item_id(), message=f"{HOOK_ERROR_PREFIX}{text}")
        host.item_started(item)
        host.item_completed(item)

    return report


def context_items(outcome: Outcome) -> tuple[dict[str, object], ...]:
    """The hooks' additional context as developer messages (Codex records them so)."""
    return tuple(message("developer", text) for text in outcome.contexts)


async def run_tool(
    engine: HookEngine | None, host: ToolHost, call: ToolCall, run: Callable[[], Awaitable[ToolOutput]]
) -> ToolOutput:
    """Run ``call`` through ``run`` with its PreToolUse and PostToolUse hooks (module docstring)."""
    if not engine:
        return await run()
    report = reporter(host)
    pre = await engine.pre_tool_use(host.turn_id, call, report)
    if pre.permission is HookPermission.DENY:
        reason = pre.reason or "no reason given"
        log.info("tool call %s: %s denied by a PreToolUse hook", call.call_id, call.name)
        return ToolOutput(f"{call.name} call blocked by PreToolUse hook: {reason}", success=False)
    token = CURRENT.set(pre.verdict())
    try:
        output = await run()
    finally:
        CURRENT.reset(token)
    post = await engine.post_tool_use(host.turn_id, call, output.text, output.success, report)
    text = output.text
    if post.blocked and post.reason:
        text = f"{text}\n\nPostToolUse hook: {post.reason}"
    if text == output.text and not post.contexts:
        return output
    return ToolOutput(text, output.success, (*output.followups, *context_items(post)))


async def session_start(engine: HookEngine | None, host: ToolHost) -> Outcome | None:
    """SessionStart, once per thread, at its first turn (as Codex fires it); ``None`` if not due. The
    problems met reading the hook files are reported then too."""
    if engine is None or engine.session_start_source is None:
        return None
    source, engine.session_start_source = engine.session_start_source, None
    report = reporter(host)
    for warning in engine.hooks.warnings:
        report(warning)
    if not engine:
        return None
    payload = events.session_start(engine.facts, source)
    return await engine.fire(HookEvent.SESSION_START, payload, (source,), report)


async def user_prompt_submit(engine: HookEngine | None, host: ToolHost, prompt: str) -> Outcome | None:
    """UserPromptSubmit for the turn's prompt."""
    if not engine:
        return None
    payload = events.user_prompt_submit(engine.facts, host.turn_id, prompt)
    return await engine.fire(HookEvent.USER_PROMPT_SUBMIT, payload, (), reporter(host))


async def stop(engine: HookEngine | None, host: ToolHost, active: bool, last_message: str | None) -> Outcome | None:
    """Stop, when the model answered without a tool call; a block means the turn goes on."""
    if not engine:
        return None
    payload = events.stop(engine.facts, host.turn_id, active, last_message)
    return await engine.fire(HookEvent.STOP, payload, (), reporter(host))
