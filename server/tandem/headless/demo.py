"""``tandem demo``: the agent fixes a real bug in the bundled example project, end to end.

Copies ``examples/demo-project`` (a small interval library whose test suite fails) to a
temporary directory, starts the scripted model server on 127.0.0.1 with
``examples/demo/session.json`` (a session written the way a model works: read the code, run the
tests, patch, re-run, report), runs one ``tandem exec`` turn against it with the ``untrusted``
approval policy so the approvals are visible, then runs the project's tests on its own to show
they pass. Interactive terminals answer the approvals; otherwise they are accepted automatically.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tandem.config import ApprovalPolicy, CliOverrides, SandboxMode
from tandem.headless.approver import ApprovalMode, open_terminal
from tandem.headless.exec import ExecOptions, run_exec
from tandem.headless.exec_inputs import PromptStdin
from tandem.headless.human import Style


def examples_dir() -> Path:
    """The repository's ``examples/`` folder (``$TANDEM_EXAMPLES`` overrides).

    Raises:
        FileNotFoundError: Tandem was installed without its source tree.
    """
    override = os.environ.get("TANDEM_EXAMPLES")
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parents[3] / "examples")
    for candidate in candidates:
        if (candidate / "demo-project").is_dir():
            return candidate
    raise FileNotFoundError(
        "the examples/ folder was not found; run the demo from a Tandem checkout or set TANDEM_EXAMPLES"
    )


def _run_tests(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unittest", "-q"], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )


def run_demo(keep: bool = False, workdir: Path | None = None) -> int:
    """Run the demo; returns 0 when the project's tests pass after the agent's turn."""
    from tandem.testing import ScriptedModelServer

    err = sys.stderr
    style = Style(err)
    examples = examples_dir()
    root = Path(tempfile.mkdtemp(prefix="tandem-demo-")) if workdir is None else workdir.resolve()
    project = root / "intervals"
    shutil.copytree(examples / "demo-project", project)
    prompt = (examples / "demo" / "prompt.txt").read_text("utf-8").strip()
    before = _run_tests(project)
    err.write(style.bold("Tandem demo") + f" — example project copied to {project}\n")
    err.write(
        style.dim("The project's tests before the agent runs:")
        + "\n"
        + style.red(before.stderr.strip().splitlines()[-1] if before.stderr.strip() else "?")
        + "\n\n"
    )
    err.write(style.bold("user") + "\n" + prompt + "\n\n")
    err.flush()

    saved = {key: os.environ.get(key) for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "TANDEM_HOME")}
    terminal = open_terminal()
    try:
        with ScriptedModelServer(examples / "demo" / "session.json") as server:
            os.environ["OPENAI_BASE_URL"] = server.base_url
            os.environ["OPENAI_API_KEY"] = "demo-key-not-secret"
            os.environ["TANDEM_HOME"] = str(root / "tandem-home")
            options = ExecOptions(
                prompt=prompt,
                cwd=project,
                cli=CliOverrides(
                    model="scripted-demo",
                    approval_policy=ApprovalPolicy.UNTRUSTED,
                    sandbox_mode=SandboxMode.WORKSPACE_WRITE,
                ),
                approval_mode=ApprovalMode.ASK if terminal is not None else ApprovalMode.ACCEPT_ALL,
                prompt_stdin=PromptStdin.IGNORE,
            )
            code = asyncio.run(run_exec(options))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    after = _run_tests(project)
    passed = after.returncode == 0
    summary = after.stderr.strip().splitlines()[-1] if after.stderr.strip() else "?"
    err.write(
        "\n"
        + style.bold("The project's tests after the agent's turn: ")
        + (style.green(summary) if passed else style.red(summary))
        + "\n"
    )
    if keep or workdir is not None:
        err.write(style.dim(f"project kept at {project}") + "\n")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if passed and code == 0 else 1
