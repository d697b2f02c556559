"""Secrets, other processes, terminals, and processes that try to outlive their command.

Layers (observed): the environment is scrubbed before any sandbox (``*KEY*`` ``*SECRET*``
``*TOKEN*`` ``*PASSWORD*`` + ``[shell_environment_policy] exclude``); the agent and every host
process are invisible in the sandbox's pid namespace and fresh ``/proc`` (ESRCH/ENOENT); the
sandbox's own pid 1 (bubblewrap, the command's parent) is outside the Landlock domain, so signals
to it and ptrace-style access are refused (EPERM/EACCES), and ``ptrace`` itself is refused by the
seccomp filter; TIOCSTI fails because bubblewrap starts a new session (no controlling terminal)
and no capability is left. Processes die with the pid namespace (bubblewrap is its init) and the
pids cgroup is emptied when the command ends.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sandbox_attacks import (
    PY,
    RUN_TIMEOUT_S,
    Arena,
    Escaped,
    Harness,
    attack,
    grep_pattern,
    kill_markers,
    new_marker,
    survivors,
)

from tandem.protocol.enums import SandboxMode

from helpers import last_outputs, message, respond, shell

SECRETS = {
    "OPENAI_API_KEY": "sk-sec-openai",
    "GITHUB_TOKEN": "ghp-sec-github",
    "AWS_SECRET_ACCESS_KEY": "aws-sec-secret",
    "DB_PASSWORD": "db-sec-password",
    "my_service_api_key": "svc-sec-key",  # names are matched case-insensitively
    "CI_JOB_TOKEN_2": "ci-sec-token",
    "CLOUD_CREDENTIALS": "cloud-sec-credentials",  # only with the configured exclude
}
EXCLUDE = 'shell_environment_policy.exclude=["*_CREDENTIALS*"]'


def test_secrets_are_not_in_the_environment_of_commands(arena: Arena) -> None:
    env = {**arena.env, **SECRETS, "TANDEM_SEC_VISIBLE": "visible-value"}
    control = subprocess.run(["env"], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=True)
    assert all(value in control.stdout for value in SECRETS.values())  # a plain child sees them all
    for sandbox in (True, False):  # scrubbing does not depend on the sandbox
        done = arena.tandem("env", sandbox=sandbox, config=[EXCLUDE], env=env)
        assert done.returncode == 0, done.stderr
        leaked = [name for name, value in SECRETS.items() if value in done.stdout]
        if leaked:
            raise Escaped(f"secrets in the command's environment: {leaked}")
        assert "TANDEM_SEC_VISIBLE=visible-value" in done.stdout
        assert f"TANDEM_SANDBOX={'workspace-write' if sandbox else 'danger-full-access'}" in done.stdout


READ_ENVIRON = """
import glob, os, sys
secret, agent = sys.argv[1].encode(), sys.argv[2]
paths = [f"/proc/{os.getppid()}/environ", f"/proc/{agent}/environ", *sorted(glob.glob("/proc/[0-9]*/environ"))]
found = []
for path in paths:
    try:
        with open(path, "rb") as handle:
            if secret in handle.read():
                found.append(path)
    except OSError as exc:
        print(path, exc.strerror, file=sys.stderr)
print("FOUND" if found else "NOT-FOUND", found)
"""


def test_reading_the_agents_environ_through_proc(arena: Arena, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test process and the ``tandem`` process it starts play the agent: both hold a secret in
    their environment (scrubbed from the command's own environment by its name)."""
    secret = f"agent-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("AGENT_SESSION_TOKEN", secret)
    env = {**arena.env, "AGENT_SESSION_TOKEN": secret}
    attack(
        lambda sandbox: arena.tandem(PY, "-c", READ_ENVIRON, secret, str(os.getpid()), sandbox=sandbox, env=env),
        lambda done: "FOUND" in done.stdout.split(),
        what="read /proc/<agent>/environ",
    )


@pytest.fixture
def victim(markers: list[str]) -> subprocess.Popen[bytes]:
    """A host process that is not part of the command (it plays another of the user's programs)."""
    marker = new_marker("victim")
    markers.append(marker)
    return subprocess.Popen(["bash", "-c", f"exec -a {marker} sleep 1000"], start_new_session=True)


def test_signal_a_host_process(arena: Arena, victim: subprocess.Popen[bytes]) -> None:
    script = f"kill -KILL {victim.pid} && echo SIGNALLED"
    attack(
        lambda sandbox: arena.sh(script, sandbox=sandbox),
        lambda done: "SIGNALLED" in done.stdout,
        what="kill a host process",
    )
    assert victim.wait(timeout=RUN_TIMEOUT_S) == -signal.SIGKILL  # the control really killed it


def test_signal_the_parent(arena: Arena, tmp_path: Path) -> None:
    """``kill -TERM $PPID``: unsandboxed the parent is the ``tandem`` process, which dies of it;
    sandboxed it is bubblewrap, pid 1 of the namespace, outside the Landlock domain."""
    results: dict[bool, subprocess.CompletedProcess[str]] = {}

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        # the killed control cannot remove its private /tmp: let it make it in tmp_path
        env = {} if sandbox else {"TMPDIR": str(tmp_path)}
        results[sandbox] = arena.sh("kill -TERM $PPID && echo SIGNALLED", sandbox=sandbox, env=env)
        return results[sandbox]

    attack(run, lambda done: "SIGNALLED" in done.stdout, what="kill the parent")
    assert results[False].returncode == -signal.SIGTERM  # the unsandboxed tandem process was killed
    assert results[True].returncode == 1  # the sandboxed one reported the command's own failure


TRACE = """
import ctypes, os, sys
target = os.getppid() if sys.argv[1] == "parent" else int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[2] == "ptrace":
    if libc.ptrace(0x4206, target, None, None) != 0:  # PTRACE_SEIZE: attaches without stopping
        sys.exit("ptrace: " + os.strerror(ctypes.get_errno()))
    print("TRACED")  # exiting detaches
else:
    with open(f"/proc/{target}/maps") as maps:
        start = int(maps.readline().split("-")[0], 16)
    with open(f"/proc/{target}/mem", "rb") as mem:
        mem.seek(start)
        mem.read(16)
    print("TRACED")
"""


@pytest.mark.parametrize("how", ["ptrace", "proc-mem"])
@pytest.mark.parametrize("target", ["parent", "host-process"])
def test_trace_another_process(arena: Arena, victim: subprocess.Popen[bytes], how: str, target: str) -> None:
    who = "parent" if target == "parent" else str(victim.pid)
    sandboxed, _ = attack(
        lambda sandbox: arena.tandem(PY, "-c", TRACE, who, how, sandbox=sandbox),
        lambda done: "TRACED" in done.stdout,
        what=f"{how} {target}",
    )
    assert sandboxed.returncode != 0


INJECT = """
import fcntl, termios
for byte in b"echo INJECTED-BY-COMMAND\\n":
    fcntl.ioctl(0, termios.TIOCSTI, bytes([byte]))
print("INJECTED")
"""


def test_tiocsti_into_the_users_terminal(arena: Arena) -> None:
    """CVE-2017-5226 style: push keystrokes into the terminal ``tandem sandbox`` was started from,
    for the user's shell to run after the command ends. The pty's slave is the controlling
    terminal of ``tandem`` (``setsid --ctty``) and the command's stdin."""
    setsid = shutil.which("setsid")
    assert setsid

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        master, slave = os.openpty()
        try:
            done = subprocess.run(
                [setsid, "--ctty", *arena.argv(PY, "-c", INJECT, sandbox=sandbox)],
                stdin=slave,
                capture_output=True,
                text=True,
                cwd=arena.work,
                env=arena.env,
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
            fcntl.fcntl(slave, fcntl.F_SETFL, os.O_NONBLOCK)
            try:
                queued = os.read(slave, 4096)  # what the user's shell would read next
            except BlockingIOError:
                queued = b""
            done.stdout += f"\nqueued={queued!r}"
            return done
        finally:
            os.close(master)
            os.close(slave)

    sandboxed, _ = attack(run, lambda done: "INJECTED-BY-COMMAND" in done.stdout.split("queued=")[-1], what="TIOCSTI")
    assert "INJECTED" not in sandboxed.stdout.split("queued=")[0]


# --- processes that try to outlive the command ------------------------------------------------------


def linger_script(marks: dict[str, str], *, exit_ok: bool) -> str:
    """Start ``m1`` (setsid), ``m2`` (nohup) and ``m3`` (environment cleared, new session, orphaned:
    invisible to the unsandboxed clean-up), all ignoring SIGTERM; wait until all three run; then
    either exit 0 (a daemon left behind) or become ``m0`` and block (killed by the timeout)."""
    setsid, bash, sleep = (shutil.which(name) for name in ("setsid", "bash", "sleep"))
    waits = " ".join(grep_pattern(marks[name]) for name in ("m1", "m2", "m3"))
    end = "exit 0" if exit_ok else f"exec -a {marks['m0']} sleep 1000"
    return (
        f"trap '' TERM HUP\n"
        f"setsid bash -c 'exec -a {marks['m1']} sleep 1000' >/dev/null 2>&1 &\n"
        f"nohup bash -c 'exec -a {marks['m2']} sleep 1000' >/dev/null 2>&1 &\n"
        f"(env -i {setsid} {bash} -c 'exec -a {marks['m3']} {sleep} 1000' >/dev/null 2>&1 &)\n"
        f'for p in {waits}; do until grep -qsa "$p" /proc/[0-9]*/cmdline; do sleep 0.02; done; done\n'
        f"echo all-started\n{end}\n"
    )


def new_marks(markers: list[str], names: tuple[str, ...] = ("m0", "m1", "m2", "m3")) -> dict[str, str]:
    marks = {name: new_marker(name) for name in names}
    markers.extend(marks.values())
    return marks


async def linger_in_agent(
    agent: Callable[..., Harness], marks: dict[str, str], sandbox: SandboxMode | None, *, exit_ok: bool
) -> str:
    """Run the lingering script through the shell tool; returns the tool output. With a timeout, a
    machine too slow to start everything in time is retried with a doubled timeout."""
    timeout_ms = 1500
    for _ in range(7):
        kill_markers(list(marks.values()))
        extra: dict[str, Any] = {} if exit_ok else {"timeout_ms": timeout_ms}
        h = agent(
            [respond(shell(linger_script(marks, exit_ok=exit_ok), **extra)), respond(message("ok"))], sandbox=sandbox
        )
        await h.turn()
        output = last_outputs(h.bodies()[1])[0]
        if "all-started" in output:
            return output
        timeout_ms *= 2
    raise AssertionError(f"the command never got to start its processes: {output}")


async def test_sigterm_ignoring_setsid_and_nohup_children_die_with_a_timed_out_command(
    agent: Callable[..., Harness], markers: list[str]
) -> None:
    marks = new_marks(markers)
    output = await linger_in_agent(agent, marks, None, exit_ok=False)
    assert output.startswith("Exit code: 124"), output
    alive = survivors(list(marks.values()))
    if alive:
        raise Escaped(f"processes outlived the timed-out sandboxed command: {alive}")
    control = await linger_in_agent(agent, marks, SandboxMode.DANGER_FULL_ACCESS, exit_ok=False)
    assert control.startswith("Exit code: 124"), control
    assert marks["m3"] in survivors([marks["m3"]], settle_s=0), (
        "control: without the sandbox the orphaned, environment-less child should have escaped"
    )


async def test_daemon_left_by_a_successful_command_dies_shell_tool(
    agent: Callable[..., Harness], markers: list[str]
) -> None:
    marks = new_marks(markers, ("m1", "m2", "m3"))
    output = await linger_in_agent(agent, marks, None, exit_ok=True)
    assert output.startswith("Exit code: 0"), output
    alive = survivors(list(marks.values()))
    if alive:
        raise Escaped(f"daemons outlived the sandboxed command: {alive}")
    control = await linger_in_agent(agent, marks, SandboxMode.DANGER_FULL_ACCESS, exit_ok=True)
    assert control.startswith("Exit code: 0"), control
    assert marks["m3"] in survivors([marks["m3"]], settle_s=0), "control: the daemon should have survived"


def test_daemon_left_by_a_successful_command_dies_cli(arena: Arena, markers: list[str]) -> None:
    """``(sleep 1000 &)`` and friends, then exit 0, through ``tandem sandbox``: the CLI itself kills
    nothing, so without the sandbox all of them survive."""
    marks = new_marks(markers, ("m1", "m2", "m3"))
    script = linger_script(marks, exit_ok=True)
    settle = {True: 15.0, False: 0.0}  # sandboxed: give the dying time to go; control: look at once
    ran: list[bool] = []

    def run(sandbox: bool) -> subprocess.CompletedProcess[str]:
        ran.append(sandbox)
        done = arena.sh(script, sandbox=sandbox)
        assert "all-started" in done.stdout and done.returncode == 0, done.stderr
        return done

    attack(run, lambda _: bool(survivors(list(marks.values()), settle_s=settle[ran[-1]])), what="daemon after exit 0")


def test_marker_helper_sees_processes_inside_the_sandbox(arena: Arena, markers: list[str]) -> None:
    """Self-check of the method: a process in the sandbox's pid namespace is found by its marker."""
    marker = new_marker("self-check")
    markers.append(marker)
    fifo = arena.work / "fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        arena.argv("bash", "-c", f"exec -a {marker} cat fifo"),
        cwd=arena.work,
        env=arena.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:  # a FIFO opens for writing only once its reader (the sandboxed `cat`) has it open
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                assert exc.errno == errno.ENXIO and proc.poll() is None, exc
                time.sleep(0.01)
        assert survivors([marker], settle_s=0), "the sandboxed process is not visible by its marker"
        os.write(writer, b"bye\n")
        os.close(writer)
        assert proc.wait(timeout=RUN_TIMEOUT_S) == 0
    finally:
        proc.kill()
        proc.wait()
