"""tree-sitter-bash plain-command parsing, cross-checked against real bash."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.sandbox.bash_parse import SimpleCommand, analyze, parse_command, parse_plain


def _argvs(command: str) -> list[tuple[str, ...]] | None:
    parsed = parse_command(command)
    return None if parsed is None else [c.argv for c in parsed]


def test_segments_operators_and_assignments() -> None:
    parsed = parse_plain("FOO=1 BAR='x y' ls -la 'a b' \"c d\" && git status | head; echo x\npwd")
    assert parsed == [
        SimpleCommand(("ls", "-la", "a b", "c d"), (("FOO", "1"), ("BAR", "x y")), ""),
        SimpleCommand(("git", "status"), (), "&&"),
        SimpleCommand(("head",), (), "|"),
        SimpleCommand(("echo", "x"), (), ";"),
        SimpleCommand(("pwd",), (), ";"),
    ]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("echo 'a && b'", ("echo", "a && b")),
        ('echo "a\\"b" "x\\y" "d\\$"', ("echo", 'a"b', "x\\y", "d$")),
        ("echo a'b'\"c\"d", ("echo", "abcd")),
        ("echo $'plain'", ("echo", "plain")),
        ('echo ""', ("echo", "")),
        ("echo 'multi\nline'", ("echo", "multi\nline")),
        ("ls \\\n -la", ("ls", "-la")),
        ('"ls" x', ("ls", "x")),
    ],
)
def test_quote_removal(command: str, argv: tuple[str, ...]) -> None:
    assert _argvs(command) == [argv]


@pytest.mark.parametrize(
    "command",
    [
        "ls\\\n-la",  # one word `ls-la` to bash
        'echo "a$"',
        "echo a#b",
        "X=1",
        "X+=1 ls",
        "X=(a b) ls",
        "echo ==",
        "'' x",
        "ls\r",
        "declare x=1",
        "export FOO=1",
        "coproc ls",
        "time ls",
        "function f",
        "echo \ud800",
        "%1",
        "A=b",
        "ls;;",
        "echo {a,b}",
    ],
)
def test_not_plain(command: str) -> None:
    assert analyze(command).commands is None
    assert analyze(command).reason


@pytest.mark.parametrize(
    ("command", "wrapper"),
    [
        ("bash -lc 'pytest -q'", ("bash", "-lc")),
        ("bash -c 'pytest -q'", ("bash", "-c")),
        ("sh -c 'pytest -q'", ("sh", "-c")),
        ("zsh -c 'pytest -q'", ("zsh", "-c")),
        ("/bin/bash -lc 'pytest -q'", ("/bin/bash", "-lc")),
        ("/usr/bin/sh -c 'pytest -q'", ("/usr/bin/sh", "-c")),
    ],
)
def test_wrappers_are_unwrapped_once(command: str, wrapper: tuple[str, ...]) -> None:
    result = analyze(command)
    assert result.wrapper == wrapper
    assert result.commands is not None and [c.argv for c in result.commands] == [("pytest", "-q")]


def test_wrapper_details() -> None:
    assert _argvs("bash -c \"bash -c 'ls'\"") == [("bash", "-c", "ls")]  # only one level
    assert _argvs("bash -c ls x") == [("bash", "-c", "ls", "x")]  # extra operands: not a wrapper
    assert _argvs("ls && bash -c ls") == [("ls",), ("bash", "-c", "ls")]
    assert _argvs("bash -lc 'ls > x'") is None
    assert _argvs('bash -lc "echo \\$HOME"') is None  # the decoded inner script expands $HOME
    inner = parse_command("FOO=1 bash -lc 'A=2 ls; pwd'")
    assert inner == [
        SimpleCommand(("ls",), (("FOO", "1"), ("A", "2")), ""),
        SimpleCommand(("pwd",), (("FOO", "1"),), ";"),
    ]


def test_tree_sitter_is_imported_lazily() -> None:
    code = (
        "import sys, tandem.sandbox.safe_commands, tandem.sandbox.command_rules, tandem.tools.shell;"
        "print([m for m in sys.modules if m.startswith('tree_sitter')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_timing_report() -> None:
    """Not an assertion: prints the first (lazy) grammar load and the per-command classification cost."""
    code = (
        "import time; t=time.perf_counter();"
        "from tandem.sandbox.safe_commands import is_known_safe; is_known_safe('ls');"
        "print(time.perf_counter()-t)"
    )
    first = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    from tandem.sandbox.safe_commands import is_known_safe

    commands = [
        "ls -la",
        'bash -lc "git status && git diff | head -n 40"',
        "find . -name '*.py' -type f",
        "cat a > b",
        "FOO=1 rg -n 'def merge' src && sed -n '1,40p' tests/test_core.py",
    ]
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        for command in commands:
            is_known_safe(command)
    per_command = (time.perf_counter() - start) / (rounds * len(commands))
    print(
        f"\nfirst classification incl. lazy grammar load: {first * 1000:.1f} ms; "
        f"per command afterwards: {per_command * 1e6:.0f} us"
    )


# --- cross-check against real bash -----------------------------------------------------------------
# Every plain line must be split by bash into exactly the words we computed, with NO expansion. The
# commands run in a directory holding files named `-delete`, `a`, `ab` so a glob that slipped through
# would show. Unknown command names reach `command_not_found_handle`, which records its argv.

_BASH = shutil.which("bash")
_HANDLER = (
    'command_not_found_handle() { { printf "%s\\037" "$@"; printf "\\035";'
    ' for v in A B C D E; do [ "${!v+x}" ] && printf "%s=%s\\037" "$v" "${!v}"; done;'
    ' } > "$REC/$BASHPID.$RANDOM"; return 0; }\n'
)
_BUILTINS: set[str] = set()


def _bash_segments(command: str, tmp: Path) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    rec = tmp / "rec"
    shutil.rmtree(rec, ignore_errors=True)
    rec.mkdir()
    env = {"PATH": "/nonexistent", "REC": str(rec), "HOME": str(tmp)}
    subprocess.run(
        [_BASH or "bash", "--norc", "--noprofile", "-c", _HANDLER + command],
        cwd=tmp / "work",
        env=env,
        capture_output=True,
        timeout=10,
        check=False,
    )
    records = [path.read_text("utf-8", "surrogateescape").split("\x1d") for path in rec.iterdir()]
    return [(tuple(argv.split("\x1f")[:-1]), tuple(env.split("\x1f")[:-1])) for argv, env in records]


def _expected_to_run(segments: list[SimpleCommand]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every handler returns 0, so a pipeline after `||` is skipped and everything else runs."""
    ran, skipping = [], False
    for segment in segments:
        if segment.operator != "|":
            skipping = segment.operator == "||"
        if not skipping:
            env = sorted((k, v) for k, v in dict(segment.env).items() if k in {"A", "B", "C", "D", "E"})
            ran.append((segment.argv, tuple(f"{k}={v}" for k, v in env)))
    return ran


_plain_chars = st.text(alphabet="abz-=.,:%@+^_/0", min_size=1, max_size=4)
_quoted_chars = st.text(alphabet="ab *?~{},;&|<>()#!\\$`\"'\n\t=-", max_size=6)
_word_part = st.one_of(
    _plain_chars,
    _quoted_chars.map(lambda s: "'" + s.replace("'", "") + "'"),
    _quoted_chars.map(lambda s: '"' + s + '"'),
    st.sampled_from(["*", "?", "~", "{a,b}", "[ab]", "\\x", "$x", "#", "!", "a=b", "$'q'", "\\\n"]),
)
_word = st.lists(_word_part, min_size=1, max_size=3).map("".join)
_assignments = st.sampled_from(["", "A=1 ", "B='x y' ", "C= ", "D=a=b E=$'q' "])
_simple = st.tuples(_assignments, st.lists(_word, min_size=1, max_size=4)).map(
    lambda t: t[0] + "c" + t[1][0].lstrip("'\"") + " " + " ".join(t[1][1:])
)
_separator = st.sampled_from([" && ", " || ", "; ", " | ", "\n", " & ", " ; ", " |& ", " ", "&&\n", " |\n", "\n\n"])
_line = st.tuples(_simple, st.lists(st.tuples(_separator, _simple), max_size=2)).map(
    lambda t: t[0] + "".join(sep + cmd for sep, cmd in t[1])
)


@pytest.mark.skipif(_BASH is None, reason="needs bash")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=_line)
def test_plain_lines_agree_with_bash(line: str, tmp_path: Path) -> None:
    segments = parse_plain(line)
    if segments is None:
        return
    if not _BUILTINS:
        names = subprocess.run([_BASH or "bash", "-c", "compgen -b -k"], capture_output=True, text=True).stdout
        _BUILTINS.update(names.split())
    if any(s.argv[0] in _BUILTINS or "/" in s.argv[0] for s in segments):
        return
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    for name in ("-delete", "a", "ab"):
        (work / name).touch()
    assert sorted(_bash_segments(line, tmp_path)) == sorted(_expected_to_run(segments)), line


@pytest.mark.skipif(_BASH is None, reason="needs bash")
@pytest.mark.parametrize(
    "line",
    [
        "ca 'x y' \"a\\\"b\" a'b'c",
        "ca x && cb y || cc z; cd2 | ce",
        "ca $'ab' \"d\\$\" \"e\\\\f\" 'g\\h'",
        "ca \\\n x",
        "A=1 B='x y' ca x",
        "C= ca a=b --c=d -- -e",
    ],
)
def test_known_lines_agree_with_bash(line: str, tmp_path: Path) -> None:
    segments = parse_plain(line)
    assert segments is not None
    (tmp_path / "work").mkdir()
    assert sorted(_bash_segments(line, tmp_path)) == sorted(_expected_to_run(segments))
