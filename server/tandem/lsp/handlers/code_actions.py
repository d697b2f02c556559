"""Code actions, code lenses and the ``workspace/executeCommand`` commands behind them.

Listing is cheap: actions carry only ``data`` and get their command in ``codeAction/resolve``
(clients that cannot resolve commands get them inline). Actions: "Ask Tandem…" on a selection
(``refactor.rewrite``), "Fix with Tandem" per diagnostic (``quickfix``; the diagnostic, its range
and the code around it go into the turn), "Explain with Tandem", and for a pending hunk under the
cursor "Keep hunk" / "Undo hunk" / "Keep change" / "Undo change" (the edit is already in the file:
keeping it marks it reviewed, undoing it reverts it). Code lenses show Keep / Undo above every
pending hunk. The command ids stay ``tandem.acceptHunk`` etc.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from tandem.errors import InvalidParamsError
from tandem.lsp.commands import ACCEPT_CHANGE, ACCEPT_HUNK, ASK, EXPLAIN, FIX, REJECT_CHANGE, REJECT_HUNK
from tandem.lsp.documents import uri_to_path
from tandem.lsp.handlers.changes import ReviewAction, review, undo_result
from tandem.lsp.hub import ThreadHub
from tandem.protocol.items import DiagnosticInput, InputItem, Position, Range, SelectionInput, TextInput
from tandem.protocol.messages import ChangeDecisionParams, ThreadStartParams

_TITLES = {
    ASK: "Ask Tandem…",
    FIX: "Fix with Tandem",
    EXPLAIN: "Explain with Tandem",
    ACCEPT_HUNK: "Tandem: Keep hunk",
    REJECT_HUNK: "Tandem: Undo hunk",
    ACCEPT_CHANGE: "Tandem: Keep change",
    REJECT_CHANGE: "Tandem: Undo change",
}
CONTEXT_LINES = 8
DEFAULT_ASK = "Improve this code. Keep its behaviour unless it is wrong."


def _range(raw: Any) -> Range:
    return Range.model_validate(raw)


def _lsp_range(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def _action(
    command: str,
    kind: str,
    args: dict[str, Any],
    inline_command: bool,
    diagnostics: list[types.Diagnostic] | None = None,
) -> types.CodeAction:
    cmd = types.Command(title=_TITLES[command], command=command, arguments=[args]) if inline_command else None
    return types.CodeAction(
        title=_TITLES[command], kind=kind, diagnostics=diagnostics, command=cmd, data={"command": command, "args": args}
    )


def _arg(args: tuple[Any, ...]) -> dict[str, Any]:
    if len(args) != 1 or not isinstance(args[0], dict):
        raise InvalidParamsError("expected one JSON object argument")
    return args[0]


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidParamsError(f"{name} must be a non-empty string")
    return value


def _resolves_commands(hub: ThreadHub) -> bool:
    text = hub.client_capabilities.text_document
    support = text.code_action.resolve_support if text and text.code_action else None
    return bool(support and "command" in support.properties)


def code_actions(hub: ThreadHub, params: types.CodeActionParams) -> list[types.CodeAction]:
    """``textDocument/codeAction``: review actions for a pending hunk under the cursor, then agent actions."""
    inline = not _resolves_commands(hub)
    uri, rng = params.text_document.uri, params.range
    actions: list[types.CodeAction] = []
    path = uri_to_path(uri)
    if path is not None:
        for pending in hub.tracker.pending_in(path):
            if pending.start_line <= rng.start.line < pending.start_line + max(pending.line_count, 1):
                change_args = {"threadId": pending.thread_id, "changeId": pending.change_id}
                hunk_args = {**change_args, "hunkId": pending.hunk_id}
                actions += [
                    _action(ACCEPT_HUNK, types.CodeActionKind.Empty, hunk_args, inline),
                    _action(REJECT_HUNK, types.CodeActionKind.Empty, hunk_args, inline),
                    _action(ACCEPT_CHANGE, types.CodeActionKind.Empty, change_args, inline),
                    _action(REJECT_CHANGE, types.CodeActionKind.Empty, change_args, inline),
                ]
    for diagnostic in params.context.diagnostics:
        args = {"uri": uri, "range": _lsp_range(diagnostic.range), "message": diagnostic.message}
        actions.append(_action(FIX, types.CodeActionKind.QuickFix, args, inline, [diagnostic]))
    if rng.start != rng.end:
        actions.append(
            _action(ASK, types.CodeActionKind.RefactorRewrite, {"uri": uri, "range": _lsp_range(rng)}, inline)
        )
    actions.append(_action(EXPLAIN, types.CodeActionKind.Empty, {"uri": uri, "range": _lsp_range(rng)}, inline))
    return actions


def resolve(hub: ThreadHub, action: types.CodeAction) -> types.CodeAction:
    """``codeAction/resolve``: fill in the command from ``data``."""
    data = action.data if isinstance(action.data, dict) else {}
    command = data.get("command")
    if command in _TITLES and action.command is None:
        action.command = types.Command(title=_TITLES[command], command=command, arguments=[data.get("args", {})])
    return action


def code_lens(hub: ThreadHub, params: types.CodeLensParams) -> list[types.CodeLens]:
    """``textDocument/codeLens``: Keep / Undo above every pending hunk."""
    path = uri_to_path(params.text_document.uri)
    lenses: list[types.CodeLens] = []
    for pending in hub.tracker.pending_in(path) if path is not None else []:
        at = types.Range(start=types.Position(pending.start_line, 0), end=types.Position(pending.start_line, 0))
        args = {"threadId": pending.thread_id, "changeId": pending.change_id, "hunkId": pending.hunk_id}
        lenses.append(
            types.CodeLens(
                range=at, command=types.Command(title="✓ Keep (Tandem)", command=ACCEPT_HUNK, arguments=[args])
            )
        )
        lenses.append(
            types.CodeLens(range=at, command=types.Command(title="↶ Undo", command=REJECT_HUNK, arguments=[args]))
        )
    return lenses


def _start(hub: ThreadHub, input_items: list[InputItem]) -> dict[str, Any]:
    thread = hub.create(ThreadStartParams())
    turn = hub.start_turn(thread.info.id, input_items)
    return {"threadId": thread.info.id, "turnId": turn.id}


def _surrounding(rng: Range) -> Range:
    start = max(rng.start.line - CONTEXT_LINES, 0)
    return Range(
        start=Position(line=start, character=0), end=Position(line=rng.end.line + CONTEXT_LINES + 1, character=0)
    )


async def ask(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.ask {uri, range, prompt?}``: a new thread and turn about the selection."""
    arg = _arg(args)
    prompt = arg.get("prompt") if isinstance(arg.get("prompt"), str) and arg.get("prompt") else DEFAULT_ASK
    return _start(
        hub,
        [SelectionInput(uri=_str(arg.get("uri"), "uri"), range=_range(arg.get("range"))), TextInput(text=str(prompt))],
    )


async def fix(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.fix {uri, range, message}``: fix a diagnostic (with the code around it)."""
    arg = _arg(args)
    uri, rng, message = _str(arg.get("uri"), "uri"), _range(arg.get("range")), _str(arg.get("message"), "message")
    return _start(
        hub,
        [
            DiagnosticInput(uri=uri, range=rng, message=message),
            SelectionInput(uri=uri, range=_surrounding(rng)),
            TextInput(text=f"Fix this problem reported at {Path(uri).name} line {rng.start.line + 1}: {message}"),
        ],
    )


async def explain(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.explain {uri, range}``: explain the code, change nothing."""
    arg = _arg(args)
    return _start(
        hub,
        [
            SelectionInput(uri=_str(arg.get("uri"), "uri"), range=_range(arg.get("range"))),
            TextInput(text="Explain what this code does and anything surprising about it. Do not change any files."),
        ],
    )


def _change(args: tuple[Any, ...]) -> ChangeDecisionParams:
    """``{threadId?, changeId}`` as the params of ``tandem/change/accept|reject`` (the whole change).

    Raises:
        InvalidParamsError / ValidationError: not one object, or a missing or malformed field.
    """
    arg = _arg(args)
    return ChangeDecisionParams.model_validate({"threadId": arg.get("threadId", ""), "changeId": arg.get("changeId")})


def _hunk(args: tuple[Any, ...]) -> ChangeDecisionParams:
    """``{threadId?, changeId, hunkId}`` as the params of ``tandem/change/accept|reject`` (one hunk).

    Raises:
        InvalidParamsError / ValidationError: as :func:`_change`.
    """
    arg = _arg(args)
    return ChangeDecisionParams.model_validate(
        {"threadId": arg.get("threadId", ""), "changeId": arg.get("changeId"), "hunkIds": [arg.get("hunkId")]}
    )


async def accept_hunk(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.acceptHunk {threadId, changeId, hunkId}``: as ``tandem/change/accept`` of one hunk."""
    return await review(hub, ReviewAction.ACCEPT, _hunk(args))


async def reject_hunk(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.rejectHunk {threadId, changeId, hunkId}``: as ``tandem/change/reject`` of one hunk."""
    return await review(hub, ReviewAction.REJECT, _hunk(args))


async def accept_change(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.acceptChange {threadId, changeId}``: as ``tandem/change/accept``."""
    return await review(hub, ReviewAction.ACCEPT, _change(args))


async def reject_change(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.rejectChange {threadId, changeId}``: as ``tandem/change/reject``."""
    return await review(hub, ReviewAction.REJECT, _change(args))


async def undo(hub: ThreadHub, *args: Any) -> dict[str, Any]:
    """``tandem.undo {threadId, turnId?}``."""
    arg = _arg(args)
    turn_id = arg.get("turnId")
    outcome = await hub.undo(_str(arg.get("threadId"), "threadId"), turn_id if isinstance(turn_id, str) else None)
    return undo_result(outcome)
