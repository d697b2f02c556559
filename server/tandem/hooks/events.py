"""The JSON a hook command reads on stdin, per event (docs/reference-facts.md §11).

Every event carries the fields Claude Code and Codex both send: ``session_id`` (the thread id),
``transcript_path`` (the thread's rollout file, or ``null`` for an ephemeral thread), ``cwd``,
``hook_event_name``, ``model``, ``permission_mode`` (Codex's mapping: ``bypassPermissions`` under the
``never`` approval policy, else ``default``), and, in a turn, Codex's ``turn_id``. Tandem adds
``thread_id`` (the same value as ``session_id``).

Tool events add ``tool_name``, ``tool_input`` and ``tool_use_id`` (the model's call id); PostToolUse
adds ``tool_response``. Tool names: the shell tool is sent as ``Bash`` (as Codex sends it, so Claude Code
and Codex scripts that test ``tool_name == "Bash"`` work) with ``tool_input.command``; every other tool
under its own name (``apply_patch``, ``read_file``, ``update_plan``, ``view_image``, ``mcp__server__tool``).
A matcher is tested against both the sent name and Tandem's own (``shell_command``). ``apply_patch``'s
``tool_input`` has the raw ``patch`` and its parsed ``changes`` (each ``{path, kind: add|delete|update,
move_path?, content?}``, paths absolute), plus ``file_path`` when it touches one file (what Claude Code's
Edit/Write hooks read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tandem.errors import TandemError
from tandem.hooks.config import HookEvent
from tandem.patch import parse_patch
from tandem.patch.parser import AddFile, DeleteFile
from tandem.protocol import JsonDict
from tandem.protocol.enums import ApprovalPolicy
from tandem.tools.base import CallKind, ToolCall

SHELL_TOOLS = {"shell_command": "Bash", "shell": "Bash", "exec_command": "Bash"}
"""Tandem's shell tools and the name hooks see for them (Codex's)."""


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What every event says about the session.

    Attributes:
        thread_id: the thread (``session_id`` on the wire).
        cwd: the thread's working directory.
        transcript_path: the rollout file, or ``None`` for an ephemeral thread.
        model: the model slug.
        approval_policy: for ``permission_mode``.
    """

    thread_id: str
    cwd: Path
    transcript_path: Path | None
    model: str
    approval_policy: ApprovalPolicy


def permission_mode(policy: ApprovalPolicy) -> str:
    """Codex's ``permission_mode`` for an approval policy (``bypassPermissions`` for ``never``)."""
    return "bypassPermissions" if policy is ApprovalPolicy.NEVER else "default"


def base_event(event: HookEvent, facts: SessionFacts, turn_id: str | None) -> JsonDict:
    """The fields common to every event (module docstring), ``turn_id`` only in a turn."""
    payload: JsonDict = {
        "session_id": facts.thread_id,
        "thread_id": facts.thread_id,
        "transcript_path": str(facts.transcript_path) if facts.transcript_path else None,
        "cwd": str(facts.cwd),
        "hook_event_name": event.value,
        "model": facts.model,
        "permission_mode": permission_mode(facts.approval_policy),
    }
    if turn_id is not None:
        payload["turn_id"] = turn_id
    return payload


def hook_tool_name(name: str) -> str:
    """The tool name hooks see (``Bash`` for the shell tools, else the tool's own)."""
    return SHELL_TOOLS.get(name, name)


def match_values(name: str) -> tuple[str, ...]:
    """The names a matcher is tested against for tool ``name``: the sent one and Tandem's own."""
    sent = hook_tool_name(name)
    return (sent,) if sent == name else (sent, name)


def tool_input(call: ToolCall, cwd: Path) -> JsonDict:
    """``tool_input`` for ``call``: the JSON arguments, the freeform input as ``{"input": text}``, and for
    apply_patch the raw ``patch`` with its parsed ``changes`` (see the module docstring). Arguments that
    are not a JSON object are sent as ``{"raw": text}``."""
    if call.kind is CallKind.CUSTOM:
        args: JsonDict = {"input": call.payload}
    else:
        try:
            value = json.loads(call.payload or "{}")
        except ValueError:
            value = None
        args = value if isinstance(value, dict) else {"raw": call.payload}
    if call.name == "apply_patch":
        text = args.get("input") if isinstance(args.get("input"), str) else args.get("patch")
        if isinstance(text, str):
            return {**{k: v for k, v in args.items() if k != "input"}, "patch": text, **_patch_changes(text, cwd)}
    return args


def _patch_changes(text: str, cwd: Path) -> JsonDict:
    try:
        patch = parse_patch(text)
    except TandemError as exc:
        return {"changes": [], "parse_error": str(exc)}
    changes: list[JsonDict] = []
    for hunk in patch.hunks:
        path = str((cwd / hunk.path) if not Path(hunk.path).is_absolute() else Path(hunk.path))
        if isinstance(hunk, AddFile):
            changes.append({"path": path, "kind": "add", "content": hunk.contents})
        elif isinstance(hunk, DeleteFile):
            changes.append({"path": path, "kind": "delete"})
        else:
            change: JsonDict = {"path": path, "kind": "update"}
            if hunk.move_to:
                change["move_path"] = str(cwd / hunk.move_to)
            changes.append(change)
    result: JsonDict = {"changes": changes}
    if len(changes) == 1:
        result["file_path"] = changes[0]["path"]
    return result


def pre_tool_use(facts: SessionFacts, turn_id: str, call: ToolCall) -> JsonDict:
    """The PreToolUse event for ``call``."""
    return {
        **base_event(HookEvent.PRE_TOOL_USE, facts, turn_id),
        "tool_name": hook_tool_name(call.name),
        "tool_input": tool_input(call, facts.cwd),
        "tool_use_id": call.call_id,
    }


def post_tool_use(facts: SessionFacts, turn_id: str, call: ToolCall, output: str, success: bool) -> JsonDict:
    """The PostToolUse event: PreToolUse's fields plus ``tool_response`` (``{output, success}``; the text
    the model is about to read)."""
    return {
        **pre_tool_use(facts, turn_id, call),
        "hook_event_name": HookEvent.POST_TOOL_USE.value,
        "tool_response": {"output": output, "success": success},
    }


def user_prompt_submit(facts: SessionFacts, turn_id: str, prompt: str) -> JsonDict:
    """The UserPromptSubmit event (``prompt``: the user's text)."""
    return {**base_event(HookEvent.USER_PROMPT_SUBMIT, facts, turn_id), "prompt": prompt}


def stop(facts: SessionFacts, turn_id: str, active: bool, last_message: str | None) -> JsonDict:
    """The Stop event: ``stop_hook_active`` (the turn goes on because a Stop hook asked already) and
    ``last_assistant_message``."""
    return {
        **base_event(HookEvent.STOP, facts, turn_id),
        "stop_hook_active": active,
        "last_assistant_message": last_message,
    }


def session_start(facts: SessionFacts, source: str) -> JsonDict:
    """The SessionStart event; ``source``: ``startup`` (a new thread) or ``resume`` (Claude Code's and
    Codex's values; the matcher is tested against it)."""
    return {**base_event(HookEvent.SESSION_START, facts, None), "source": source}
