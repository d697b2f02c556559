"""A proposed file change as the user sees it: the planned change, its hunks and its wire form.

A :class:`ProposedFile` is one file of a ``tandem/requestApproval`` fileChange request: the patch
engine's :class:`~tandem.patch.applier.FileChange` (old and new text, as planned against the
workspace's file system — the editor's buffers in `tandem lsp`), its hunks
(:func:`~tandem.patch.diff.split_hunks`) and the :class:`~tandem.protocol.messages.ChangeProposal`
sent for it. ``tandem/change/preview`` (:meth:`ProposedFile.preview`) and the narrowing of an
accept to some hunks (:meth:`ProposedFile.select`) both use the patch engine's
:func:`~tandem.patch.diff.select_hunks`: there is one hunk engine, the server's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tandem.patch.applier import FileChange, FileOp, display_path
from tandem.patch.diff import DiffHunk, select_hunks, split_hunks, unified_diff
from tandem.protocol.enums import ChangeKind, HunkSpanStatus
from tandem.protocol.messages import ChangeProposal, FilePreview, HunkInfo, HunkSpan


def wire_kind(change: FileChange) -> ChangeKind:
    """The wire's kind of a planned change (a move is ``move``, whatever its text does)."""
    if change.move_path is not None:
        return ChangeKind.MOVE
    return {
        FileOp.ADD: ChangeKind.ADD,
        FileOp.DELETE: ChangeKind.DELETE,
        FileOp.UPDATE: ChangeKind.UPDATE,
    }[change.kind]


@dataclass(frozen=True, slots=True)
class ProposedFile:
    """One file of a proposed change.

    Attributes:
        change: the planned change (``old_text`` / ``new_text`` as planned).
        hunks: ``split_hunks(change, cwd)``, in file order.
        wire: the same file as sent in ``tandem/requestApproval`` (paths relative to the cwd).
    """

    change: FileChange
    hunks: tuple[DiffHunk, ...]
    wire: ChangeProposal

    @classmethod
    def of(cls, change: FileChange, cwd: Path) -> ProposedFile:
        """The proposal for ``change`` (paths shown relative to ``cwd`` when inside it)."""
        hunks = tuple(split_hunks(change, cwd))
        wire = ChangeProposal(
            path=display_path(change.path, cwd),
            kind=wire_kind(change),
            diff=unified_diff(change, cwd),
            hunks=[HunkInfo(id=h.id, header=h.header, diff=h.diff) for h in hunks],
            move_path=display_path(change.move_path, cwd) if change.move_path is not None else None,
            old_text=change.old_text,
            new_text=change.new_text,
        )
        return cls(change, hunks, wire)

    def paths(self) -> list[Path]:
        """The absolute paths the change touches (a move's both ends)."""
        return [p for p in (self.change.path, self.change.move_path) if p is not None]

    def select(self, accepted: Collection[str]) -> FileChange | None:
        """The change with only the ``accepted`` hunks (None: nothing of it remains); see
        :func:`~tandem.patch.diff.select_hunks`.

        Raises:
            PatchApplyError: ``hunks`` do not belong to ``change`` (a bug).
        """
        return select_hunks(self.change, self.hunks, accepted)

    def preview(self, accepted: Collection[str]) -> FilePreview:
        """The file as it would be with only the hunks in ``accepted`` applied (``tandem/change/preview``);
        spans as :class:`~tandem.protocol.messages.HunkSpan` describes them.

        Raises:
            PatchApplyError: ``hunks`` do not belong to ``change`` (a bug).
        """
        selected = self.select(accepted)
        # Nothing accepted: the file stays as it is (an added file is not created).
        text = (self.change.old_text if selected is None else selected.new_text) or ""
        return FilePreview(
            path=self.wire.path,
            move_path=self.wire.move_path,
            kind=self.wire.kind,
            old_text=self.change.old_text,
            text=text,
            hunks=hunk_spans(self.hunks, accepted),
        )


def _context(lines: Iterable[str]) -> int:
    """How many context lines (``" "``) a run of hunk lines starts with (``\\ No newline`` markers skipped)."""
    count = 0
    for line in lines:
        if line.startswith("\\"):
            continue
        if not line.startswith(" "):
            break
        count += 1
    return count


def hunk_spans(hunks: Sequence[DiffHunk], accepted: Collection[str]) -> list[HunkSpan]:
    """Where each of a file's ``hunks`` (in file order, as :func:`~tandem.patch.diff.split_hunks`
    gives them) stands in the text with only the ``accepted`` ones applied: 0-based start line and line
    count of its changed lines, new side when accepted, old side otherwise (context lines left out)."""
    spans: list[HunkSpan] = []
    shift = 0  # lines the accepted hunks above added (negative: removed)
    for hunk in hunks:
        body = hunk.diff.split("\n")[1:]
        if body and body[-1] == "":
            body.pop()
        lead, trail = _context(body), _context(reversed(body))
        old_first = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        included = hunk.id in accepted
        side = hunk.new_count if included else hunk.old_count
        spans.append(
            HunkSpan(
                id=hunk.id,
                status=HunkSpanStatus.INCLUDED if included else HunkSpanStatus.EXCLUDED,
                start_line=old_first + shift + lead,
                line_count=max(side - lead - trail, 0),
            )
        )
        if included:
            shift += hunk.new_count - hunk.old_count
    return spans
