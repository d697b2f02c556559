"""Writing outside the workspace: every path trick, in both arenas.

Layers (observed): under ``/tmp`` the outside directory does not even exist inside the sandbox
(bubblewrap binds a private directory over ``/tmp``: ENOENT); under ``/var/tmp`` it is visible
through the read-only bind of ``/`` (EROFS), and Landlock (writes only beneath the writable roots)
would refuse the same writes with EACCES. Hard links fail with EXDEV (the workspace is its own
mount; Landlock's REFER right is not granted across roots).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sandbox_attacks import Arena, Escaped, attack, snapshot

from tandem.protocol.enums import SandboxMode

from helpers import last_outputs, message, patch_call, respond, shell

# name -> (setup run by the test before the attack, the attack's bash script)
Setup = Callable[[Arena], None]


def _no_setup(arena: Arena) -> None:
    return None


def _symlink_to_target(arena: Arena) -> None:
    (arena.work / "link.txt").symlink_to(arena.target)


def _symlink_to_outside_dir(arena: Arena) -> None:
    (arena.work / "outlink").symlink_to(arena.outside, target_is_directory=True)


ATTACKS: dict[str, tuple[Setup, str]] = {
    "absolute-path": (_no_setup, "echo pwned > {target}"),
    "new-file-absolute": (_no_setup, "touch {outside}/new.txt"),
    "dot-dot": (_no_setup, "echo pwned > ../outside/target.txt"),
    "dot-dot-python": (_no_setup, "python3 -c \"open('../outside/target.txt', 'w').write('pwned')\""),
    "pre-existing-symlink": (_symlink_to_target, "echo pwned > link.txt"),
    "pre-existing-dir-symlink": (_symlink_to_outside_dir, "echo pwned > outlink/new.txt"),
    "new-symlink": (_no_setup, "ln -sfn {target} new-link && echo pwned > new-link"),
    "new-relative-symlink": (_no_setup, "ln -sfn ../outside newdir && echo pwned > newdir/target.txt"),
    "proc-self-root": (_no_setup, "echo pwned > /proc/self/root{target}"),
    "proc-self-cwd-dot-dot": (_no_setup, "echo pwned > /proc/self/cwd/../outside/target.txt"),
    "hard-link": (_no_setup, "ln -f {target} hard-link && echo pwned > hard-link"),
    "rename": (_no_setup, "mv {target} {outside}/renamed.txt"),
    "rename-into-workspace": (_no_setup, "mv {target} ./stolen.txt"),
    "truncate": (_no_setup, "truncate -s 0 {target}"),
    "delete": (_no_setup, "rm {target}"),
    "chmod": (_no_setup, "chmod 0777 {target}"),
    "mkdir": (_no_setup, "mkdir {outside}/newdir"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_write_outside_the_workspace(any_arena: Arena, name: str) -> None:
    arena = any_arena
    setup, script = ATTACKS[name]
    setup(arena)
    script = script.format(target=arena.target, outside=arena.outside)
    before = snapshot(arena.outside)
    sandboxed, _ = attack(
        lambda sandbox: arena.sh(script, sandbox=sandbox), lambda _: snapshot(arena.outside) != before, what=name
    )
    assert sandboxed.returncode != 0, "the sandboxed attack reported success"


def test_read_only_mode_writes_nothing_in_the_workspace(arena: Arena) -> None:
    (arena.work / "keep.txt").write_text("keep\n")
    before = snapshot(arena.work)
    script = "echo pwned > keep.txt; rm -f keep.txt; touch new.txt; mkdir d"
    attack(
        lambda sandbox: arena.sh(script, sandbox=sandbox, mode="read-only"),
        lambda _: snapshot(arena.work) != before,
        what="read-only mode",
    )


async def test_apply_patch_through_a_symlink_planted_by_a_sandboxed_command(
    agent, workspace: Path, tmp_path: Path
) -> None:
    """Two tools together: the sandboxed shell plants ``link.txt -> outside``; apply_patch (run by the
    agent itself, outside the sandbox) must not follow it. Layer: the patch approval resolves paths
    and, under ``never``, refuses anything resolving outside the writable roots."""
    outside = tmp_path / "outside-patch"
    outside.mkdir()
    target = outside / "target.txt"
    patch = "*** Begin Patch\n*** Update File: link.txt\n@@\n-original\n+pwned\n*** End Patch"

    async def run(sandbox: bool) -> str:
        target.write_text("original\n")
        (workspace / "link.txt").unlink(missing_ok=True)
        h = agent(
            [respond(shell(f"ln -s {target} link.txt")), respond(patch_call(patch)), respond(message("ok"))],
            sandbox=None if sandbox else SandboxMode.DANGER_FULL_ACCESS,
        )
        await h.turn()
        return last_outputs(h.bodies()[2])[0]

    sandboxed = await run(True)
    assert (workspace / "link.txt").is_symlink()  # planting the link itself is allowed
    if target.read_text() != "original\n":
        raise Escaped(f"apply_patch wrote through the planted symlink: {sandboxed}")
    assert "rejected" in sandboxed
    control = await run(False)
    assert target.read_text() == "pwned\n", f"control: {control}"


def test_pre_existing_hard_link_is_the_same_file(arena: Arena) -> None:
    """Documented limit, not an attack the sandbox can stop: a hard link that ALREADY exists in the
    workspace (made by the user, e.g. by ``cp -l``) is the outside file's inode, so writing it
    writes the outside file. Only links made by a sandboxed command are refused (see hard-link above)."""
    os.link(arena.target, arena.work / "linked.txt")
    done = arena.sh("echo changed > linked.txt")
    assert done.returncode == 0 and arena.target.read_text() == "changed\n"
