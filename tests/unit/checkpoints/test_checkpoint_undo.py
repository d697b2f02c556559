"""Undo's plan step: what reverting a logged entry will write, decided without touching a file; then the
apply step carries the plan out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.log import CheckpointEntry, EntryKind, FileState, new_entry
from tandem.checkpoints.store import content_hash
from tandem.checkpoints.undo import KeepReason, KeptFile, apply_revert, plan_revert, redo_target, undo_target
from tandem.errors import CheckpointError, NotFoundError
from tandem.patch.applier import FileOp
from tandem.patch.fs import DiskFileSystem
from tandem.patch.workspace import DiskWorkspace

ORIGINAL = "".join(f"line {n}\n" for n in range(1, 31))
AGENT = ORIGINAL.replace("line 2\n", "line 2, by the agent\n")
BINARY = bytes(range(256))


class Buffers(DiskFileSystem):
    """The disk, except for files open in an editor (their unsaved text wins), as in ``tandem lsp``."""

    def __init__(self, open_files: dict[Path, str]) -> None:
        super().__init__()
        self._open = open_files

    def read_bytes(self, path: Path) -> bytes:
        if path in self._open:
            return self._open[path].encode()
        return super().read_bytes(path)


@pytest.fixture
def home(tmp_path: Path) -> CheckpointHome:
    return CheckpointHome(tmp_path / "ckpt")


def turn(home: CheckpointHome, cwd: Path, *files: tuple[str, bytes | None, bytes | None]) -> CheckpointEntry:
    """A logged turn that changed each ``(path, before, after)``."""
    put = home.store.put
    states = [FileState(p, put(b) if b is not None else None, put(a) if a is not None else None) for p, b, a in files]
    entry = new_entry(EntryKind.TURN, "turn-1", cwd, states)
    home.log("thread").append(entry)
    return entry


def test_a_file_as_the_agent_left_it_is_planned_back_and_nothing_is_written(home: CheckpointHome, root: Path) -> None:
    (root / "a.txt").write_text(AGENT)
    entry = turn(home, root, ("a.txt", ORIGINAL.encode(), AGENT.encode()))
    plan = plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)
    assert (root / "a.txt").read_text() == AGENT  # planning writes nothing
    assert plan.outcome.restored == ["a.txt"] and plan.outcome.kept == []
    (write,) = plan.writes
    assert (write.path, write.kind, write.old_text, write.new_text) == (
        root / "a.txt",
        FileOp.UPDATE,
        AGENT,
        ORIGINAL,
    )
    (state,) = plan.states  # the undo's own log entry: from what is there now back to the original
    assert (state.before, state.after) == (content_hash(AGENT.encode()), content_hash(ORIGINAL.encode()))
    assert plan.deletes == [] and plan.raw == [] and plan.links == []


def test_the_users_later_edit_elsewhere_is_merged_and_on_the_same_lines_kept(home: CheckpointHome, root: Path) -> None:
    user_far = AGENT.replace("line 29\n", "line 29, by the user\n")
    user_same = AGENT.replace("line 2, by the agent\n", "line 2, by the agent and the user\n")
    (root / "far.txt").write_text(user_far)
    (root / "same.txt").write_text(user_same)
    entry = turn(
        home, root, ("far.txt", ORIGINAL.encode(), AGENT.encode()), ("same.txt", ORIGINAL.encode(), AGENT.encode())
    )
    plan = plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)
    assert plan.outcome.restored == ["far.txt"]
    assert plan.outcome.kept == [KeptFile("same.txt", KeepReason.EDITED_SINCE)]
    (write,) = plan.writes  # same.txt stays as the user has it: nothing to write
    assert write.path == root / "far.txt" and write.new_text == ORIGINAL.replace("line 29\n", "line 29, by the user\n")
    assert user_far.encode() in plan.blobs  # the user's text is stored, so a redo can bring it back


def test_created_files_are_deleted_deleted_ones_come_back_and_binary_goes_straight_to_disk(
    home: CheckpointHome, root: Path
) -> None:
    (root / "new.txt").write_text("made by the turn\n")
    (root / "image.bin").write_bytes(b"\x00changed")
    entry = turn(
        home,
        root,
        ("new.txt", None, b"made by the turn\n"),
        ("gone.txt", b"deleted by the turn\n", None),
        ("image.bin", BINARY, b"\x00changed"),
    )
    plan = plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)
    assert [(c.path.name, c.kind) for c in plan.deletes] == [("new.txt", FileOp.DELETE)]
    assert [(c.path.name, c.kind, c.new_text) for c in plan.writes] == [
        ("gone.txt", FileOp.ADD, "deleted by the turn\n")
    ]
    assert plan.raw == [(root / "image.bin", BINARY)]
    assert sorted(plan.outcome.restored) == ["gone.txt", "image.bin", "new.txt"]


def test_links_are_never_written_through_but_a_link_that_replaced_a_file_goes(home: CheckpointHome, root: Path) -> None:
    (root / "README").write_text("readme\n")
    (root / "edited").symlink_to(root / "README")  # the user made it a link after the turn edited it
    (root / "swapped").symlink_to(root / "README")  # the turn replaced a file by this link
    entry = turn(home, root, ("edited", b"one\n", b"two\n"), ("swapped", b"a file\n", None))
    plan = plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)
    assert plan.outcome.kept == [KeptFile("edited", KeepReason.LINK)]
    assert plan.links == [root / "swapped"]
    assert [(c.path.name, c.new_text) for c in plan.writes] == [("swapped", "a file\n")]


def test_the_plan_reads_what_the_editor_holds_and_restores_permission_bits(home: CheckpointHome, root: Path) -> None:
    (root / "a.txt").write_text(ORIGINAL)  # the disk was never saved; the buffer has the agent's edit
    state = FileState("a.txt", home.store.put(ORIGINAL.encode()), home.store.put(AGENT.encode()), 0o755)
    entry = new_entry(EntryKind.TURN, "turn-1", root, [state])
    plan = plan_revert(entry, home.store, Buffers({root / "a.txt": AGENT}), EntryKind.UNDO)
    assert [c.old_text for c in plan.writes] == [AGENT]
    assert plan.modes == {root / "a.txt": 0o755}


def test_a_lost_object_fails_the_plan(home: CheckpointHome, root: Path) -> None:
    entry = new_entry(EntryKind.TURN, "turn-1", root, [FileState("a.txt", "0" * 64, None)])
    with pytest.raises(CheckpointError, match="missing"):
        plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)


async def test_applying_the_plan_stores_first_then_deletes_then_writes(home: CheckpointHome, root: Path) -> None:
    (root / "dir").mkdir()
    (root / "dir" / "made.txt").write_text("made\n")  # the turn made a folder where a file was
    (root / "image.bin").write_bytes(b"\x00changed")
    entry = turn(
        home,
        root,
        ("dir/made.txt", None, b"made\n"),
        ("dir", b"a file where the folder is\n", None),
        ("image.bin", BINARY, b"\x00changed"),
    )
    plan = plan_revert(entry, home.store, DiskFileSystem(), EntryKind.UNDO)
    await apply_revert(plan, home.store, DiskWorkspace())
    assert (root / "dir").read_text() == "a file where the folder is\n"
    assert (root / "image.bin").read_bytes() == BINARY
    assert all(home.store.get(content_hash(blob)) == blob for blob in plan.blobs)


def test_targets_follow_undos_and_redos() -> None:
    root = Path("/w")
    first = new_entry(EntryKind.TURN, "t1", root, [])
    second = new_entry(EntryKind.TURN, "t2", root, [])
    undo_second = new_entry(EntryKind.UNDO, "t2", root, [], target=second.id)
    log = [first, second, undo_second]
    assert undo_target(log, None) == first and redo_target(log) == undo_second
    redo_second = new_entry(EntryKind.REDO, "t2", root, [], target=undo_second.id)
    assert undo_target([*log, redo_second], None) == second
    with pytest.raises(NotFoundError, match="nothing to redo"):
        redo_target([*log, redo_second])
    with pytest.raises(NotFoundError, match="turn t2 has no changes"):
        undo_target(log, "t2")
