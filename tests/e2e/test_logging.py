"""`-v/--verbose` and `--log-file`: debug lines at the boundaries, never on stdout."""

from __future__ import annotations

from pathlib import Path

from helpers import message, patch_call, respond, run_tandem, shell

SCRIPT = [respond(shell("echo hi")), respond(message("All done."))]


def test_verbose_exec_logs_model_requests_to_stderr_and_keeps_stdout_for_the_answer(
    model_server, workspace: Path
) -> None:
    model_server(SCRIPT)
    result = run_tandem("exec", "-v", "say hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "All done."
    requests = [line for line in result.stderr.splitlines() if "model request: POST" in line]
    responses = [line for line in result.stderr.splitlines() if "model response: status=200" in line]
    assert len(requests) == 2 and len(responses) == 2, result.stderr
    assert " DEBUG tandem.model.streaming: " in requests[0]


def test_without_verbose_there_are_no_debug_lines(model_server, workspace: Path) -> None:
    model_server(SCRIPT)
    result = run_tandem("exec", "say hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" not in result.stderr


def test_log_file_receives_the_lines_instead_of_stderr(model_server, workspace: Path, tmp_path: Path) -> None:
    model_server(SCRIPT)
    log_file = tmp_path / "tandem.log"
    result = run_tandem("exec", "--verbose", "--log-file", str(log_file), "say hi", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "model request" not in result.stderr
    assert log_file.read_text("utf-8").count("model response: status=200") == 2


def test_an_unwritable_log_file_is_a_clear_error(workspace: Path) -> None:
    result = run_tandem("exec", "--log-file", str(workspace / "missing" / "x.log"), "hi", cwd=workspace)
    assert result.returncode == 2
    assert "cannot open the log file" in result.stderr and "Traceback" not in result.stderr


NEW_FILE = "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch"


def test_verbose_logs_tool_calls_approvals_and_checkpoint_scans(model_server, workspace: Path) -> None:
    escalated = shell("touch made.txt", sandbox_permissions="require_escalated", justification="Allow touch?")
    model_server([respond(escalated), respond(patch_call(NEW_FILE)), respond(message("Done."))])
    result = run_tandem("exec", "-v", "-a", "on-request", "make notes", cwd=workspace)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()

    def logged(text: str) -> list[str]:
        return [line for line in lines if " DEBUG " in line and text in line]

    assert logged("shell_command started") and logged("apply_patch succeeded in")
    assert logged("approval asked: command") and logged("approval answered:")
    assert logged("checkpoint scan of ") and "files" in logged("checkpoint scan of ")[0]
    assert (workspace / "notes.txt").exists() and not (workspace / "made.txt").exists()
