"""Checkpoints and undo without git: a turn edits with apply_patch and with shell commands (`sed -i`,
a created file, a deleted file); the turn diff shows all of it; `tandem undo` restores only what the
agent changed (the user's later edit stays), `tandem redo` brings the turn back, and it all works
from disk in a later process, in a folder that is not a git repository."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import message, patch_call, respond, run_tandem, shell

A_ORIGINAL = "".join(f"a line {n}\n" for n in range(1, 21))
PATCH = "*** Begin Patch\n*** Update File: a.py\n@@\n a line 2\n-a line 3\n+A LINE THREE\n a line 4\n*** End Patch"
B_ORIGINAL = "colour = 'old'\nsize = 1\n"
D_ORIGINAL = "to be deleted\n"
SHELL = "sed -i 's/old/new/' b.txt && echo fresh > c.txt && rm d.txt"


def make_project(workspace: Path) -> None:
    (workspace / "a.py").write_text(A_ORIGINAL)
    (workspace / "b.txt").write_text(B_ORIGINAL)
    (workspace / "d.txt").write_text(D_ORIGINAL)
    (workspace / "untouched.txt").write_text("stays\n")


def run_turn(model_server, workspace: Path) -> str:  # type: ignore[no-untyped-def]
    model_server([respond(patch_call(PATCH), shell(SHELL)), respond(message("Done."))])
    result = run_tandem("exec", "-s", "workspace-write", "edit things", cwd=workspace)
    assert result.returncode == 0, result.stderr
    return result.stderr


def assert_turn_applied(workspace: Path) -> None:
    assert "A LINE THREE" in (workspace / "a.py").read_text()
    assert (workspace / "b.txt").read_text() == B_ORIGINAL.replace("old", "new")
    assert (workspace / "c.txt").read_text() == "fresh\n"
    assert not (workspace / "d.txt").exists()


def test_turn_diff_includes_changes_made_by_shell_commands(model_server, workspace: Path) -> None:
    make_project(workspace)
    stderr = run_turn(model_server, workspace)
    assert_turn_applied(workspace)
    diff = stderr[stderr.index("turn diff") :]
    assert "+A LINE THREE" in diff  # apply_patch
    assert "-colour = 'old'" in diff and "+colour = 'new'" in diff  # sed -i
    assert "+++ b/c.txt" in diff and "+fresh" in diff  # created by the shell
    assert "--- a/d.txt" in diff and "-to be deleted" in diff  # deleted by the shell
    assert "untouched.txt" not in diff
    assert not (workspace / ".git").exists()


def test_undo_restores_what_the_agent_changed_and_keeps_user_edits(
    model_server, workspace: Path, tandem_home: Path
) -> None:
    make_project(workspace)
    run_turn(model_server, workspace)
    # After the turn, the user edits a.py elsewhere and adds a file of their own.
    user_a = (workspace / "a.py").read_text().replace("a line 15\n", "a line 15, edited by the user\n")
    (workspace / "a.py").write_text(user_a)
    (workspace / "mine.txt").write_text("user file\n")

    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert "undid turn" in undone.stdout
    for name in ("a.py", "b.txt", "c.txt", "d.txt"):
        assert f"restored  {name}" in undone.stdout
    assert (workspace / "a.py").read_text() == A_ORIGINAL.replace("a line 15\n", "a line 15, edited by the user\n")
    assert (workspace / "b.txt").read_text() == B_ORIGINAL
    assert not (workspace / "c.txt").exists()
    assert (workspace / "d.txt").read_text() == D_ORIGINAL
    assert (workspace / "mine.txt").read_text() == "user file\n"  # not the agent's: left alone

    # The checkpoints are on disk under $TANDEM_HOME, not in the project.
    logs = list((tandem_home / "checkpoints").glob("*/log.jsonl"))
    assert len(logs) == 1
    kinds = [json.loads(line)["type"] for line in logs[0].read_text().splitlines()]
    assert kinds == ["turn", "undo"]

    # The undo can itself be undone.
    redone = run_tandem("redo", cwd=workspace)
    assert redone.returncode == 0, redone.stderr
    assert "redid turn" in redone.stdout
    assert_turn_applied(workspace)
    assert "a line 15, edited by the user" in (workspace / "a.py").read_text()

    again = run_tandem("undo", cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert (workspace / "b.txt").read_text() == B_ORIGINAL and not (workspace / "c.txt").exists()
    nothing = run_tandem("undo", cwd=workspace)
    assert nothing.returncode == 1 and "nothing to undo" in nothing.stderr


def test_undo_keeps_a_line_the_user_changed_after_the_agent(model_server, workspace: Path) -> None:
    make_project(workspace)
    run_turn(model_server, workspace)
    (workspace / "b.txt").write_text("colour = 'new, and the user likes it'\nsize = 1\n")
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert "kept      b.txt (edited since)" in undone.stdout
    assert (workspace / "b.txt").read_text() == "colour = 'new, and the user likes it'\nsize = 1\n"
    assert (workspace / "d.txt").read_text() == D_ORIGINAL  # the rest of the turn is undone


def test_undo_by_thread_id_from_another_directory(model_server, workspace: Path, tmp_path: Path) -> None:
    make_project(workspace)
    model_server([respond(shell(SHELL)), respond(message("Done."))])
    result = run_tandem("exec", "--json", "-s", "workspace-write", "edit", cwd=workspace)
    assert result.returncode == 0, result.stderr
    thread_id = json.loads(result.stdout.splitlines()[0])["thread_id"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_tandem("undo", cwd=elsewhere).returncode == 1  # no thread worked there
    undone = run_tandem("undo", thread_id[:8], cwd=elsewhere)
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "b.txt").read_text() == B_ORIGINAL and (workspace / "d.txt").exists()


def test_checkpoints_off_leaves_nothing_to_undo(model_server, workspace: Path) -> None:
    make_project(workspace)
    model_server([respond(shell(SHELL)), respond(message("Done."))])
    result = run_tandem("exec", "-s", "workspace-write", "-c", 'checkpoints="off"', "edit", cwd=workspace)
    assert result.returncode == 0, result.stderr
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 1 and "no thread has checkpoints" in undone.stderr


def test_prune_frees_the_store(model_server, workspace: Path, tandem_home: Path) -> None:
    make_project(workspace)
    run_turn(model_server, workspace)
    assert list((tandem_home / "checkpoints" / "objects").glob("*/*"))
    kept = run_tandem("checkpoints", "prune", cwd=workspace)  # default: only threads idle for 30 days
    assert kept.returncode == 0 and "removed the checkpoints of 0 thread(s)" in kept.stdout
    assert run_tandem("undo", "--help", cwd=workspace).returncode == 0
    pruned = run_tandem("checkpoints", "prune", "--older-than", "0", cwd=workspace)
    assert pruned.returncode == 0 and "removed the checkpoints of 1 thread(s)" in pruned.stdout
    assert not list((tandem_home / "checkpoints" / "objects").glob("*/*"))
    assert run_tandem("undo", cwd=workspace).returncode == 1


def turn_with(model_server, workspace: Path, *calls: dict) -> None:  # type: ignore[type-arg]
    model_server([respond(*calls), respond(message("Done."))])
    result = run_tandem("exec", "-s", "workspace-write", "go", cwd=workspace)
    assert result.returncode == 0, result.stderr


def test_undo_never_deletes_a_file_the_turn_merely_unignored(model_server, workspace: Path) -> None:
    (workspace / ".gitignore").write_text("secret.env\n")
    (workspace / "secret.env").write_text("API_KEY=precious\n")
    turn_with(
        model_server,
        workspace,
        patch_call("*** Begin Patch\n*** Update File: .gitignore\n@@\n-secret.env\n+other.env\n*** End Patch"),
    )
    assert run_tandem("undo", cwd=workspace).returncode == 0
    assert (workspace / ".gitignore").read_text() == "secret.env\n"
    assert (workspace / "secret.env").read_text() == "API_KEY=precious\n"


def test_a_shell_edit_then_a_patch_of_the_same_file_are_both_undone(model_server, workspace: Path) -> None:
    (workspace / "f.txt").write_text("one\ntwo\nthree\n")
    turn_with(
        model_server,
        workspace,
        shell("sed -i 's/one/ONE/' f.txt"),
        patch_call("*** Begin Patch\n*** Update File: f.txt\n@@\n-three\n+THREE\n*** End Patch"),
    )
    assert (workspace / "f.txt").read_text() == "ONE\ntwo\nTHREE\n"
    assert run_tandem("undo", cwd=workspace).returncode == 0
    assert (workspace / "f.txt").read_text() == "one\ntwo\nthree\n"


def test_undo_brings_a_deleted_script_back_executable(model_server, workspace: Path) -> None:
    script = workspace / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    turn_with(model_server, workspace, shell("rm run.sh"))
    assert run_tandem("undo", cwd=workspace).returncode == 0
    assert script.read_text() == "#!/bin/sh\necho hi\n" and script.stat().st_mode & 0o777 == 0o755


def test_undo_never_writes_through_a_symlink(model_server, workspace: Path) -> None:
    (workspace / "shared.yml").write_text("shared: 1\n")
    (workspace / "config.yml").write_text("local: 1\n")
    (workspace / "real.txt").write_text("a\n")
    (workspace / "link.txt").symlink_to("real.txt")
    turn_with(
        model_server,
        workspace,
        shell("mv config.yml config.bak && ln -s shared.yml config.yml"),
        shell("sed -i 's/a/b/' link.txt"),
    )  # sed -i replaces the link by a file
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "shared.yml").read_text() == "shared: 1\n"  # the link's target was not written
    config = workspace / "config.yml"  # the link the turn made is replaced by the file it replaced
    assert not config.is_symlink() and config.read_text() == "local: 1\n" and not (workspace / "config.bak").exists()
    assert (workspace / "link.txt").exists() and (workspace / "real.txt").read_text() == "a\n"


def test_undo_when_the_turn_replaced_a_file_by_a_folder(model_server, workspace: Path) -> None:
    (workspace / "d").write_text("was a file\n")
    turn_with(model_server, workspace, shell("rm d && mkdir d && echo x > d/a"))
    undone = run_tandem("undo", cwd=workspace)
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "d").read_text() == "was a file\n"
