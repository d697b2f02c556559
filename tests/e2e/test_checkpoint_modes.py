"""A command's `chmod` is a change like any other: it is in the turn diff (git's mode lines), the
turn's checkpoint records it, `tandem undo` takes it back and `tandem redo` brings it again."""

from __future__ import annotations

from pathlib import Path

from helpers import message, respond, run_tandem, shell

SCRIPT = "#!/bin/sh\necho hi\n"


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_chmod_by_a_command_is_in_the_turn_diff_and_undone(model_server, workspace: Path) -> None:
    script = workspace / "run.sh"
    script.write_text(SCRIPT)
    script.chmod(0o644)
    (workspace / "other.txt").write_text("stays\n")
    model_server([respond(shell("chmod +x run.sh")), respond(message("Made it executable."))])
    result = run_tandem("exec", "-s", "workspace-write", "make run.sh executable", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert _mode(script) == 0o755
    diff = result.stderr[result.stderr.index("turn diff") :]
    assert "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n" in diff
    assert "other.txt" not in diff

    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert "run.sh" in undone.stdout + undone.stderr
    assert _mode(script) == 0o644 and script.read_text() == SCRIPT

    redone = run_tandem("redo", cwd=workspace)
    assert redone.returncode == 0, redone.stderr
    assert _mode(script) == 0o755 and script.read_text() == SCRIPT


def test_chmod_and_an_edit_of_one_file_show_both(model_server, workspace: Path) -> None:
    script = workspace / "run.sh"
    script.write_text(SCRIPT)
    script.chmod(0o644)
    model_server([respond(shell("chmod 755 run.sh && echo 'echo bye' >> run.sh")), respond(message("Done."))])
    result = run_tandem("exec", "-s", "workspace-write", "edit run.sh", cwd=workspace)
    assert result.returncode == 0, result.stderr
    diff = result.stderr[result.stderr.index("turn diff") :]
    assert "old mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n" in diff and "+echo bye" in diff
    assert run_tandem("undo", cwd=workspace).returncode == 0
    assert _mode(script) == 0o644 and script.read_text() == SCRIPT
