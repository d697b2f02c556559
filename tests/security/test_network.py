"""Network and IPC with the network off (the default).

Layers (observed): every ``socket()`` whose family is not AF_UNIX fails with EPERM (the seccomp
filter) — behind it, the command has its own network namespace (no route to the host's loopback)
and Landlock (ABI >= 4) refuses TCP connect/bind. io_uring is refused by seccomp. Unix sockets:
the host's ``/tmp`` and ``/dev/shm`` are replaced by private ones (ENOENT); abstract sockets live in
the network namespace (ECONNREFUSED) and, with the network on, Landlock's abstract-socket scope
refuses them (EPERM). A named socket anywhere else on the read-only root is reachable: a hole.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_attacks import PY, Arena, attack

NETWORK_ON = "sandbox_workspace_write.network_access=true"


def pending(listener: socket.socket) -> bool:
    """Whether a connection is waiting in ``listener``'s backlog (accepts and closes it).

    A connect() that returned in the attacking process has already put its connection in the
    backlog, so looking after that process exited is deterministic (no waiting)."""
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@contextlib.contextmanager
def stream_listener(family: int, address: str | tuple[str, int]) -> Iterator[socket.socket]:
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.bind(address)
        listener.listen(16)
        listener.setblocking(False)
        yield listener
    finally:
        listener.close()
        if isinstance(address, str) and not address.startswith("\0"):
            with contextlib.suppress(FileNotFoundError):
                Path(address).unlink()


CONNECT = """
import socket, sys
family = {"inet": socket.AF_INET, "unix": socket.AF_UNIX}[sys.argv[1]]
address = (sys.argv[2], int(sys.argv[3])) if family == socket.AF_INET else sys.argv[2].replace("@", "\\0", 1)
s = socket.socket(family, socket.SOCK_STREAM)
s.connect(address)
s.sendall(b"pwned")
print("CONNECTED")
"""


def test_tcp_connect_to_a_host_listener(arena: Arena) -> None:
    with stream_listener(socket.AF_INET, ("127.0.0.1", 0)) as listener:
        port = str(listener.getsockname()[1])
        attack(
            lambda sandbox: arena.tandem(PY, "-c", CONNECT, "inet", "127.0.0.1", port, sandbox=sandbox),
            lambda _: pending(listener),
            what="tcp connect",
        )


def test_tcp_allowed_only_when_network_access_is_on(arena: Arena) -> None:
    """Positive control of the setting: with ``network_access = true`` the same connect works."""
    with stream_listener(socket.AF_INET, ("127.0.0.1", 0)) as listener:
        port = str(listener.getsockname()[1])
        done = arena.tandem(PY, "-c", CONNECT, "inet", "127.0.0.1", port, config=[NETWORK_ON])
        assert "CONNECTED" in done.stdout and pending(listener), done.stderr


DNS = """
import socket, struct, sys
try:
    socket.getaddrinfo("tandem-sec.example.com", 443)
    print("RESOLVED")
except OSError as exc:
    print("getaddrinfo:", exc)
query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(label)]) + label.encode() for label in "tandem-sec.example.com".split(".")) + b"\\0\\0\\1\\0\\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(query, ("127.0.0.1", int(sys.argv[1])))
print("SENT")
"""


def test_udp_dns_query_to_a_host_resolver(arena: Arena) -> None:
    """DNS is UDP: a fake resolver on the host's loopback must receive nothing (getaddrinfo fails
    inside as well; the machine may have no real DNS, so the query is sent explicitly too)."""
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    resolver.bind(("127.0.0.1", 0))
    resolver.setblocking(False)

    def received(_: object) -> bool:
        try:
            data, _ = resolver.recvfrom(4096)
        except BlockingIOError:
            return False
        return b"tandem-sec" in data

    try:
        port = str(resolver.getsockname()[1])
        sandboxed, _ = attack(
            lambda sandbox: arena.tandem(PY, "-c", DNS, port, sandbox=sandbox), received, what="udp/dns"
        )
        assert "RESOLVED" not in sandboxed.stdout
    finally:
        resolver.close()


OPEN = """
import ctypes, os, socket, sys
kind = sys.argv[1]
if kind == "io_uring":
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 8, params)  # io_uring_setup (same number on x86_64 and aarch64)
    if fd < 0:
        sys.exit("io_uring_setup: " + os.strerror(ctypes.get_errno()))
    print("OPENED")
    sys.exit(0)
family, type_, proto = {
    "raw-icmp": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "raw-ipv6": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "packet": (socket.AF_PACKET, socket.SOCK_RAW, 0),
    "netlink-route": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
    "netlink-dgram": (socket.AF_NETLINK, socket.SOCK_DGRAM, 0),
    "vsock": (socket.AF_VSOCK, socket.SOCK_STREAM, 0),
    "udp": (socket.AF_INET, socket.SOCK_DGRAM, 0),
}[kind]
s = socket.socket(family, type_, proto)
if kind.startswith("netlink"):
    s.bind((0, 0))
    request = (b"\\x20\\0\\0\\0" + b"\\x12\\0" + b"\\x01\\x03" + b"\\0" * 8) + b"\\0" * 16  # RTM_GETLINK dump
    s.send(request)
    print("REPLY", len(s.recv(65536)))
print("OPENED")
"""

OFF_KINDS = ["raw-icmp", "raw-ipv6", "packet", "netlink-route", "netlink-dgram", "vsock", "udp", "io_uring"]
ON_KINDS = ["raw-icmp", "packet", "netlink-route", "vsock", "io_uring"]  # still refused with the network on


@pytest.mark.parametrize(
    ("kind", "network"), [(kind, "off") for kind in OFF_KINDS] + [(kind, "on") for kind in ON_KINDS]
)
def test_sockets_and_io_uring(arena: Arena, kind: str, network: str) -> None:
    config = [NETWORK_ON] if network == "on" else []
    sandboxed, _ = attack(
        lambda sandbox: arena.tandem(PY, "-c", OPEN, kind, sandbox=sandbox, config=config),
        lambda done: "OPENED" in done.stdout,
        what=f"{kind} (network {network})",
    )
    assert "Operation not permitted" in sandboxed.stderr  # refused by seccomp, not by chance


def connect_attack(arena: Arena, path: str, config: list[str] | None = None) -> None:
    family = socket.AF_UNIX
    with stream_listener(family, path) as listener:
        attack(
            lambda sandbox: arena.tandem(
                PY, "-c", CONNECT, "unix", path.replace("\0", "@", 1), sandbox=sandbox, config=config or []
            ),
            lambda _: pending(listener),
            what=f"connect to unix socket {path!r}",
            reset=lambda: None,
        )  # pending() already accepted (drained) the connection


def test_host_unix_socket_in_tmp(arena: Arena, tmp_path: Path) -> None:
    connect_attack(arena, str(tmp_path / "host.sock"))


def test_host_unix_socket_in_dev_shm(arena: Arena) -> None:
    if not os.access("/dev/shm", os.W_OK):
        pytest.skip("/dev/shm is not writable on this machine")
    connect_attack(arena, f"/dev/shm/tandem-sec-{uuid.uuid4().hex[:12]}.sock")


def test_host_unix_socket_outside_tmp(arena: Arena, var_tmp_base: Path) -> None:
    connect_attack(arena, str(var_tmp_base / "host.sock"))


@pytest.mark.parametrize("network", ["off", "on"])
def test_host_abstract_unix_socket(arena: Arena, network: str) -> None:
    config = [NETWORK_ON] if network == "on" else []
    connect_attack(arena, f"\0tandem-sec-{uuid.uuid4().hex}", config)


def test_unix_sockets_inside_the_sandbox_still_work(arena: Arena) -> None:
    """Positive control: AF_UNIX between processes of the command itself is allowed."""
    code = (
        "import socket; a, b = socket.socketpair(); a.sendall(b'ok'); print(b.recv(2).decode()); "
        "s = socket.socket(socket.AF_UNIX); s.bind('/tmp/inner.sock'); s.listen(); "
        "c = socket.socket(socket.AF_UNIX); c.connect('/tmp/inner.sock'); print('inner-connected')"
    )
    done = arena.py(code)
    assert done.stdout.split() == ["ok", "inner-connected"], done.stderr


def test_the_command_has_its_own_network_namespace(arena: Arena) -> None:
    """Behind seccomp: a network namespace of its own (only a loopback, not the host's)."""
    host_namespace = Path("/proc/self/ns/net").readlink()
    done = arena.sh("readlink /proc/self/ns/net && cut -d: -f1 /proc/net/dev | tail -n +3")
    control = arena.sh("readlink /proc/self/ns/net", sandbox=False)
    assert control.stdout.strip() == str(host_namespace)  # unsandboxed: the host's namespace
    namespace, *interfaces = done.stdout.split()
    assert namespace != str(host_namespace) and interfaces == ["lo"], done.stdout


IA32_SOCKET = r"""
#include <stdio.h>
int main(void) {
    long ret;
    /* socket(AF_INET, SOCK_STREAM, 0) through the 32-bit (i386) system call entry point */
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(359), "b"(2), "c"(1), "d"(0) : "memory");
    if (ret < 0) { printf("ERR %ld\n", ret); return 1; }
    printf("OPENED\n");
    return 0;
}
"""


def test_32_bit_system_calls_cannot_bypass_the_filter(arena: Arena) -> None:
    """A 64-bit process may still enter the kernel through ``int 0x80`` with i386 system call numbers,
    which a filter written for x86_64 numbers would not recognise. Layer: libseccomp's architecture
    check kills the process (SIGSYS) on any non-native architecture."""
    if os.uname().machine != "x86_64":
        pytest.skip("the i386 entry point exists only on x86_64")
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed (needed to build the int 0x80 caller)")
    (arena.work / "ia32.c").write_text(IA32_SOCKET)
    subprocess.run(["gcc", "-O0", "-o", "ia32", "ia32.c"], cwd=arena.work, check=True, capture_output=True)
    sandboxed, _ = attack(
        lambda sandbox: arena.tandem("./ia32", sandbox=sandbox),
        lambda done: "OPENED" in done.stdout,
        what="int 0x80 socket()",
    )
    assert sandboxed.returncode == 128 + 31  # SIGSYS
