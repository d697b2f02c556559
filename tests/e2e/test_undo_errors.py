"""`tandem undo` / `tandem redo` when the disk refuses: a file the undo must write is in the way, or the
checkpoint store cannot be written. The real CLI prints one line naming the path and exits 1 — no
traceback — and nothing is logged as undone, so the undo works once the obstacle is gone.

(Tests run as root, so read-only modes would not stop a write: the obstacles are a folder where a
file must go, and a file where the store needs a folder.)"""

from __future__ import annotations

import json
from pathlib import Path

from tandem.checkpoints.store import content_hash

from helpers import message, respond, run_tandem, shell

BINARY = bytes(range(256))  # not UTF-8: an undo writes it straight to disk
TEXT = "colour = 'old'\n" + "".join(f"line {n}\n" for n in range(1, 31))
AGENT = TEXT.replace("old", "new")


def run_turn(model_server, workspace: Path, command: str) -> None:  # type: ignore[no-untyped-def]
    model_server([respond(shell(command)), respond(message("Done."))])
    result = run_tandem("exec", "-s", "workspace-write", "edit things", cwd=workspace)
    assert result.returncode == 0, result.stderr


def log_kinds(tandem_home: Path) -> list[str]:
    (log,) = (tandem_home / "checkpoints").glob("*/log.jsonl")
    return [json.loads(line)["type"] for line in log.read_text().splitlines()]


def assert_one_line_error(result, command: str, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"tandem {command}: ") and result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr


def block_store_for(tandem_home: Path, workspace: Path, name: str) -> str:
    """Edit the last line of ``name`` (away from the agent's change) to a text whose object folder is
    not in the store yet, and put a file where that folder goes; returns the edited text."""
    objects = tandem_home / "checkpoints" / "objects"
    text = (workspace / name).read_text()
    n = 0
    while (objects / content_hash(text.replace("line 30", f"line 30, edited by the user {n}").encode())[:2]).exists():
        n += 1
    edited = text.replace("line 30", f"line 30, edited by the user {n}")
    (workspace / name).write_text(edited)
    (objects / content_hash(edited.encode())[:2]).write_text("not a folder")
    return edited


def test_undo_that_cannot_write_a_file_reports_it_in_one_line(model_server, workspace: Path, tandem_home: Path) -> None:
    (workspace / "blob.bin").write_bytes(BINARY)
    run_turn(model_server, workspace, "rm blob.bin")
    (workspace / "blob.bin").mkdir()  # the user made a folder where the deleted file must come back
    (workspace / "blob.bin" / "inside.txt").write_text("the user's\n")

    failed = run_tandem("undo", cwd=workspace)
    assert_one_line_error(failed, "undo", "cannot write", "blob.bin")
    assert (workspace / "blob.bin" / "inside.txt").read_text() == "the user's\n"
    assert log_kinds(tandem_home) == ["turn"]  # nothing logged as undone

    (workspace / "blob.bin" / "inside.txt").unlink()
    (workspace / "blob.bin").rmdir()
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "blob.bin").read_bytes() == BINARY


def test_undo_and_redo_with_an_unwritable_store_report_it_in_one_line(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    (workspace / "b.txt").write_text(TEXT)
    run_turn(model_server, workspace, "sed -i 's/old/new/' b.txt")
    # The user edits the file after the turn: the undo must store that content before it writes.
    edited = block_store_for(tandem_home, workspace, "b.txt")
    failed = run_tandem("undo", cwd=workspace)
    assert_one_line_error(failed, "undo", "cannot write checkpoint object")
    assert (workspace / "b.txt").read_text() == edited  # nothing was written
    assert log_kinds(tandem_home) == ["turn"]

    (workspace / "b.txt").write_text(AGENT)  # back as the agent left it: nothing new to store
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "b.txt").read_text() == TEXT

    block_store_for(tandem_home, workspace, "b.txt")
    failed_redo = run_tandem("redo", cwd=workspace)
    assert_one_line_error(failed_redo, "redo", "cannot write checkpoint object")
    assert log_kinds(tandem_home) == ["turn", "undo"]


def test_prune_that_cannot_remove_a_thread_reports_it_in_one_line(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    (workspace / "b.txt").write_text(TEXT)
    run_turn(model_server, workspace, "sed -i 's/old/new/' b.txt")
    (log,) = (tandem_home / "checkpoints").glob("*/log.jsonl")
    (log.parent / "stray-folder").mkdir()  # not ours: prune removes only files
    failed = run_tandem("checkpoints", "prune", "--older-than", "0", cwd=workspace)
    assert_one_line_error(failed, "checkpoints prune", "cannot prune the checkpoints")
