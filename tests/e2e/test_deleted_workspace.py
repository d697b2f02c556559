"""A workspace deleted after a session ran in it: resume and undo say the folder is gone and change nothing
(no rollout line, no checkpoint entry, no request, no stray tree); the undo is still there when the folder
comes back. The real CLI in subprocesses against the scripted model server."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.errors import WorkspaceGoneError

from helpers import jsonl, message, patch_call, respond, run_tandem, thread_manager

ADD = "*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch"


def _state(tandem_home: Path) -> dict[str, str]:
    """Every file under $TANDEM_HOME with a hash of its bytes (rollouts, checkpoint logs, objects)."""
    return {
        str(p.relative_to(tandem_home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(tandem_home.rglob("*"))
        if p.is_file() and "active" not in p.parts
    }


@pytest.fixture
def gone_session(model_server, tandem_home: Path, tmp_path: Path) -> tuple[str, Path, Path]:
    """A session whose turn added ``a.txt`` in ``w``; then ``w`` is deleted. Returns (thread id, w, other)."""
    work, other = tmp_path / "w", tmp_path / "other"
    work.mkdir()
    other.mkdir()
    model_server([respond(patch_call(ADD)), respond(message("added"))])
    result = run_tandem("exec", "--json", "add a.txt", cwd=work)
    assert result.returncode == 0, result.stderr
    assert (work / "a.txt").read_text() == "hello\n"
    shutil.rmtree(work)
    return str(jsonl(result.stdout)[0]["thread_id"]), work, other


def test_resume_of_a_session_whose_folder_is_gone_says_so_and_changes_nothing(
    gone_session: tuple[str, Path, Path], model_server, tandem_home: Path
) -> None:
    thread_id, work, other = gone_session
    server = model_server([respond(message("continued"))])
    before = _state(tandem_home)
    result = run_tandem("exec", "resume", thread_id, "more", cwd=other)
    assert result.returncode == 1
    assert f"session {thread_id} was recorded in {work}, which no longer exists (deleted or moved)" in result.stderr
    assert "nothing was changed" in result.stderr and f"tandem exec -C DIR resume {thread_id}" in result.stderr
    assert server.requests == [] and _state(tandem_home) == before and not work.exists()
    # Naming another folder continues there, saying the recorded one is gone.
    result = run_tandem("exec", "-C", str(other), "resume", thread_id, "more", cwd=other)
    assert result.returncode == 0, result.stderr
    assert f"was recorded in {work}, which no longer exists; continuing in {other}" in result.stderr
    assert len(server.requests) == 1 and not work.exists()


def test_resume_without_a_folder_refuses_a_gone_one(gone_session: tuple[str, Path, Path], tandem_home: Path) -> None:
    """What `tandem/thread/resume` does (the LSP hub resumes with the recorded folder's settings)."""
    thread_id, work, other = gone_session
    manager = thread_manager(other)
    with pytest.raises(WorkspaceGoneError, match=f"was recorded in {work}, which no longer exists"):
        manager.resume(thread_id)
    assert manager.loaded() == []


def test_undo_in_a_gone_folder_says_so_and_keeps_the_undo(
    gone_session: tuple[str, Path, Path], tandem_home: Path
) -> None:
    thread_id, work, other = gone_session
    before = _state(tandem_home)
    for command in ("undo", "redo"):
        result = run_tandem(command, thread_id, cwd=other)
        assert result.returncode == 1
        if command == "undo":
            assert f"{work}, no longer exists (deleted or moved); nothing was undone" in result.stderr
    assert _state(tandem_home) == before and not work.exists()  # no entry logged, no tree recreated
    # The folder comes back: the undo was not used up.
    work.mkdir()
    (work / "a.txt").write_text("hello\n")
    result = run_tandem("undo", thread_id, cwd=other)
    assert result.returncode == 0, result.stderr
    assert "restored  a.txt" in result.stdout and not (work / "a.txt").exists()


def test_commands_started_in_a_deleted_folder_say_so(gone_session: tuple[str, Path, Path], tmp_path: Path) -> None:
    tandem = str(Path(sys.executable).parent / "tandem")
    doomed = tmp_path / "doomed"
    doomed.mkdir()
    for args in (["exec", "resume", "--last", "more"], ["exec", "hi"], ["undo"], ["apply-patch"]):
        script = f'cd "{doomed}" && rmdir "{doomed}" && exec "$0" "$@"'
        result = subprocess.run(
            ["sh", "-c", script, tandem, *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        doomed.mkdir()
        assert result.returncode == 1, (args, result.stderr)
        assert "the current folder no longer exists (deleted or moved); nothing was done" in result.stderr
        assert "Traceback" not in result.stderr
