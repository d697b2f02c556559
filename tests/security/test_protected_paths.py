"""``.git`` and ``.tandem`` inside the workspace: persistence and self-escalation attacks.

Expectation (policy.py ``_protected``): a ``.git`` / ``.tandem`` that EXISTS when a command starts is
re-bound read-only by bubblewrap (EROFS; it is also a mount point, so it cannot be renamed or
removed: EBUSY). One that does not exist yet is not protected, so ``git init`` works in a fresh
folder (see test_positive_controls.py) — and that is where the holes below are.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from sandbox_attacks import Arena, Escaped, attack, describe, snapshot

from tandem.config import load_config
from tandem.protocol.enums import SandboxMode

from helpers import last_outputs, message, patch_call, respond

ESCALATE = 'sandbox_mode = "danger-full-access"\napproval_policy = "never"\n'

ATTACKS = {
    "git-hooks-pre-commit": "printf '#!/bin/sh\\ntouch PWNED\\n' > .git/hooks/pre-commit && "
    "chmod +x .git/hooks/pre-commit",
    "git-hooks-via-proc-self-root": "echo 'touch PWNED' > /proc/self/root{work}/.git/hooks/post-checkout",
    "git-hooks-via-symlink": "ln -sfn .git/hooks h && echo 'touch PWNED' > h/pre-commit",
    "git-config-core-hooksPath": "git config core.hooksPath .githooks",
    "git-config-core-fsmonitor": "git config core.fsmonitor 'touch PWNED'",
    "git-config-replace": "cp .git/config cfg && printf '[core]\\n\\thooksPath = x\\n' >> cfg && mv -f cfg .git/config",
    "git-delete": "rm -rf .git",
    "git-rename-and-recreate": "mv .git moved-git && git init -q .",
    "tandem-config-append": f"printf '{ESCALATE}' >> .tandem/config.toml",
    "tandem-config-replace": f"rm -f .tandem/config.toml; printf '{ESCALATE}' > .tandem/config.toml",
    "tandem-rename-and-recreate": f"mv .tandem moved && mkdir .tandem && printf '{ESCALATE}' > .tandem/config.toml",
}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_existing_git_and_tandem_stay_read_only(arena: Arena, name: str) -> None:
    git("init", "-q", ".", cwd=arena.work)
    git("config", "tandem.test", "original", cwd=arena.work)  # so a re-created .git differs
    (arena.work / ".tandem").mkdir()
    (arena.work / ".tandem" / "config.toml").write_text('model = "gpt-5.5"\n')
    script = ATTACKS[name].format(work=arena.work)

    def protected() -> tuple[object, ...]:
        return snapshot(arena.work / ".git"), snapshot(arena.work / ".tandem")

    before = protected()
    sandboxed, _ = attack(lambda sandbox: arena.sh(script, sandbox=sandbox), lambda _: protected() != before, what=name)
    assert sandboxed.returncode != 0


def _escalated_follow_up(arena: Arena) -> subprocess.CompletedProcess[str]:
    """The NEXT command, run with the default (sandboxed) settings: does it still get the sandbox?"""
    return arena.sh(f"echo pwned > {arena.target}")


def test_creating_tandem_config_escalates_later_commands(arena: Arena) -> None:
    # Fixed: a missing .tandem is mounted as an empty read-only directory. The project is marked trusted
    # here so the project file's sandbox_mode counts, which lets the unsandboxed control prove the attack
    # (untrusted projects' .tandem/config.toml cannot loosen the sandbox at all: see the next test).
    (arena.home / "config.toml").write_text(f'[projects."{arena.work}"]\ntrust_level = "trusted"\n')
    assert not (arena.work / ".tandem").exists()
    script = f"mkdir -p .tandem && printf '{ESCALATE}' > .tandem/config.toml"

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        planted = arena.sh(script, sandbox=sandbox)
        assert planted.returncode == 0 or sandbox, describe(planted)
        return _escalated_follow_up(arena)

    def reset() -> None:
        (arena.work / ".tandem" / "config.toml").unlink(missing_ok=True)
        if (arena.work / ".tandem").exists():
            (arena.work / ".tandem").rmdir()
        arena.target.write_text("original\n")

    attack(run, lambda _: arena.target.read_text() != "original\n", what="create .tandem/config.toml", reset=reset)


async def test_apply_patch_creating_tandem_config_is_not_applied_silently(agent, workspace: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Add File: .tandem/config.toml\n"
        + "".join(f"+{line}\n" for line in ESCALATE.splitlines())
        + "*** End Patch"
    )
    config_file = workspace / ".tandem" / "config.toml"

    async def run(sandbox: bool) -> str:
        h = agent(
            [respond(patch_call(patch)), respond(message("ok"))],
            sandbox=None if sandbox else SandboxMode.DANGER_FULL_ACCESS,
        )
        await h.turn()
        return last_outputs(h.bodies()[1])[0]

    sandboxed = await run(True)
    escaped = config_file.exists()
    if escaped:
        assert load_config(workspace).sandbox_mode is SandboxMode.DANGER_FULL_ACCESS
        config_file.unlink()
        config_file.parent.rmdir()
    control = await run(False)
    assert config_file.exists(), f"control: {control}"
    if escaped:
        raise Escaped(f"apply_patch created .tandem/config.toml without asking: {sandboxed}")


def _up_to_root(path: Path) -> str:
    return "../" * (len(path.parts) - 1)


# name -> (what the sandboxed command plants, the command planting it)
PLANTS = {
    "tandem-relative-symlink": (".tandem", "ln -s {up}tmp .tandem"),
    "git-relative-symlink": (".git", "ln -s {up}tmp .git"),
    "git-file-gitdir": (".git", "echo 'gitdir: /tmp' > .git"),
}


@pytest.mark.parametrize("plant", list(PLANTS))
def test_planted_git_or_tandem_link_exposes_the_host_tmp(arena: Arena, tmp_path: Path, plant: str) -> None:
    secret = f"host-tmp-secret-{uuid.uuid4().hex}"
    secret_file = tmp_path / "host-secret.txt"  # in the host /tmp, outside the workspace
    secret_file.write_text(secret)
    read = f"cat {secret_file}"
    baseline = arena.sh(read)
    assert secret not in baseline.stdout, "the private /tmp does not hide the host /tmp at all"
    planted_name, script = PLANTS[plant]
    script = script.format(up=_up_to_root(arena.work))

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        (arena.work / planted_name).unlink(missing_ok=True)  # the sandboxed run's plant, before the control
        planted = arena.sh(script, sandbox=sandbox)
        assert planted.returncode == 0, describe(planted)
        return arena.sh(read, sandbox=sandbox)

    def reset() -> None:
        (arena.work / planted_name).unlink()

    attack(run, lambda done: secret in done.stdout, what=plant, reset=reset)


def test_tandem_home_inside_a_writable_root_stays_read_only(tmp_path: Path) -> None:
    roots = tmp_path / "extra-root"
    arena = Arena(tmp_path / "arena", roots / "tandem-home")
    config = [f'sandbox_workspace_write.writable_roots=["{roots}"]']
    config_file = arena.home / "config.toml"
    script = f"printf '{ESCALATE}' > \"$TANDEM_HOME/config.toml\""

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        planted = arena.sh(script, sandbox=sandbox, config=config)
        assert planted.returncode == 0 or sandbox, describe(planted)
        return _escalated_follow_up(arena)

    def reset() -> None:
        config_file.unlink()
        arena.target.write_text("original\n")

    attack(
        run, lambda _: arena.target.read_text() != "original\n", what="rewrite $TANDEM_HOME/config.toml", reset=reset
    )
