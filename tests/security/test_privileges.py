"""Root inside the sandbox: the command runs as uid 0 (no user namespace), so what stops it is
``bwrap --cap-drop ALL`` (no capabilities; no_new_privs keeps exec from giving them back) and
Landlock (a Landlock-restricted process may not mount anything, and may not write ``/proc``)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sandbox_attacks import PY, RUN_TIMEOUT_S, Arena, attack

CAPS = ("CapInh", "CapPrm", "CapEff", "CapAmb")


def test_no_capabilities_even_after_exec(arena: Arena) -> None:
    def effect(done: subprocess.CompletedProcess[str]) -> bool:
        values = dict(line.split(":\t") for line in done.stdout.splitlines() if line.startswith(CAPS))
        return any(int(value, 16) for value in values.values())

    sandboxed, _ = attack(
        lambda sandbox: arena.sh("grep ^Cap /proc/self/status", sandbox=sandbox),
        effect,
        what="capabilities of a root command",
    )
    assert "CapEff:\t0000000000000000" in sandboxed.stdout


def test_chown(arena: Arena) -> None:
    owned = arena.work / "owned.txt"
    owned.write_text("x")
    attack(
        lambda sandbox: arena.sh("chown 4242:4242 owned.txt", sandbox=sandbox),
        lambda _: owned.stat().st_uid == 4242,
        what="chown",
    )


def test_mknod_a_block_device_for_the_root_disk(arena: Arena) -> None:
    device = Path("/").stat().st_dev
    node = arena.work / "disk"
    script = f"mknod disk b {os.major(device)} {os.minor(device)}"
    attack(
        lambda sandbox: arena.sh(script, sandbox=sandbox),
        lambda _: node.exists() and stat.S_ISBLK(node.stat().st_mode),
        what="mknod",
    )


def test_remount_the_read_only_root_writable(visible_arena: Arena) -> None:
    """``/`` is a read-only bind; with CAP_SYS_ADMIN a command could remount it read-write and write
    anywhere. The control is a naive bubblewrap sandbox (same read-only root, but capabilities kept
    and no Landlock): there the remount works and the outside file is written (inside bwrap's own
    mount namespace, so the host's mounts are untouched)."""
    arena = visible_arena
    bwrap = shutil.which("bwrap")
    assert bwrap
    script = f"mount -o remount,bind,rw / && echo pwned > {arena.target}"

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        if sandbox:
            return arena.sh(script)
        naive = [
            bwrap,
            "--die-with-parent",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--",
            "bash",
            "-c",
            script,
        ]
        return subprocess.run(naive, cwd=arena.work, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)

    attack(run, lambda _: arena.target.read_text() != "original\n", what="remount / rw")


UNSHARE_MOUNT = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
flags = {"mount": 0x00020000, "user+mount": 0x10000000 | 0x00020000}[sys.argv[1]]
if libc.unshare(flags) != 0:
    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
# MS_REC | MS_PRIVATE first, so that the control's mount can never propagate to the host
if libc.mount(None, b"/", None, 16384 | 262144, None) != 0:
    sys.exit("make-private: " + os.strerror(ctypes.get_errno()))
if libc.mount(b"tandem-sec", b"mnt", b"tmpfs", 0, None) != 0:
    sys.exit("mount: " + os.strerror(ctypes.get_errno()))
print("MOUNTED")
"""


@pytest.mark.parametrize("namespaces", ["mount", "user+mount"])
def test_new_namespace_and_mount(arena: Arena, namespaces: str) -> None:
    """A new mount namespace (as root: needs CAP_SYS_ADMIN — dropped) or a new user namespace plus a
    mount namespace (allowed inside the sandbox! the mount itself is then refused by Landlock)."""
    (arena.work / "mnt").mkdir()
    attack(
        lambda sandbox: arena.tandem(PY, "-c", UNSHARE_MOUNT, namespaces, sandbox=sandbox),
        lambda done: "MOUNTED" in done.stdout,
        what=f"unshare {namespaces} + mount",
    )


def test_unshare_command_and_mount(arena: Arena) -> None:
    (arena.work / "mnt").mkdir()
    script = "unshare --mount --propagation private sh -c 'mount -t tmpfs tandem-sec mnt && echo MOUNTED'"
    attack(
        lambda sandbox: arena.sh(script, sandbox=sandbox),
        lambda done: "MOUNTED" in done.stdout,
        what="unshare(1) + mount",
    )


OPEN_BY_HANDLE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 128)]
handle, mount_id = FileHandle(handle_bytes=128), ctypes.c_int()
if libc.name_to_handle_at(-100, sys.argv[1].encode(), ctypes.byref(handle), ctypes.byref(mount_id), 0) != 0:
    sys.exit("name_to_handle_at: " + os.strerror(ctypes.get_errno()))
mount_fd = os.open(".", os.O_RDONLY)  # the WRITABLE workspace mount of the same file system
fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_WRONLY | os.O_TRUNC)
if fd < 0:
    sys.exit("open_by_handle_at: " + os.strerror(ctypes.get_errno()))
os.write(fd, b"pwned\\n")
print("WRITTEN")
"""


def test_open_by_handle_through_the_writable_mount(visible_arena: Arena) -> None:
    """The "Shocker" attack: a file handle of the outside file, opened relative to the read-write workspace
    mount of the same file system, is writable — no path, so neither the read-only bind of / nor a
    path check is consulted. The control is a naive bubblewrap sandbox with the same mounts (root,
    capabilities kept): it escapes. Layer: no CAP_DAC_READ_SEARCH (cap-drop ALL): EPERM."""
    arena = visible_arena
    bwrap = shutil.which("bwrap")
    assert bwrap

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        if sandbox:
            return arena.tandem(PY, "-c", OPEN_BY_HANDLE, str(arena.target))
        naive = [
            bwrap,
            "--die-with-parent",
            "--ro-bind",
            "/",
            "/",
            "--bind",
            str(arena.work),
            str(arena.work),
            "--chdir",
            str(arena.work),
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--",
            PY,
            "-c",
            OPEN_BY_HANDLE,
            str(arena.target),
        ]
        return subprocess.run(naive, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)

    sandboxed, _ = attack(run, lambda _: arena.target.read_text() != "original\n", what="open_by_handle_at")
    # Blocked twice over: no CAP_DAC_READ_SEARCH, and /var/tmp (where the target lives) is private in the sandbox.
    assert (
        "open_by_handle_at: Operation not permitted" in sandboxed.stderr
        or "name_to_handle_at: No such file or directory" in sandboxed.stderr
    ), sandboxed.stderr
