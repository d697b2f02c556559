"""``apply_patch``: the model edits files with a patch in Codex's apply_patch format.

Offered as a freeform ``custom`` tool whose input is constrained by a Lark grammar (OpenAI
Responses custom tools), or as a JSON function ``{input}`` for endpoints without custom tools.
Format: Codex apply_patch grammar (docs/reference-facts.md §2). The change is planned against the
workspace's file system (live editor buffers in `tandem lsp`), shown for approval with per-hunk
diffs, then committed all-or-nothing. ``*** Add File`` and ``*** Move to`` onto an existing file overwrite
it, as Codex does: the change is an update of that file (its diff shows the old text, the turn's
checkpoint keeps it, undo restores it), and an editor buffer of it with unsaved text is a conflict.
"""

from __future__ import annotations

from pathlib import Path

from tandem.config_enums import ApplyPatchToolType
from tandem.errors import ConflictError, PatchApplyError, TandemError, ToolError, TurnCancelledError
from tandem.patch import APPLY_PATCH_LARK_GRAMMAR, FileChange, Patch, PatchResult, parse_patch, plan_patch, unified_diff
from tandem.protocol import JsonDict
from tandem.protocol.enums import ItemStatus
from tandem.protocol.items import FileChangeItem, FileUpdateChange
from tandem.tools.base import CallKind, Concurrency, Effect, ToolCall, ToolHost, ToolOutput
from tandem.tools.orchestrator import Orchestrator, PatchRequest
from tandem.tools.proposals import ProposedFile, wire_kind

_DESCRIPTION = (
    "Edit files with a patch. The input must start with `*** Begin Patch` and end with `*** End Patch`; "
    "in between, one or more file operations:\n"
    "*** Add File: <path> — followed by the new file's lines, each prefixed with +; an existing file at <path> "
    "is overwritten\n"
    "*** Delete File: <path>\n"
    "*** Update File: <path> — optionally followed by `*** Move to: <new path>` (which overwrites a file already "
    "there), then one or more chunks, each "
    "starting with `@@` (optionally `@@ <a line such as a def or class that locates the chunk>`) followed by "
    "lines prefixed with ' ' (context), '-' (remove) or '+' (add). Give ~3 lines of context around each change. "
    "Paths are relative to the working directory."
)


def _display(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


class ApplyPatchTool:
    """The apply_patch tool in either of its two forms."""

    name = "apply_patch"
    concurrency = Concurrency.SERIAL
    effect = Effect.MUTATING

    def __init__(self, tool_type: ApplyPatchToolType = ApplyPatchToolType.FREEFORM) -> None:
        self._type = tool_type

    def spec(self) -> JsonDict:
        """Custom (freeform, Lark grammar) or function tool definition (Responses API)."""
        if self._type is ApplyPatchToolType.FREEFORM:
            return {
                "type": "custom",
                "name": self.name,
                "description": _DESCRIPTION,
                "format": {"type": "grammar", "syntax": "lark", "definition": APPLY_PATCH_LARK_GRAMMAR},
            }
        return {
            "type": "function",
            "name": self.name,
            "description": _DESCRIPTION,
            "strict": False,
            "parameters": {
                "type": "object",
                "properties": {"input": {"type": "string", "description": "The whole patch."}},
                "required": ["input"],
                "additionalProperties": False,
            },
        }

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Apply the patch in the call.

        Raises:
            ToolError: malformed patch, context not found, file problems, or a rejected change.
            TurnCancelledError: the user chose "cancel" at the approval prompt.
        """
        text: object = call.payload if call.kind is CallKind.CUSTOM else call.arguments().get("input")
        if not isinstance(text, str):
            raise ToolError("apply_patch: 'input' must be the patch text")
        return await apply_patch_call(text, host.cwd, host)


async def apply_patch_call(text: str, cwd: Path, host: ToolHost) -> ToolOutput:
    """Parse, plan, approve and commit ``text``; shared by the tool and the shell interception.

    Raises:
        ToolError: as :meth:`ApplyPatchTool.run`.
        TurnCancelledError: the user cancelled the turn.
    """
    patch = parse_patch(text)
    try:
        changes = plan_patch(patch, cwd, host.workspace.fs)
    except PatchApplyError as exc:
        raise ToolError(f"apply_patch verification failed: {exc.message}") from exc
    if not changes:
        return ToolOutput("The patch makes no changes; nothing was written.")
    proposed = tuple(ProposedFile.of(change, cwd) for change in changes)
    shown = [
        FileUpdateChange(path=p.wire.path, kind=p.wire.kind, diff=p.wire.diff, move_path=p.wire.move_path)
        for p in proposed
    ]
    item = FileChangeItem(id=host.new_item_id(), changes=shown)
    host.item_started(item)
    request = PatchRequest(item.id, cwd, proposed)
    try:
        verdict = await Orchestrator(host).approve_patch(request)
    except TurnCancelledError:
        item.status = ItemStatus.DECLINED
        host.item_completed(item)
        raise
    changes, rejected = verdict.changes, verdict.note
    if not changes:
        item.status = ItemStatus.DECLINED
        host.item_completed(item)
        return ToolOutput(rejected or "patch rejected by user", success=False)
    try:
        changes, note = await _commit(host, patch, changes, cwd, rebase=not rejected)
    except TandemError:
        item.status = ItemStatus.FAILED
        host.item_completed(item)
        raise
    host.files_changed(item.id, changes, cwd, state=verdict.state)
    if rejected:  # only some hunks were accepted: the item shows what was applied
        item.changes = _wire_changes(changes, cwd)
    item.status = ItemStatus.COMPLETED
    host.item_completed(item)
    summary = PatchResult(changes, cwd).summary()
    return ToolOutput("\n\n".join(part for part in (summary, rejected, note) if part))


def _wire_changes(changes: list[FileChange], cwd: Path) -> list[FileUpdateChange]:
    """The wire form of ``changes`` (paths relative to ``cwd``, unified diffs)."""
    return [
        FileUpdateChange(
            path=_display(c.path, cwd),
            kind=wire_kind(c),
            diff=unified_diff(c, cwd),
            move_path=_display(c.move_path, cwd) if c.move_path else None,
        )
        for c in changes
    ]


async def _commit(
    host: ToolHost, patch: Patch, changes: list[FileChange], cwd: Path, rebase: bool
) -> tuple[list[FileChange], str]:
    """Commit; if the user edited a target meanwhile, re-plan once against the new text (re-base).

    Raises:
        ConflictError: the target changed and the patch no longer applies (or only some hunks were
            accepted, which cannot be re-based); nothing was written.
    """
    try:
        return changes, await host.workspace.commit(changes)
    except ConflictError as first:
        if not rebase:
            raise
        try:
            rebased = plan_patch(patch, cwd, host.workspace.fs)
        except PatchApplyError as exc:
            raise ConflictError(
                f"conflict: {first.message}, and the patch no longer applies to the new text "
                f"({exc.message}); nothing was changed — read the file again"
            ) from exc
        return rebased, await host.workspace.commit(rebased)
