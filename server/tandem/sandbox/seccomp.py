"""The seccomp filter of sandboxed commands, compiled to classic BPF with libseccomp (pyseccomp).

Denied with EPERM (docs/reference-facts.md §3: layers that namespaces and Landlock do not cover):

* ``ptrace``, ``process_vm_readv/writev`` — no inspecting or driving other processes (the agent);
* ``io_uring_setup/enter/register`` — io_uring bypasses seccomp checks of the operations it runs;
* ``bpf``, ``perf_event_open``, ``userfaultfd``, ``keyctl``, ``add_key``, ``request_key`` — kernel
  attack surface and the keyring;
* new user namespaces (``unshare``/``clone`` with ``CLONE_NEWUSER``; ``clone3``, whose flags a
  filter cannot read, fails with ENOSYS so libc falls back to ``clone``) — namespaced "root" is more
  kernel attack surface;
* sockets: with the network off, every ``socket``/``socketpair`` whose domain is not ``AF_UNIX``
  (no TCP, UDP/DNS, raw, netlink or vsock); with the network on, still ``AF_PACKET``, ``AF_VSOCK``
  and ``SOCK_RAW``.

Syscalls of other architectures (e.g. 32-bit x86 on x86_64) kill the process (libseccomp's default
bad-arch action). The filter is loaded by bubblewrap (``--seccomp FD``) or by the inner launcher.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile
from pathlib import Path

from tandem.errors import SandboxError

AF_UNIX = 1
AF_PACKET = 17
AF_VSOCK = 40
SOCK_RAW = 3
SOCK_TYPE_MASK = 0xF
CLONE_NEWUSER = 0x10000000

ALWAYS_DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
)


RULES_VERSION = 2  # bump when the rules below change: it keys the on-disk cache


def _cache_file(network: bool) -> Path:
    home = os.environ.get("TANDEM_HOME")
    base = (Path(home) if home else Path.home() / ".tandem") / "cache"
    return base / f"seccomp-v{RULES_VERSION}-{os.uname().machine}-{'net' if network else 'nonet'}.bpf"


@functools.cache
def filter_bpf(network: bool) -> bytes:
    """The compiled filter (a ``struct sock_filter[]`` image) for the given network setting.

    Compiled once per machine and kept in ``$TANDEM_HOME/cache`` (read-only to sandboxed commands),
    so later processes skip loading libseccomp.

    Raises:
        SandboxError: libseccomp is not available.
    """
    cache = _cache_file(network)
    try:
        cached = cache.read_bytes()
        if cached and len(cached) % 8 == 0:
            return cached
    except OSError:
        pass
    program = _compile(network)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(program)
        temp.replace(cache)
    except OSError:
        pass
    return program


def _compile(network: bool) -> bytes:
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:
        raise SandboxError(f"seccomp is unavailable: {exc}") from exc
    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in ALWAYS_DENIED:
        rules.add_rule(deny, name)
    rules.add_rule(deny, "unshare", sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for call in ("socket", "socketpair"):
        if network:
            rules.add_rule(deny, call, sc.Arg(0, sc.EQ, AF_PACKET))
            rules.add_rule(deny, call, sc.Arg(0, sc.EQ, AF_VSOCK))
            rules.add_rule(deny, call, sc.Arg(1, sc.MASKED_EQ, SOCK_TYPE_MASK, SOCK_RAW))
        else:
            rules.add_rule(deny, call, sc.Arg(0, sc.NE, AF_UNIX))
    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.seek(0)
        return handle.read()
