"""Normal work still works sandboxed (through ``tandem sandbox``, default workspace-write).

Expectation for git (policy.py ``_protected``): ``.git`` is read-only only when it exists as the
command starts. So in a fresh folder ``git init && git add && git commit`` works in ONE command,
and from the next command on the new ``.git`` is protected: ``git status``/``log``/``diff`` work,
``git commit`` fails with "Read-only file system" (the user commits, or approves running it
outside the sandbox). In an existing repository, commits always need that approval.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from sandbox_attacks import PY, Arena, KnownBug, describe

GIT_ID = "-c user.name=Tandem -c user.email=tandem@example.com"


def test_git_init_add_commit_in_a_fresh_workspace(arena: Arena) -> None:
    (arena.work / "app.py").write_text("print('hi')\n")
    done = arena.sh(f"git init -q . && git add -A && git {GIT_ID} commit -qm init && git log --oneline")
    assert done.returncode == 0 and "init" in done.stdout, describe(done)
    status = arena.sh("git status --short && git log --oneline && git diff --stat")
    assert status.returncode == 0 and "init" in status.stdout, describe(status)
    (arena.work / "app.py").write_text("print('changed')\n")
    commit = arena.sh(f"git {GIT_ID} commit -qam second")
    assert commit.returncode != 0 and "Read-only file system" in commit.stderr, describe(commit)
    assert (
        "second"
        not in subprocess.run(
            ["git", "log", "--oneline"], cwd=arena.work, capture_output=True, text=True, check=True
        ).stdout
    )


def test_git_status_in_an_existing_repository(arena: Arena) -> None:
    (arena.work / "a.txt").write_text("a\n")
    subprocess.run(
        ["bash", "-c", f"git init -q . && git add -A && git {GIT_ID} commit -qm one"], cwd=arena.work, check=True
    )
    (arena.work / "a.txt").write_text("b\n")
    done = arena.sh("git status --short && git diff")
    assert done.returncode == 0 and " M a.txt" in done.stdout and "+b" in done.stdout, describe(done)


MULTIPROCESSING = """
import multiprocessing as mp

def square(n):
    return n * n

def produce(queue):
    queue.put("from-child")

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(sum(pool.map(square, range(10))))
    queue = mp.Queue()
    worker = mp.Process(target=produce, args=(queue,))
    worker.start()
    print(queue.get())
    worker.join()
    lock = mp.Lock()  # a POSIX semaphore in /dev/shm
    with lock:
        print("locked")
"""


def test_multiprocessing_pool_queue_and_semaphores(arena: Arena) -> None:
    (arena.work / "mp.py").write_text(MULTIPROCESSING)
    done = arena.tandem(PY, "mp.py")
    assert done.stdout.split() == ["285", "from-child", "locked"], describe(done)


def test_compile_and_run_c(arena: Arena) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    (arena.work / "hello.c").write_text('#include <stdio.h>\nint main(void) { puts("hello from C"); return 0; }\n')
    done = arena.sh("gcc -O1 -o hello hello.c && ./hello")
    assert done.returncode == 0 and done.stdout == "hello from C\n", describe(done)


def build_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel (no network, no build backend)."""
    directory.mkdir()
    files = {
        "tandem_sec_demo/__init__.py": 'VALUE = "installed-offline"\n',
        "tandem_sec_demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tandem-sec-demo\nVersion: 1.0\n",
        "tandem_sec_demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tandem-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append("tandem_sec_demo-1.0.dist-info/RECORD,,")
    files["tandem_sec_demo-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / "tandem_sec_demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def test_pip_install_into_a_workspace_venv(arena: Arena) -> None:
    build_wheel(arena.work / "wheels")
    script = (
        f"{PY} -m venv .venv && .venv/bin/python -m pip install -q --no-index --find-links wheels "
        "tandem-sec-demo && .venv/bin/python -c 'import tandem_sec_demo; print(tandem_sec_demo.VALUE)'"
    )
    done = arena.sh(
        script, config=["sandbox_workspace_write.network_access=true"], env={"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("installed-offline"), describe(done)


def test_tmp_and_tmpdir_are_writable(arena: Arena, tmp_path: Path) -> None:
    tmpdir = tmp_path / "my-tmpdir"
    tmpdir.mkdir()
    in_tmp = f"/tmp/tandem-sec-{uuid.uuid4().hex}.txt"
    code = (
        f"import tempfile, pathlib, os; pathlib.Path({in_tmp!r}).write_text('a'); "
        "pathlib.Path(os.environ['TMPDIR'], 'in-tmpdir.txt').write_text('b'); "
        f"print(open({in_tmp!r}).read(), tempfile.mkstemp()[1].startswith(os.environ['TMPDIR']))"
    )
    done = arena.py(code, env={"TMPDIR": str(tmpdir)})
    assert done.stdout.split() == ["a", "True"], describe(done)
    assert (tmpdir / "in-tmpdir.txt").read_text() == "b"  # $TMPDIR is a writable root: shared with the host
    assert not Path(in_tmp).exists()  # /tmp is private to the command (the thread)


def test_commands_start_with_default_signal_dispositions(arena: Arena) -> None:
    # Only SIGPIPE (13) and SIGXFSZ (25) matter here: whatever else the caller ignores is inherited as is.
    watched = (1 << (13 - 1)) | (1 << (25 - 1))

    def ignored(result: subprocess.CompletedProcess[str]) -> int:
        return int(result.stdout.split()[1], 16) & watched

    control = arena.sh("grep ^SigIgn /proc/self/status", sandbox=False)
    assert ignored(control) == 0, describe(control)
    done = arena.sh("grep ^SigIgn /proc/self/status")
    if ignored(done):
        raise KnownBug(describe(done))
