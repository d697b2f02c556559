"""extract_shell_patch: the shell forms models use to call apply_patch, and what must not match."""

from __future__ import annotations

import shlex

import pytest

from tandem.patch import ShellPatch, extract_shell_patch, parse_patch

PATCH = '*** Begin Patch\n*** Add File: it\'s.txt\n+say "hi" to $USER\n*** End Patch\n'


def _heredoc(opener: str, delimiter: str = "EOF") -> str:
    return f"{opener}\n{PATCH}{delimiter}"


@pytest.mark.parametrize(
    "command",
    [
        _heredoc("apply_patch <<'EOF'"),
        _heredoc('apply_patch <<"EOF"'),
        _heredoc("apply_patch <<EOF"),
        _heredoc("applypatch <<'EOF'"),
        _heredoc("apply_patch << 'PATCH'", "PATCH"),
        _heredoc("apply_patch <<'EOF'") + "\n",
        "  " + _heredoc("apply_patch <<'EOF'") + "\n\n",
        _heredoc("apply_patch <<'EOF'").replace("\n", "\r\n"),
    ],
)
def test_heredoc_forms(command: str) -> None:
    found = extract_shell_patch(command)
    assert found == ShellPatch(PATCH, None)
    assert parse_patch(found.patch).hunks[0].path == "it's.txt"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("prefix", "workdir"),
    [
        ("cd some/dir && ", "some/dir"),
        ("cd 'my project' && ", "my project"),
        ('cd "/abs/with space"&&', "/abs/with space"),
    ],
)
def test_cd_prefix_gives_the_workdir(prefix: str, workdir: str) -> None:
    assert extract_shell_patch(prefix + _heredoc("apply_patch <<'EOF'")) == ShellPatch(PATCH, workdir)


@pytest.mark.parametrize("shell", ["bash -lc", "bash -c", "sh -c", "zsh -lc", "bash -l -c", "/bin/bash --login -c"])
def test_shell_wrappers_with_single_quotes(shell: str) -> None:
    command = f"{shell} {shlex.quote(_heredoc('apply_patch <<' + chr(39) + 'EOF' + chr(39)))}"
    assert "'\"'\"'" in command  # the patch's own quote survived shell quoting
    assert extract_shell_patch(command) == ShellPatch(PATCH, None)


def test_bash_wrapper_with_double_quotes_and_cd() -> None:
    inner = "cd pkg && apply_patch <<'EOF'\n" + PATCH.replace('"', '\\"').replace("$", "\\$") + "EOF\n"
    command = f'bash -lc "{inner}"'
    assert extract_shell_patch(command) == ShellPatch(PATCH, "pkg")


def test_patch_as_one_argument() -> None:
    assert extract_shell_patch(f"apply_patch {shlex.quote(PATCH)}") == ShellPatch(PATCH, None)
    assert extract_shell_patch(f"cd sub && applypatch {shlex.quote(PATCH)}") == ShellPatch(PATCH, "sub")
    wrapped = f"bash -lc {shlex.quote('apply_patch ' + shlex.quote(PATCH))}"
    assert extract_shell_patch(wrapped) == ShellPatch(PATCH, None)


def test_a_patch_line_equal_to_the_delimiter_with_spaces_does_not_end_the_heredoc() -> None:
    patch = "*** Begin Patch\n*** Update File: a.sh\n@@\n EOF\n-x\n+y\n*** End Patch\n"
    assert extract_shell_patch(f"apply_patch <<'EOF'\n{patch}EOF") == ShellPatch(patch, None)


@pytest.mark.parametrize(
    "command",
    [
        "ls -la",
        "apply_patch",
        "apply_patch --help",
        "echo apply_patch <<'EOF'\n" + PATCH + "EOF",
        "cat <<'EOF' | apply_patch\n" + PATCH + "EOF",
        "apply_patch <<'EOF' && echo done\n" + PATCH + "EOF",
        "apply_patch <<'EOF'\n" + PATCH + "EOF\necho chained",
        "apply_patch <<'EOF'\n" + PATCH + "EOF\n&& rm -rf build",
        "apply_patch <<'EOF'\n" + PATCH,  # never terminated
        "cd a b && apply_patch <<'EOF'\n" + PATCH + "EOF",
        "cd a; apply_patch <<'EOF'\n" + PATCH + "EOF",
        "rm -rf x && apply_patch <<'EOF'\n" + PATCH + "EOF",
        f"apply_patch {shlex.quote(PATCH)} && echo ok",
        f"apply_patch {shlex.quote(PATCH)} extra-argument",
        f"bash -lc {shlex.quote('apply_patch <<EOF' + chr(10) + PATCH + 'EOF' + chr(10) + 'make test')}",
        f"python -c {shlex.quote('apply_patch <<EOF' + chr(10) + PATCH + 'EOF')}",
        "bash -lc 'unterminated",
        "bash script.sh",
    ],
)
def test_other_commands_are_not_patches(command: str) -> None:
    assert extract_shell_patch(command) is None
