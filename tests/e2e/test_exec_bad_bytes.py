"""Bytes that are not text where text is expected: a clear error, or a tool error the turn survives.

The real CLI in a subprocess against the scripted model server: a non-UTF-8 prompt (argument or
stdin) is refused as ``codex exec`` refuses it; a file with a non-UTF-8 name made by a command shows
in the turn diff as git quotes it and is undone; a NUL byte in a tool's path is that tool's error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import jsonl, last_outputs, message, patch_call, respond, run_tandem, shell


def run_bytes(*args: str | bytes, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """`tandem` with arguments and stdin as raw bytes (run_tandem's are text)."""
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", *args],
        cwd=cwd,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        timeout=60,
        env=dict(os.environ),
        start_new_session=True,
        check=False,
    )


def test_a_prompt_argument_that_is_not_utf8_is_a_clear_error(model_server, workspace: Path) -> None:
    server = model_server([respond(message("never"))])
    result = run_bytes("exec", b"fix \xff this", cwd=workspace)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "the prompt argument is not valid UTF-8 (invalid byte at offset 4)" in stderr
    assert "Traceback" not in stderr
    assert server.requests == []


def test_stdin_that_is_not_utf8_is_a_clear_error_as_codex_says_it(model_server, workspace: Path) -> None:
    server = model_server([respond(message("never"))])
    for args, data in ((("exec",), b"fix \xff this"), (("exec", "hello"), b"extra \xfe\n"), (("exec", "-"), b"\xc3")):
        result = run_bytes(*args, cwd=workspace, stdin=data)
        stderr = result.stderr.decode()
        assert result.returncode == 1, stderr
        assert "cannot read the prompt from stdin: input is not valid UTF-8 (invalid byte at offset" in stderr
        assert "Convert it to UTF-8 and retry" in stderr and "Traceback" not in stderr
    result = run_bytes("exec", cwd=workspace, stdin="utf-32".encode("utf-32"))
    assert result.returncode == 1 and "input appears to be UTF-32LE" in result.stderr.decode()
    assert server.requests == []


def test_stdin_with_a_utf16_byte_order_mark_is_decoded(model_server, workspace: Path) -> None:
    server = model_server([respond(message("ok"))])
    result = run_bytes("exec", cwd=workspace, stdin="héllo, 世界".encode("utf-16"))
    assert result.returncode == 0, result.stderr.decode()
    texts = [part["text"] for item in server.requests[0].body["input"] for part in item.get("content", [])]
    assert "héllo, 世界" in texts


def test_a_file_with_a_non_utf8_name_made_by_a_command_is_in_the_turn_diff_and_undone(
    model_server, workspace: Path
) -> None:
    model_server([respond(shell("printf 'hi\\n' > \"$(printf 'caf\\351.txt')\"")), respond(message("made it"))])
    result = run_tandem("exec", "-s", "workspace-write", "make the file", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert '+++ "b/caf\\351.txt"' in result.stderr and "+hi" in result.stderr
    name = os.fsdecode(b"caf\xe9.txt")
    assert (workspace / name).read_bytes() == b"hi\n"
    undo = run_bytes("undo", cwd=workspace)
    assert undo.returncode == 0, undo.stderr
    assert b"restored  caf\xe9.txt" in undo.stdout  # the name's own bytes, as ls prints them
    assert not (workspace / name).exists()


def test_a_nul_byte_in_a_tool_path_is_a_tool_error_and_the_turn_goes_on(model_server, workspace: Path) -> None:
    calls = [
        {"type": "function_call", "name": "read_file", "arguments": {"file_path": "a\u0000b.txt"}},
        {"type": "function_call", "name": "view_image", "arguments": {"path": "a\u0000b.png"}},
        shell("ls", workdir="sub\u0000dir"),
        patch_call("*** Begin Patch\n*** Add File: x\u0000y.txt\n+hi\n*** End Patch"),
    ]
    server = model_server([respond(call) for call in calls] + [respond(message("all refused"))])
    result = run_tandem("exec", "--json", "-s", "workspace-write", "try them", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert jsonl(result.stdout)[-1]["type"] == "turn.completed"
    outputs = [last_outputs(request.body)[-1] for request in server.requests[1:]]
    assert outputs[0] == "read_file: 'file_path' contains a NUL byte (\\0); no file path can contain one"
    assert outputs[1] == "view_image: 'path' contains a NUL byte (\\0); no file path can contain one"
    assert "shell_command: 'workdir' contains a NUL byte" in outputs[2]
    assert "the path after '*** Add File:' contains a NUL byte" in outputs[3]
    assert list(workspace.iterdir()) == []
