"""Known-safe classification table (docs/reference-facts.md §3; Codex is_known_safe_command)."""

from __future__ import annotations

import pytest

from tandem.sandbox.safe_commands import classify, env_assignment_allowed, is_known_safe

SAFE = [
    # the list, plain
    "ls -la",
    "cat README.md",
    "wc -l a.py",
    "tail -n 20 log.txt",
    "expr 1 + 2",
    "which python3",
    "/usr/bin/head -n 5 x",
    "echo a=b --x=y",
    "uniq -c file",
    'grep -rn "TODO" .',
    "pwd",
    "true",
    # quoting
    "echo 'a && b'",
    'echo "a && b"',
    'echo "a\\"b"',
    "echo 'it''s'",
    "git log --format='%h %s' -- src",
    "ls \\\n  -la",  # line continuation between words
    # find / rg / sed / git
    "find . -name '*.py'",
    'find . -name "*.py" -type f',
    "rg -n 'def merge' intervals",
    "rg --files",
    "rg -n -i 'foo' src",
    "sed -n '1,40p' tests/test_core.py",
    "sed -n 5p file",
    "sed -n 1,5p a b",
    "git status",
    "git log --oneline -5",
    "git --no-pager diff --stat",
    "git -C sub log -3",
    "git branch",
    "git branch -a -v",
    "git branch --show-current",
    "git branch --list 'feat*'",
    "git show HEAD:README.md",
    "git diff --no-index a b",
    "git diff --exit-code",
    "git log --output-indicator-new=+",
    # chains
    "ls && pwd",
    "git status || git log -1",
    "cat a.txt | grep foo | wc -l",
    "ls; pwd;",
    "ls\npwd",
    "cd src && ls",
    # wrappers
    "bash -lc 'git diff'",
    'bash -lc "git status && git diff"',
    "/bin/bash -lc 'ls | wc -l'",
    "sh -c 'pwd; ls'",
    "zsh -c 'echo hi'",
    # harmless assignments
    "FOO=1 ls",
    "LANG=C LC_ALL=C grep -n x f",
    "FOO=1 bash -lc 'ls'",
]

NOT_SAFE = [
    # not on the list / parse failures
    "",
    "   ",
    "rm -rf /",
    "rm -rf build",
    "python3 -m unittest",
    "cat 'unterminated",
    "ls &&",
    "time ls",
    "xargs rm < files",
    "echo hi | tee out.txt",
    "./ls",
    "/tmp/evil/cat x",
    "ls\x00; rm x",
    # chains with an unsafe member
    "ls && rm x",
    "cat a | sh",
    "bash -lc 'ls; rm -rf x'",
    # substitutions and expansions (also in double quotes)
    "echo $(rm x)",
    "cat `rm x`",
    'echo "$(rm x)"',
    'echo "`rm x`"',
    "echo $HOME",
    "echo ${HOME}",
    'echo "$HOME"',
    'echo "${HOME}"',
    "echo $((1+2))",
    'echo "$((1+2))"',
    "echo $'a\\nb'",
    'echo $"x"',
    # redirections, heredocs, herestrings
    "cat a > b",
    "cat > x",
    "cat < a",
    "ls 2>&1",
    "ls >/dev/null",
    "cat <<EOF\nhi\nEOF",
    "cat <<< hi",
    # compound syntax
    "(ls)",
    "{ ls; }",
    "! ls",
    "ls &",
    "ls & rm x",
    "ls |& cat",
    "f() { ls; }; f",
    "for i in a b; do echo $i; done",
    "if true; then ls; fi",
    "while true; do ls; done",
    "case x in x) ls;; esac",
    "[[ -f x ]]",
    "ls # comment",
    # process substitution
    "cat <(rm x)",
    "cat >(rm x)",
    # words bash would expand (judged before expansion)
    "find . {-delete,}",
    "find . *",
    "find . -name *.py",
    "ls ?",
    "ls [ab]",
    "echo a\\ b",
    "ls ~",
    "ls ~/x",
    "FOO=~/x ls",
    # per-command rules
    "find . -delete",
    "find . '-delete'",
    "find . -exec rm '{}' +",
    "find . -execdir rm '{}' ';'",
    "find . -fprint /tmp/x",
    "find . -ok rm '{}' ';'",
    "rg --pre ./evil x",
    "rg --pre=./evil x",
    "rg -z x",
    "rg -uz x",
    "rg --search-zip x",
    "rg --hostname-bin=./evil x",
    "git push",
    "git checkout .",
    "git -c core.pager=evil log",
    "git log --output=/tmp/x",
    "git log --outp=/tmp/x",
    "git diff --ext-diff",
    "git --exec-path=/tmp log",
    "git --git-dir=/tmp/x log",
    "git log -c",
    "git branch new-feature",
    "git branch -D main",
    "git branch -m a b",
    "git",
    "sed -i 's/a/b/' f",
    "sed -n '1p;w /tmp/x' f",
    "sed -n 1p -i f",
    "sed 's/a/b/' f",
    "uniq in out",
    # wrappers that are not one plain level
    "bash -lc 'echo $HOME'",
    "bash -c \"bash -c 'ls'\"",
    "bash -c 'ls' extra",
    "bash -x -c ls",
    "/tmp/bash -lc ls",
    # dangerous assignments
    "LD_PRELOAD=x ls",
    "LD_LIBRARY_PATH=/tmp ls",
    "PATH=/tmp ls",
    "GIT_EXTERNAL_DIFF=x git diff",
    "BASH_ENV=x bash -c ls",
    "PYTHONPATH=x ls",
    "HOME=/tmp git log",
    "RIPGREP_CONFIG_PATH=x rg foo",
    "FOO=$(rm x) ls",
    "FOO=1",
    "GREP_OPTIONS=x grep a b",
    "PAGER=evil git log",
]


@pytest.mark.parametrize("command", SAFE)
def test_known_safe(command: str) -> None:
    result = classify(command)
    assert result.safe, result.reason
    assert is_known_safe(command)
    assert result.reason == ""


@pytest.mark.parametrize("command", NOT_SAFE)
def test_not_known_safe(command: str) -> None:
    result = classify(command)
    assert not result.safe
    assert not is_known_safe(command)
    assert result.reason


def test_table_is_large_enough() -> None:
    assert len(SAFE) + len(NOT_SAFE) >= 60


def test_classification_carries_segments_and_reason() -> None:
    chained = classify("git status && rm -rf build")
    assert chained.segments is not None
    assert [s.argv for s in chained.segments] == [("git", "status"), ("rm", "-rf", "build")]
    assert "'rm'" in chained.reason
    assert classify("cat a > b").segments is None
    assert "redirection" in classify("cat a > b").reason
    assert "process substitution" in classify("cat <(rm x)").reason
    assert "unquoted" in classify("find . *").reason
    assert "LD_PRELOAD" in classify("LD_PRELOAD=x ls").reason
    assert "inside bash -lc" in classify("bash -lc 'echo $HOME'").reason


def test_echo_with_quoted_operators_is_one_command() -> None:
    result = classify("echo 'a && b'")
    assert result.segments is not None and [s.argv for s in result.segments] == [("echo", "a && b")]


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("FOO", True),
        ("LANG", True),
        ("LC_ALL", True),
        ("TZ", True),
        ("TERM", True),
        ("NO_COLOR", True),
        ("LD_PRELOAD", False),
        ("LD_LIBRARY_PATH", False),
        ("PATH", False),
        ("GIT_DIR", False),
        ("BASH_ENV", False),
        ("ENV", False),
        ("PYTHONSTARTUP", False),
        ("HOME", False),
        ("XDG_CONFIG_HOME", False),
        ("GCONV_PATH", False),
        ("GLIBC_TUNABLES", False),
        ("NODE_OPTIONS", False),
        ("PERL5OPT", False),
        ("IFS", False),
        ("PS4", False),
        ("SHELLOPTS", False),
        ("ZDOTDIR", False),
        ("LESSOPEN", False),
        ("ld_preload", False),
        ("MANPAGER", False),
    ],
)
def test_env_assignment_rule(name: str, allowed: bool) -> None:
    assert env_assignment_allowed(name) is allowed
