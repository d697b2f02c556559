"""`tandem demo` is the README's first command: it must fix the example project for real."""

from __future__ import annotations

from pathlib import Path

from helpers import run_tandem


def test_demo_fixes_the_example_project(tmp_path: Path) -> None:
    result = run_tandem("demo", "--workdir", str(tmp_path / "demo"), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    err = result.stderr
    assert "FAILED (failures=1)" in err  # the tests failed before
    assert "approval needed — run this command?" in err and "approval needed — apply these changes?" in err
    assert "+        if merged and start <= merged[-1][1]:" in err
    assert "tests after the agent's turn: OK" in err
    assert "Fixed: `merge()`" in result.stdout  # the agent's answer streams to stdout
    fixed = (tmp_path / "demo" / "intervals" / "intervals" / "core.py").read_text()
    assert "start <= merged[-1][1]" in fixed
