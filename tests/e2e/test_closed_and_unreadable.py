"""No tracebacks for a closed stdin, a config.toml that is not UTF-8, or an output file in a missing
folder: each is a clear error naming what is wrong (the real CLI, and a real `tandem lsp`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import message, respond, run_tandem
from raw_lsp import RawServer

NOT_UTF8 = b'model = "caf\xe9"\n'


def run_stdin_closed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`tandem ARGS <&-`: started by a shell with its stdin closed."""
    return subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "tandem.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        start_new_session=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("lsp",), "tandem lsp: stdin or stdout is closed"),
        (("apply-patch",), "tandem apply-patch: stdin is closed: pipe the patch into it; nothing was changed"),
        (("exec",), "tandem exec: no prompt given: pass it as an argument (stdin is closed)"),
        (("exec", "-"), "tandem exec: no prompt given: pass it as an argument (stdin is closed)"),
    ],
)
def test_a_closed_stdin_is_a_clear_error(args: tuple[str, ...], says: str, tandem_home: Path, workspace: Path) -> None:
    result = run_stdin_closed(*args, cwd=workspace)
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_exec_with_a_prompt_argument_runs_with_stdin_closed(model_server, workspace: Path) -> None:
    model_server([respond(message("fine"))])
    result = run_stdin_closed("exec", "hello", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "fine" in result.stdout


@pytest.mark.parametrize("where", ["home", "project"])
def test_a_config_toml_that_is_not_utf8_is_an_error_naming_the_file(
    where: str, model_server, tandem_home: Path, workspace: Path
) -> None:
    server = model_server([respond(message("never"))])
    path = tandem_home / "config.toml" if where == "home" else workspace / ".tandem" / "config.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(NOT_UTF8)
    said = f"{path}: not UTF-8 (invalid byte at offset 12); a TOML file must be UTF-8"
    for args in (("exec", "hi"), ("sandbox", "--", "true"), ("doctor", "--timeout", "5")):
        result = run_tandem(*args, cwd=workspace)
        assert result.returncode in (1, 2), (args, result.stderr)  # tandem sandbox: 2, as for its usage errors
        assert said in result.stderr + result.stdout, args
        assert "Traceback" not in result.stderr
    assert server.requests == []
    lsp = RawServer(workspace)
    try:
        lsp.initialize()
        reply = lsp.request({"jsonrpc": "2.0", "id": 1, "method": "tandem/thread/start", "params": {}})
        assert reply["error"]["code"] == -32004
        assert said in reply["error"]["message"]
    finally:
        assert lsp.close() == 0  # the server is still up and ends normally


def test_protocol_schema_into_a_missing_folder_names_the_file(tandem_home: Path, workspace: Path) -> None:
    target = workspace / "missing" / "schema.json"
    result = run_tandem("protocol", "schema", "--out", str(target), cwd=workspace)
    assert result.returncode == 1
    assert f"tandem protocol schema: cannot write {target}: No such file or directory" in result.stderr
    assert f"(the folder {target.parent} does not exist)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.parent.exists()
