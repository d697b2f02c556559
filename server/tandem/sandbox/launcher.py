"""The inner sandbox launcher: applies limits, Landlock and seccomp to itself, then execs the command.

Run as ``python -I -S launcher.py [OPTIONS] -- CMD ARGS...`` (standalone: a few standard-library
modules only — no site-packages, no json/re/argparse — so it starts in a few milliseconds). Options:

* ``--cpu SECONDS``, ``--as BYTES``, ``--fsize BYTES``: resource limits (0 = unchanged);
* ``--cgroup FILE``: a ``cgroup.procs`` file to join (the pids cgroup of this command);
* ``--landlock``: apply Landlock with the following rules: ``--read PATH`` (read/execute beneath),
  ``--write PATH`` (everything beneath), ``--file PATH`` (a device file to read/write/ioctl),
  ``--net`` (TCP allowed; otherwise denied with ABI >= 4). With ABI >= 6 the command is also scoped:
  no signals to, and no abstract unix sockets of, processes outside the sandbox;
* ``--seccomp-fd FD``: an inherited file descriptor holding a compiled BPF filter to install (when
  bubblewrap has not installed it already).

Rules and ABI: Linux ``landlock.h`` (rulesets, path-beneath rules, scopes) and ``seccomp(2)``.
Exit status 126 with a message on stderr when the sandbox cannot be applied (never runs the
command unsandboxed), 127 when the command is not found.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import struct
import sys

SYS = {
    "x86_64": {"landlock_create_ruleset": 444, "landlock_add_rule": 445, "landlock_restrict_self": 446, "seccomp": 317},
    "aarch64": {
        "landlock_create_ruleset": 444,
        "landlock_add_rule": 445,
        "landlock_restrict_self": 446,
        "seccomp": 277,
    },
}
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
FS_MAKE_SYM, FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class LaunchError(Exception):
    """The sandbox could not be applied."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _syscall(libc: ctypes.CDLL, name: str, *args: object) -> int:
    number = SYS.get(os.uname().machine, SYS["x86_64"])[name]
    result = int(libc.syscall(number, *args))
    if result < 0:
        err = ctypes.get_errno()
        raise LaunchError(f"{name} failed: {os.strerror(err)}")
    return result


def apply_rlimits(limits: dict[str, int]) -> None:
    """Set RLIMIT_CPU (seconds), RLIMIT_AS and RLIMIT_FSIZE (bytes); 0 leaves a limit unchanged."""
    for key, which in (("cpu", resource.RLIMIT_CPU), ("as", resource.RLIMIT_AS), ("fsize", resource.RLIMIT_FSIZE)):
        value = int(limits.get(key) or 0)
        if value > 0:
            resource.setrlimit(which, (value, value))


def join_cgroup(procs: str) -> None:
    """Move this process into the cgroup whose ``cgroup.procs`` file is ``procs``."""
    with open(procs, "w") as handle:
        handle.write(str(os.getpid()))


def _landlock_abi(libc: ctypes.CDLL) -> int:
    number = SYS.get(os.uname().machine, SYS["x86_64"])["landlock_create_ruleset"]
    return max(int(libc.syscall(number, None, 0, LANDLOCK_CREATE_RULESET_VERSION)), 0)


def apply_landlock(spec: dict[str, object]) -> int:
    """Restrict this process (and what it execs) to the spec's paths; returns the ABI used (0: none)."""
    libc = _libc()
    abi = _landlock_abi(libc)
    if abi == 0:
        return 0
    handled_fs = FS_BY_ABI.get(abi, FS_BY_ABI[5])
    handled_net = 0 if abi < 4 or spec.get("net") else NET_BIND_TCP | NET_CONNECT_TCP
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("QQQ", handled_fs, handled_net, scoped)
    elif abi >= 4:
        attr = struct.pack("QQ", handled_fs, handled_net)
    else:
        attr = struct.pack("Q", handled_fs)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _syscall(libc, "landlock_create_ruleset", buffer, ctypes.c_size_t(len(attr)), 0)
    try:
        groups = (("read", READ & handled_fs), ("write", handled_fs), ("files", FILE_RIGHTS & handled_fs))
        for key, rights in groups:
            for path in spec.get(key) or []:  # type: ignore[attr-defined]
                _add_path_rule(libc, ruleset, str(path), rights)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _syscall(libc, "landlock_restrict_self", ruleset, 0)
    finally:
        os.close(ruleset)
    return abi


def _add_path_rule(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist needs no rule
    try:
        if not os.path.isdir(path):  # noqa: PTH112 - pathlib costs start-up time here
            rights &= FILE_RIGHTS
        attr = struct.pack("=Qi", rights, fd)
        buffer = ctypes.create_string_buffer(attr, len(attr))
        _syscall(libc, "landlock_add_rule", ruleset, LANDLOCK_RULE_PATH_BENEATH, buffer, 0)
    finally:
        os.close(fd)


def apply_seccomp(fd: int) -> None:
    """Install the BPF filter read from ``fd`` (``struct sock_filter`` records of 8 bytes); closes ``fd``."""
    with os.fdopen(fd, "rb") as handle:
        program = handle.read()
    if not program or len(program) % 8:
        raise LaunchError("seccomp filter file is empty or malformed")
    libc = _libc()
    filters = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(filters))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise LaunchError("cannot set no_new_privs")
    _syscall(libc, "seccomp", SECCOMP_SET_MODE_FILTER, 0, fprog_buffer)


def parse(argv: list[str]) -> tuple[dict[str, object], list[str]]:
    """Split ``argv`` (without the program name) into a spec and the command.

    Raises:
        ValueError: malformed options or no command.
    """
    spec: dict[str, object] = {"read": [], "write": [], "files": []}
    rest = list(argv)
    while rest and rest[0] != "--":
        option = rest.pop(0)
        if option in ("--landlock", "--net"):
            spec[option[2:]] = True
            continue
        if not rest:
            raise ValueError(f"{option} needs a value")
        value = rest.pop(0)
        if option in ("--read", "--write", "--file"):
            paths = spec[option[2:] + ("s" if option == "--file" else "")]
            assert isinstance(paths, list)
            paths.append(value)
        elif option in ("--cpu", "--as", "--fsize", "--seccomp-fd"):
            spec[option[2:]] = int(value)
        elif option == "--cgroup":
            spec["cgroup"] = value
        else:
            raise ValueError(f"unknown option {option}")
    if len(rest) < 2:
        raise ValueError("no command after --")
    return spec, rest[1:]


def main(argv: list[str]) -> int:
    """Apply the options, then exec the command; returns only on failure."""
    try:
        spec, command = parse(argv[1:])
        apply_rlimits({key: int(spec.get(key) or 0) for key in ("cpu", "as", "fsize")})  # type: ignore[call-overload]
        if spec.get("cgroup"):
            join_cgroup(str(spec["cgroup"]))
        if spec.get("landlock"):
            apply_landlock(spec)
        if spec.get("seccomp-fd") is not None:
            apply_seccomp(int(spec["seccomp-fd"]))  # type: ignore[call-overload]
    except (LaunchError, OSError, ValueError) as exc:
        sys.stderr.write(f"tandem sandbox: cannot apply the sandbox: {exc}\n")
        return 126
    # Python ignores SIGPIPE and SIGXFSZ at start-up and exec keeps ignored signals ignored: give the
    # command the defaults (so `yes | head -1` ends quietly and the file-size limit raises SIGXFSZ).
    for signum in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(signum, signal.SIG_DFL)
    try:
        os.execvp(command[0], command)
    except FileNotFoundError:
        sys.stderr.write(f"tandem sandbox: {command[0]}: command not found\n")
        return 127
    except OSError as exc:
        sys.stderr.write(f"tandem sandbox: cannot run {command[0]}: {exc.strerror}\n")
        return 126


if __name__ == "__main__":
    sys.exit(main(sys.argv))
