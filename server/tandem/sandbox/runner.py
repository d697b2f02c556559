"""Turning a command line into a sandboxed launch: bubblewrap outside, the inner launcher inside.

Layout (docs/reference-facts.md §3, "working layout"): ``bwrap`` with a read-only ``/``, the writable roots
bound read-write, ``.git``/``.tandem`` re-bound read-only, a fresh ``/dev`` and ``/proc`` (the agent
and its ``/proc/<pid>/environ`` are invisible), tmpfs ``/run``, a private ``/tmp``, new pid/ipc/uts
(and, without network, net) namespaces, ``--cap-drop ALL``, ``--die-with-parent`` and the seccomp
filter; inside it the launcher (``python -I -S launcher.py``) applies resource limits, joins the
pids cgroup and applies Landlock, then execs the command. Killing bubblewrap kills the whole pid
namespace, daemons included.

Without bubblewrap (``Strength.REDUCED``) the launcher alone applies Landlock (reads limited to
the system directories and the workspace, ``/proc`` hidden but for this process) and seccomp; it
cannot keep ``.git`` read-only inside a writable root or hide the host's ``/tmp``. With neither,
:func:`prepare` refuses (the caller asks the user instead).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tandem.errors import SandboxError
from tandem.sandbox.cgroup import PidsCgroup
from tandem.sandbox.policy import SandboxPolicy
from tandem.sandbox.probe import Mechanisms, Strength, probe
from tandem.sandbox.seccomp import filter_bpf

LAUNCHER = Path(__file__).with_name("launcher.py")
TANDEM_ROOT = Path(__file__).resolve().parents[3]  # the checkout (editable install) or site-packages' parent
SYSTEM_PYTHON = Path("/usr/bin/python3")


@functools.cache
def launcher_python() -> str:
    """The interpreter for the launcher: the system's ``python3`` when present (distribution builds
    start ~2 ms faster than most virtualenv/pyenv builds; the launcher needs only the standard
    library), else this interpreter."""
    if SYSTEM_PYTHON.exists() and os.access(SYSTEM_PYTHON, os.X_OK):
        return str(SYSTEM_PYTHON)
    return sys.executable


DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx")
MB = 1024 * 1024
HIDDEN_DIRS = ("/var/tmp",)  # host unix sockets often live here; /tmp and /run are replaced too


@dataclass(slots=True)
class Launch:
    """A command ready to spawn: pass ``argv``, ``env`` and ``pass_fds`` to the process runner, then
    call :meth:`close` once it has exited."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    sandboxed: bool = False
    _fds: list[int] = field(default_factory=list)
    _cgroup: PidsCgroup | None = None

    def close(self) -> None:
        """Release the seccomp descriptor and remove the cgroup (killing stragglers). Never raises."""
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("tandem-seccomp", 0)  # no MFD_CLOEXEC: the child inherits it via pass_fds
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _launcher_options(
    policy: SandboxPolicy, cgroup: PidsCgroup | None, read: Sequence[str], write: Sequence[str], seccomp_fd: int | None
) -> list[str]:
    limits = policy.limits
    options = [
        "--cpu",
        str(limits.cpu_seconds),
        "--as",
        str(limits.address_space_mb * MB),
        "--fsize",
        str(limits.file_size_mb * MB),
    ]
    if cgroup is not None:
        options += ["--cgroup", str(cgroup.procs)]
    options.append("--landlock")
    for flag, paths in (("--read", read), ("--write", write), ("--file", DEVICE_FILES)):
        for path in paths:
            options += [flag, path]
    if policy.network:
        options.append("--net")
    if seccomp_fd is not None:
        options += ["--seccomp-fd", str(seccomp_fd)]
    return options


def _reduced_read_paths(policy: SandboxPolicy) -> list[str]:
    paths = [str(entry) for entry in Path("/").iterdir() if entry.name not in ("proc", "sys")]
    # "/proc/self" is opened by the launcher itself, so the rule covers the launcher's own /proc entry.
    return [
        *paths,
        "/proc/self",
        "/proc/cpuinfo",
        "/proc/meminfo",
        "/proc/stat",
        "/proc/loadavg",
        "/proc/sys/kernel",
        "/sys/devices/system/cpu",
    ]


def _bwrap_argv(bwrap: str, policy: SandboxPolicy, cwd: Path, seccomp_fd: int, cgroup: PidsCgroup | None) -> list[str]:
    argv = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/run",
    ]
    for hidden in HIDDEN_DIRS:  # host unix sockets live here (connect() ignores read-only mounts)
        if Path(hidden).is_dir() and not Path(hidden).is_symlink():
            argv += ["--tmpfs", hidden]
    if not policy.network:
        argv.append("--unshare-net")
    if policy.private_tmp is not None:
        argv += ["--bind", str(policy.private_tmp), "/tmp"]
    else:
        argv += ["--tmpfs", "/tmp", "--remount-ro", "/tmp"]
    # The workspace, Tandem's own installation and this Python's environment stay visible (read-only)
    # even when they live under a directory the sandbox replaces, e.g. a checkout under /tmp.
    for needed in dict.fromkeys((cwd, TANDEM_ROOT, Path(sys.prefix).resolve())):
        if any(needed.is_relative_to(hidden) for hidden in ("/tmp", "/run", *HIDDEN_DIRS)):
            argv += ["--ro-bind", str(needed), str(needed)]
    for root in policy.writable_roots:
        argv += ["--bind", str(root), str(root)]
    for path in policy.read_only_subpaths:
        argv += ["--ro-bind", str(path), str(path)]
    for path in policy.missing_protected:
        argv += ["--tmpfs", str(path), "--remount-ro", str(path)]
    if cgroup is not None:
        argv += ["--bind", str(cgroup.procs), str(cgroup.procs)]
    return [*argv, "--chdir", str(cwd), "--seccomp", str(seccomp_fd), "--"]


def prepare(
    command: Sequence[str],
    policy: SandboxPolicy,
    cwd: Path,
    env: Mapping[str, str],
    mechanisms: Mechanisms | None = None,
) -> Launch:
    """Wrap ``command`` (argv) so it runs under ``policy``.

    Raises:
        SandboxError: the policy needs a sandbox and this machine has none (see ``tandem doctor``),
            or setting it up failed.
    """
    child_env = dict(env)
    if not policy.sandboxed:
        return Launch(list(command), child_env)
    found = mechanisms or probe()
    if found.strength is Strength.NONE:
        raise SandboxError(
            "no sandbox is available on this machine ("
            + "; ".join(found.problems)
            + "); commands need approval or danger-full-access"
        )
    cgroup = PidsCgroup(found.pids_cgroup, policy.limits.max_pids) if found.pids_cgroup else None
    launch = Launch([], child_env, sandboxed=True, _cgroup=cgroup)
    try:
        seccomp_fd = _memfd(filter_bpf(policy.network))
        launch._fds.append(seccomp_fd)
        launch.pass_fds = (seccomp_fd,)
        writable = [str(root) for root in policy.writable_roots]
        if found.bwrap:
            writable += ["/tmp", "/dev/shm"] if policy.private_tmp is not None else ["/dev/shm"]
            prefix = _bwrap_argv(found.bwrap, policy, cwd, seccomp_fd, cgroup)
            options = _launcher_options(policy, cgroup, ["/"], writable, None)
        else:
            if policy.private_tmp is not None:
                writable.append(str(policy.private_tmp))
                child_env["TMPDIR"] = str(policy.private_tmp)
            prefix = []
            options = _launcher_options(
                policy, cgroup, _reduced_read_paths(policy), [*writable, "/dev/shm"], seccomp_fd
            )
        launch.argv = [*prefix, launcher_python(), "-I", "-S", str(LAUNCHER), *options, "--", *command]
    except (OSError, SandboxError) as exc:
        launch.close()
        raise SandboxError(f"cannot set up the sandbox: {exc}") from exc
    return launch
