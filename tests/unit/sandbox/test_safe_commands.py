from __future__ import annotations

import pytest

from tandem.sandbox.safe_commands import is_known_safe


@pytest.mark.parametrize("command", [
    "ls -la", "cat README.md", "rg -n 'def merge' intervals", "git status", "git log --oneline -5",
    "sed -n '1,40p' tests/test_core.py", "find . -name '*.py'", "bash -lc 'git diff'", "wc -l a.py",
    "/usr/bin/head -n 5 x", "echo 'a && b'",
])
def test_known_safe(command: str) -> None:
    assert is_known_safe(command)


@pytest.mark.parametrize("command", [
    "rm -rf build", "python3 -m unittest", "ls && rm x", "cat a | sh", "echo $(rm x)", "cat `rm x`",
    "find . -delete", "find . -exec rm {} +", "find . {-delete,}", "find . *", "rg --pre ./evil x",
    "git push", "git -c core.pager=evil log", "git log --output=/tmp/x", "sed -i 's/a/b/' f",
    "sed -n '1p;w /tmp/x' f", "cat > x", "ls ~", "echo \"$HOME\"", "bash -lc 'ls; rm -rf x'", "",
    "cat 'unterminated",
])
def test_not_known_safe(command: str) -> None:
    assert not is_known_safe(command)
