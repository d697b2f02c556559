"""Which sandbox mechanisms this machine has (probed once per process).

* bubblewrap: the ``bwrap`` binary exists and can build a namespace here (run once);
* Landlock: the ABI version from ``landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)``
  (probing the syscall — ``/sys/kernel/security/lsm`` is often not mounted, docs/reference-facts.md §3);
* seccomp: libseccomp can be loaded (filters are compiled with it, then installed by bwrap or the
  launcher);
* pids cgroup: a writable pids controller (cgroup v2 unified or v1 ``/sys/fs/cgroup/pids``).
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

SYS_LANDLOCK_CREATE_RULESET = 444  # same number on x86_64 and aarch64 (generic syscall table)
LANDLOCK_CREATE_RULESET_VERSION = 1


class Strength(Enum):
    """How strong the sandbox can be on this machine."""

    FULL = "full"  # bubblewrap namespaces + Landlock/seccomp inside
    REDUCED = "reduced"  # no bubblewrap: Landlock + strict seccomp in the launcher only
    NONE = "none"  # neither: sandboxed modes are refused and every command is asked


@dataclass(frozen=True, slots=True)
class Mechanisms:
    """What was found; ``problems`` explains anything missing, for ``tandem doctor``."""

    bwrap: str | None
    landlock_abi: int
    seccomp: bool
    pids_cgroup: Path | None
    problems: tuple[str, ...]

    @property
    def strength(self) -> Strength:
        """The best sandbox these mechanisms allow."""
        if self.bwrap and self.seccomp:
            return Strength.FULL
        if self.landlock_abi >= 1 and self.seccomp:
            return Strength.REDUCED
        return Strength.NONE


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        version = int(libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(version, 0)


def _bwrap_works(path: str) -> str | None:
    try:
        done = subprocess.run(
            [
                path,
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-pid",
                "--unshare-net",
                "--cap-drop",
                "ALL",
                "--die-with-parent",
                "true",
            ],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap at {path} cannot run: {exc}"
    if done.returncode != 0:
        return f"bubblewrap at {path} cannot create namespaces: {done.stderr.decode(errors='replace').strip()}"
    return None


def _seccomp_loads() -> str | None:
    try:
        import pyseccomp  # noqa: F401 - loads libseccomp.so.2 through ctypes
    except (ImportError, OSError) as exc:
        return f"libseccomp is not available ({exc}); install the libseccomp2 package"
    return None


def _pids_cgroup() -> Path | None:
    for candidate in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        usable = (candidate / "cgroup.procs").exists() and os.access(candidate, os.W_OK)
        if usable and (candidate.name == "pids" or "pids" in _read(candidate / "cgroup.controllers")):
            return candidate
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _cache_key() -> str:
    bwrap = shutil.which("bwrap")
    try:
        stat = Path(bwrap).stat() if bwrap else None
    except OSError:
        stat = None
    stamp = f"{stat.st_mtime_ns}:{stat.st_size}" if stat else "-"
    return f"v1|{bwrap}|{stamp}|{os.uname().release}|{os.geteuid()}|{sys.prefix}"


def _cache_file() -> Path:
    home = os.environ.get("TANDEM_HOME")
    return (Path(home) if home else Path.home() / ".tandem") / "cache" / "sandbox-probe.json"


def _load_cached(key: str) -> Mechanisms | None:
    try:
        data = json.loads(_cache_file().read_text("utf-8"))
        if data.get("key") != key:
            return None
        return Mechanisms(
            bwrap=data["bwrap"],
            landlock_abi=int(data["landlock_abi"]),
            seccomp=bool(data["seccomp"]),
            pids_cgroup=Path(data["pids_cgroup"]) if data["pids_cgroup"] else None,
            problems=tuple(data["problems"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(key: str, found: Mechanisms) -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "key": key,
                    "bwrap": found.bwrap,
                    "landlock_abi": found.landlock_abi,
                    "seccomp": found.seccomp,
                    "pids_cgroup": str(found.pids_cgroup) if found.pids_cgroup else None,
                    "problems": list(found.problems),
                }
            ),
            "utf-8",
        )
    except OSError:
        pass


@functools.cache
def probe() -> Mechanisms:
    """What this machine has: from a cache in ``$TANDEM_HOME/cache`` keyed by the bwrap binary, the
    kernel release and the user, else probed (and cached). Later calls return the same answer."""
    key = _cache_key()
    cached = _load_cached(key)
    if cached is not None and cached.bwrap in (None, shutil.which("bwrap")):  # never trust a forged path
        return cached
    found = probe_now()
    _store(key, found)
    return found


def probe_now() -> Mechanisms:
    """Probe every mechanism now (``tandem doctor`` does; it also refreshes the cache)."""
    problems: list[str] = []
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        problems.append("bubblewrap (bwrap) is not installed; install the bubblewrap package")
    else:
        failure = _bwrap_works(bwrap)
        if failure:
            problems.append(failure)
            bwrap = None
    abi = landlock_abi()
    if abi == 0:
        problems.append("the kernel has no Landlock (or it is disabled)")
    seccomp_problem = _seccomp_loads()
    if seccomp_problem:
        problems.append(seccomp_problem)
    cgroup = _pids_cgroup()
    if cgroup is None:
        problems.append("no writable pids cgroup: fork bombs are bounded only by the command timeout")
    return Mechanisms(
        bwrap=bwrap, landlock_abi=abi, seccomp=seccomp_problem is None, pids_cgroup=cgroup, problems=tuple(problems)
    )
