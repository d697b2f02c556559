"""apply_patch overwrites as Codex does (``*** Add File`` onto an existing file, ``*** Move to`` onto an existing
path), with Tandem's safety: the change is reported as an update with its diff, the overwritten text is in
the turn's checkpoint and `tandem undo` brings it back. The real `tandem exec` and `tandem undo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import jsonl, last_outputs, message, patch_call, respond, run_tandem

ADD_OVER = "*** Begin Patch\n*** Add File: notes.md\n+# Notes\n+rewritten whole\n*** End Patch"
MOVE_OVER = "*** Begin Patch\n*** Update File: draft.md\n*** Move to: notes.md\n@@\n-draft\n+final\n*** End Patch"


def _file_changes(events: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "file_change"]  # type: ignore[index,misc]


@pytest.mark.parametrize("checkpoints", ["workspace", "edits"])
def test_add_file_onto_an_existing_file_overwrites_it_and_undo_restores_it(
    model_server, workspace: Path, checkpoints: str
) -> None:
    notes = workspace / "notes.md"
    notes.write_text("my own notes\nkeep them\n")
    server = model_server([respond(patch_call(ADD_OVER)), respond(message("rewrote it"))])
    args = ("-c", f'checkpoints="{checkpoints}"')
    result = run_tandem("exec", "--json", *args, "rewrite notes.md", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert notes.read_text() == "# Notes\nrewritten whole\n"
    assert last_outputs(server.requests[1].body) == ["Success. Updated the following files:\nM notes.md"]
    (change,) = _file_changes(jsonl(result.stdout))
    assert change["changes"] == [{"path": "notes.md", "kind": "update"}] and change["status"] == "completed"
    undo = run_tandem("undo", cwd=workspace)
    assert undo.returncode == 0, undo.stderr
    assert "restored  notes.md" in undo.stdout
    assert notes.read_text() == "my own notes\nkeep them\n"


@pytest.mark.parametrize("checkpoints", ["workspace", "edits"])
def test_move_onto_an_existing_file_overwrites_it_and_undo_restores_both(
    model_server, workspace: Path, checkpoints: str
) -> None:
    notes, draft = workspace / "notes.md", workspace / "draft.md"
    notes.write_text("the old notes\n")
    draft.write_text("draft\n")
    server = model_server([respond(patch_call(MOVE_OVER)), respond(message("moved"))])
    result = run_tandem("exec", "--json", "-c", f'checkpoints="{checkpoints}"', "publish the draft", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert notes.read_text() == "final\n" and not draft.exists()
    assert last_outputs(server.requests[1].body) == ["Success. Updated the following files:\nM notes.md\nD draft.md"]
    (change,) = _file_changes(jsonl(result.stdout))
    assert change["changes"] == [{"path": "draft.md", "kind": "delete"}, {"path": "notes.md", "kind": "update"}]
    undo = run_tandem("undo", cwd=workspace)
    assert undo.returncode == 0, undo.stderr
    assert notes.read_text() == "the old notes\n" and draft.read_text() == "draft\n"


def test_the_turn_diff_shows_the_overwritten_text(model_server, workspace: Path) -> None:
    (workspace / "notes.md").write_text("my own notes\n")
    model_server([respond(patch_call(ADD_OVER)), respond(message("done"))])
    result = run_tandem("exec", "rewrite", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "-my own notes\n+# Notes\n+rewritten whole" in result.stderr
