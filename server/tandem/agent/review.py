"""Change sets: what each apply_patch item changed, reviewed hunk by hunk after it landed.

Every committed file change becomes a :class:`ChangeSet` (id = the ``fileChange`` item id) whose
hunks start ``pending``. Accepting a hunk only marks it reviewed. Rejecting a hunk reverts it in
today's text, and only where the text is still what the agent wrote: a hunk the user edited since
is kept and reported, never overwritten (user edits elsewhere in the file are untouched). Undoing a
whole turn is :mod:`tandem.agent.turn_checkpoint`'s job. Reverts are applied through the same workspace
as the agent's edits (the editor's buffer for open files, the disk otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tandem.errors import NotFoundError
from tandem.patch.applier import FileChange, FileOp, display_path
from tandem.patch.diff import DiffHunk, split_hunks
from tandem.patch.hunk_revert import locate_hunk, revert_hunk
from tandem.patch.workspace import Workspace
from tandem.tools.approvals import HunkState as HunkState  # re-exported: the review state lives with approvals


@dataclass(slots=True)
class TrackedHunk:
    """A hunk and its review state."""

    hunk: DiffHunk
    state: HunkState = HunkState.PENDING


@dataclass(slots=True)
class TrackedFile:
    """One file of a change set; ``path`` is where the file is now (a move's destination)."""

    change: FileChange
    path: Path
    hunks: list[TrackedHunk]


@dataclass(slots=True)
class ChangeSet:
    """The files one ``fileChange`` item changed."""

    id: str
    thread_id: str
    turn_id: str
    files: list[TrackedFile] = field(default_factory=list)
    cwd: Path | None = None  # the thread's cwd when the change was made (paths are shown relative to it)

    def hunk_ids(self) -> list[str]:
        """Every hunk id, in file order."""
        return [h.hunk.id for f in self.files for h in f.hunks]

    def shown_paths(self, tracked: TrackedFile) -> set[str]:
        """The paths one of its files goes by, as the items show them (a move has two)."""
        paths = [tracked.change.path, *([tracked.change.move_path] if tracked.change.move_path else [])]
        return {display_path(p, self.cwd) if self.cwd is not None else str(p) for p in paths}


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """What a review action did: hunks it applied to, and hunks it had to keep (edited since)."""

    done: list[str]
    kept: list[str]


@dataclass(frozen=True, slots=True)
class HunkRun:
    """One run of changed lines of a located hunk (0-based lines of today's text): the lines it added
    from ``start_line`` on, and the lines it removed there (without line endings)."""

    start_line: int
    added: int
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingHunk:
    """A pending hunk located in a document, for code lenses, code actions and inline diffs (0-based
    lines; ``start_line`` / ``line_count`` start at the first changed line, ``runs`` are exact)."""

    change_id: str
    thread_id: str
    hunk_id: str
    start_line: int
    line_count: int
    header: str
    turn_id: str = ""
    runs: tuple[HunkRun, ...] = ()


def hunk_runs(hunk: DiffHunk, start: int) -> tuple[HunkRun, ...]:
    """The runs of changed lines of ``hunk`` when its new side (context included) begins at line
    ``start`` of today's text (:func:`~tandem.patch.hunk_revert.locate_hunk`)."""
    runs: list[HunkRun] = []
    line = start
    run_start: int | None = None
    added = 0
    removed: list[str] = []
    for raw in hunk.diff.split("\n")[1:]:
        if not raw or raw.startswith("\\"):
            continue
        tag, body = raw[0], raw[1:]
        if tag == " ":
            if run_start is not None:
                runs.append(HunkRun(run_start, added, tuple(removed)))
                run_start, added, removed = None, 0, []
            line += 1
            continue
        if run_start is None:
            run_start = line
        if tag == "+":
            added += 1
            line += 1
        elif tag == "-":
            removed.append(body)
    if run_start is not None:
        runs.append(HunkRun(run_start, added, tuple(removed)))
    return tuple(runs)


def _leading_context(hunk: DiffHunk) -> int:
    """How many context lines open the hunk (lenses and actions point at its first changed line)."""
    count = 0
    for line in hunk.diff.split("\n")[1:]:
        if not line.startswith(" "):
            break
        count += 1
    return count


class ChangeTracker:
    """All change sets of the server's threads.

    Args:
        workspace: applies reverts (and reads today's text).
    """

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._sets: dict[str, ChangeSet] = {}
        self._listeners: list[Callable[[ChangeSet], None]] = []

    def subscribe(self, listener: Callable[[ChangeSet], None]) -> None:
        """Call ``listener`` with a change set when it is recorded and whenever a hunk of it changes state."""
        self._listeners.append(listener)

    def _changed(self, change_set: ChangeSet) -> None:
        for listener in list(self._listeners):
            listener(change_set)

    def record(
        self,
        thread_id: str,
        turn_id: str,
        change_id: str,
        changes: Iterable[FileChange],
        cwd: Path,
        state: HunkState = HunkState.PENDING,
    ) -> None:
        """Track what item ``change_id`` committed, its hunks in ``state`` (accepted ones stay undoable)."""
        files = [
            TrackedFile(
                change, change.move_path or change.path, [TrackedHunk(h, state) for h in split_hunks(change, cwd)]
            )
            for change in changes
        ]
        self._sets[change_id] = ChangeSet(change_id, thread_id, turn_id, files, cwd)
        self._changed(self._sets[change_id])

    def get(self, change_id: str) -> ChangeSet:
        """The change set ``change_id``.

        Raises:
            NotFoundError: no such change.
        """
        change_set = self._sets.get(change_id)
        if change_set is None:
            raise NotFoundError(f"no change {change_id!r}")
        return change_set

    def _text(self, path: Path) -> str | None:
        try:
            return self._workspace.fs.read_bytes(path).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def pending_in(self, path: Path) -> list[PendingHunk]:
        """Pending hunks located in ``path``'s current text, in line order."""
        text = self._text(path)
        if text is None:
            return []
        found: list[PendingHunk] = []
        for change_set in self._sets.values():
            for tracked in change_set.files:
                if tracked.path != path:
                    continue
                for hunk in tracked.hunks:
                    if hunk.state is not HunkState.PENDING:
                        continue
                    where = locate_hunk(text, hunk.hunk)
                    if where is not None:
                        lead = _leading_context(hunk.hunk)
                        found.append(
                            PendingHunk(
                                change_set.id,
                                change_set.thread_id,
                                hunk.hunk.id,
                                where[0] + lead,
                                max(where[1] - lead, 0),
                                hunk.hunk.header,
                                change_set.turn_id,
                                hunk_runs(hunk.hunk, where[0]),
                            )
                        )
        return sorted(found, key=lambda p: p.start_line)

    def _select(self, change_set: ChangeSet, hunk_ids: Iterable[str] | None) -> set[str]:
        wanted = set(change_set.hunk_ids()) if hunk_ids is None else set(hunk_ids)
        unknown = wanted - set(change_set.hunk_ids())
        if unknown:
            raise NotFoundError(f"change {change_set.id} has no hunk {sorted(unknown)[0]!r}")
        return wanted

    def accept(self, change_id: str, hunk_ids: Iterable[str] | None = None) -> ReviewResult:
        """Mark hunks reviewed and kept (the text is already in place).

        Raises:
            NotFoundError: unknown change or hunk.
        """
        change_set = self.get(change_id)
        wanted = self._select(change_set, hunk_ids)
        done = []
        for tracked in change_set.files:
            for hunk in tracked.hunks:
                if hunk.hunk.id in wanted and hunk.state is HunkState.PENDING:
                    hunk.state = HunkState.ACCEPTED
                    done.append(hunk.hunk.id)
        if done:
            self._changed(change_set)
        return ReviewResult(done, [])

    async def reject(self, change_id: str, hunk_ids: Iterable[str] | None = None) -> ReviewResult:
        """Revert hunks (pending or accepted) where the text is still what the agent wrote.

        Raises:
            NotFoundError: unknown change or hunk.
            ConflictError / PatchApplyError: the revert could not be applied (nothing changed).
        """
        change_set = self.get(change_id)
        return await self._revert(change_set, self._select(change_set, hunk_ids))

    def settle_turn(self, thread_id: str, turn_id: str, state: HunkState) -> None:
        """Set every hunk of a turn's change sets to ``state`` (after a checkpoint undo or redo changed
        the files under them, their review is over)."""
        for change_set in self.of_turn(thread_id, turn_id):
            changed = False
            for tracked in change_set.files:
                for hunk in tracked.hunks:
                    changed = changed or hunk.state is not state
                    hunk.state = state
            if changed:
                self._changed(change_set)

    def of_turn(self, thread_id: str, turn_id: str) -> list[ChangeSet]:
        """The change sets of one turn, in the order they were recorded."""
        return [c for c in self._sets.values() if c.thread_id == thread_id and c.turn_id == turn_id]

    def _of_files(
        self, thread_id: str, turn_id: str, paths: Collection[str] | None
    ) -> list[tuple[ChangeSet, list[str]]]:
        """Each change set of the turn with the ids of its hunks in ``paths`` (as shown; None: all).

        Raises:
            NotFoundError: the turn has no change set, or none touches one of ``paths``.
        """
        sets = self.of_turn(thread_id, turn_id)
        if not sets:
            raise NotFoundError(f"turn {turn_id!r} of thread {thread_id!r} has no applied changes")
        picked: list[tuple[ChangeSet, list[str]]] = []
        seen: set[str] = set()
        for change_set in sets:
            ids: list[str] = []
            for tracked in change_set.files:
                names = change_set.shown_paths(tracked)
                if paths is None or names & set(paths):
                    seen |= names
                    ids += [h.hunk.id for h in tracked.hunks]
            if ids:
                picked.append((change_set, ids))
        missing = sorted(set(paths or ()) - seen)
        if missing:
            raise NotFoundError(f"turn {turn_id!r} changed no file {missing[0]!r}")
        return picked

    def accept_files(self, thread_id: str, turn_id: str, paths: Collection[str] | None = None) -> ReviewResult:
        """Keep every pending hunk the turn's changes made to ``paths`` (None: every file).

        Raises:
            NotFoundError: as :meth:`_of_files`.
        """
        done: list[str] = []
        for change_set, ids in self._of_files(thread_id, turn_id, paths):
            done += self.accept(change_set.id, ids).done
        return ReviewResult(done, [])

    async def reject_files(self, thread_id: str, turn_id: str, paths: Collection[str] | None = None) -> ReviewResult:
        """Undo every hunk the turn's changes made to ``paths`` (None: every file), where it is still
        what the agent wrote; later change sets first, so an earlier hunk under a later one comes back.

        Raises:
            NotFoundError: as :meth:`_of_files`.
            ConflictError / PatchApplyError: a revert could not be applied.
        """
        done: list[str] = []
        kept: list[str] = []
        for change_set, ids in reversed(self._of_files(thread_id, turn_id, paths)):
            result = await self.reject(change_set.id, ids)
            done += result.done
            kept += result.kept
        return ReviewResult(done, kept)

    async def _revert(self, change_set: ChangeSet, wanted: set[str]) -> ReviewResult:
        done: list[str] = []
        kept: list[str] = []
        edits: list[FileChange] = []
        for tracked in change_set.files:
            targets = [h for h in tracked.hunks if h.hunk.id in wanted and h.state is not HunkState.REJECTED]
            if not targets:
                continue
            current = self._text(tracked.path)
            edit, ok = self._file_revert(tracked, current, targets)
            if edit is not None:
                edits.append(edit)
            for hunk in targets:
                if hunk.hunk.id in ok:
                    done.append(hunk.hunk.id)
                else:
                    kept.append(hunk.hunk.id)
        if edits:
            await self._workspace.commit(edits)
        for tracked in change_set.files:
            for hunk in tracked.hunks:
                if hunk.hunk.id in done:
                    hunk.state = HunkState.REJECTED
        if done:
            self._changed(change_set)
        return ReviewResult(done, kept)

    @staticmethod
    def _file_revert(
        tracked: TrackedFile, current: str | None, targets: list[TrackedHunk]
    ) -> tuple[FileChange | None, set[str]]:
        change = tracked.change
        ids = {h.hunk.id for h in targets}
        if change.kind is FileOp.ADD:
            if current is None or current != change.new_text or len(targets) != len(tracked.hunks):
                return None, set()
            return FileChange(tracked.path, FileOp.DELETE, current, None), ids
        if change.kind is FileOp.DELETE:
            if current is not None:
                return None, set()
            return FileChange(tracked.path, FileOp.ADD, None, change.old_text), ids
        if current is None:
            return None, set()
        text, ok = current, set[str]()
        for hunk in targets:
            reverted = revert_hunk(text, hunk.hunk)
            if reverted is not None:
                text, ok = reverted, ok | {hunk.hunk.id}
        if text == current:
            return None, ok
        return FileChange(tracked.path, FileOp.UPDATE, current, text), ok
