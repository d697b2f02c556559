"""``apply_patch``: the model edits files with a patch in Codex's apply_patch format.

Offered as a freeform ``custom`` tool whose input is constrained by a Lark grammar (OpenAI
Responses custom tools), or as a JSON function ``{input}`` for endpoints without custom tools.
Format: Codex apply_patch grammar (docs/reference-facts.md §2). The change is planned against the
workspace's file system (live editor buffers in `tandem lsp`), shown for approval with per-hunk
diffs, then committed all-or-nothing.
"""

from __future__ import annotations

from pathlib import Path

from tandem.config_enums import ApplyPatchToolType
from tandem.errors import ConflictError, PatchApplyError, TandemError, ToolError, TurnCancelledError
from tandem.patch import (
    APPLY_PATCH_LARK_GRAMMAR,
    ChangeKind,
    FileChange,
    Patch,
    PatchResult,
    parse_patch,
    plan_patch,
    select_hunks,
    split_hunks,
    unified_diff,
)
from tandem.protocol.enums import ApprovalDecision, ApprovalKind, ItemStatus
from tandem.protocol.enums import ChangeKind as WireChangeKind
from tandem.protocol.items import FileChangeItem, FileUpdateChange
from tandem.sandbox.policy import PROTECTED_NAMES
from tandem.tools.approvals import ApprovalRequest, FileChangeProposal, Requirement, patch_requirement
from tandem.tools.base import CallKind, Concurrency, Effect, JsonDict, ToolCall, ToolHost, ToolOutput

_DESCRIPTION = (
    "Edit files with a patch. The input must start with `*** Begin Patch` and end with `*** End Patch`; "
    "in between, one or more file operations:\n"
    "*** Add File: <path> — followed by the new file's lines, each prefixed with +\n"
    "*** Delete File: <path>\n"
    "*** Update File: <path> — optionally followed by `*** Move to: <new path>`, then one or more chunks, each "
    "starting with `@@` (optionally `@@ <a line such as a def or class that locates the chunk>`) followed by "
    "lines prefixed with ' ' (context), '-' (remove) or '+' (add). Give ~3 lines of context around each change. "
    "Paths are relative to the working directory."
)


def wire_kind(change: FileChange) -> WireChangeKind:
    """The wire's kind of a planned change (a move is ``move``, whatever its text does)."""
    if change.move_path is not None:
        return WireChangeKind.MOVE
    return {
        ChangeKind.ADD: WireChangeKind.ADD,
        ChangeKind.DELETE: WireChangeKind.DELETE,
        ChangeKind.UPDATE: WireChangeKind.UPDATE,
    }[change.kind]


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
    item = FileChangeItem(id=host.new_item_id(), changes=_wire_changes(changes, cwd))
    host.item_started(item)
    changes, rejected, reviewed = await _approve(host, item, changes, cwd)
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
    host.files_changed(item.id, changes, cwd, reviewed=reviewed)
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


async def _approve(
    host: ToolHost, item: FileChangeItem, changes: list[FileChange], cwd: Path
) -> tuple[list[FileChange], str, bool]:
    """The changes to commit (possibly fewer hunks), a note for the model about what was rejected, and
    whether the user reviewed them (answered an approval) — auto-applied changes stay pending review."""
    paths = [p for c in changes for p in (c.path, c.move_path) if p is not None]
    sandbox = host.sandbox_policy()
    roots = [Path("/")] if not sandbox.sandboxed else list(sandbox.writable_roots)
    # .git and .tandem are protected by name, existing or not: a patch creating .tandem/config.toml
    # (or a hook) must be asked, never applied silently.
    protected = (
        []
        if not sandbox.sandboxed
        else [
            *sandbox.read_only_subpaths,
            host.config.tandem_home,
            *(root / name for root in (*roots, host.cwd) for name in PROTECTED_NAMES),
        ]
    )
    requirement = patch_requirement(host.config.approval_policy, paths, roots, protected)
    if requirement is Requirement.SKIP or host.session_approvals.paths_approved(paths):
        return changes, "", False
    if requirement is Requirement.FORBID:
        return (
            [],
            (
                "patch rejected: it writes outside the workspace and the approval policy (never) does not "
                "allow asking the user"
            ),
            False,
        )
    hunks = {id(c): split_hunks(c, cwd) for c in changes}
    proposals = [
        FileChangeProposal(
            path=wire.path, kind=wire.kind, diff=wire.diff, hunks=hunks[id(c)], change=c, move_path=wire.move_path
        )
        for c, wire in zip(changes, item.changes, strict=True)
    ]
    response = await host.request_approval(
        ApprovalRequest(
            thread_id=host.thread_id,
            turn_id=host.turn_id,
            item_id=item.id,
            kind=ApprovalKind.FILE_CHANGE,
            cwd=str(cwd),
            changes=proposals,
        )
    )
    if response.decision is ApprovalDecision.CANCEL:
        item.status = ItemStatus.DECLINED
        host.item_completed(item)
        raise TurnCancelledError("the user cancelled the turn")
    if response.decision is ApprovalDecision.DECLINE:
        return [], "patch rejected by user", True
    if response.decision in (ApprovalDecision.ACCEPT_FOR_SESSION, ApprovalDecision.ACCEPT_WITH_PREFIX_RULE):
        host.session_approvals.remember_paths(paths)
    if response.accepted_hunk_ids is None:
        return changes, "", True
    accepted = set(response.accepted_hunk_ids)
    kept: list[FileChange] = []
    notes: list[str] = []
    for change, proposal in zip(changes, proposals, strict=True):
        rejected_ids = [h.id for h in proposal.hunks if h.id not in accepted]
        if not rejected_ids:
            kept.append(change)
            continue
        partial = select_hunks(change, proposal.hunks, accepted)
        if partial is not None:
            kept.append(partial)
        for hunk in proposal.hunks:
            if hunk.id not in accepted:
                notes.append(f"{proposal.path}: rejected hunk {hunk.header}")
    note = "The user rejected these hunks; they were not applied:\n" + "\n".join(notes) if notes else ""
    return kept, note, True
