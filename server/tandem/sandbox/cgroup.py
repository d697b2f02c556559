"""A pids cgroup per sandboxed command: bounds fork bombs (RLIMIT_NPROC does nothing for root).

Works with cgroup v1 (``/sys/fs/cgroup/pids``) and v2 (a unified hierarchy with the pids
controller). The command joins the cgroup itself (the inner launcher writes its pid into
``cgroup.procs``, which is bound writable into the sandbox on its own — ``pids.max`` is not), so
everything it forks is counted. :meth:`PidsCgroup.remove` kills what is left and deletes it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

from tandem.errors import SandboxError


class PidsCgroup:
    """One command's cgroup under ``<controller root>/tandem/``.

    Raises:
        SandboxError: the cgroup cannot be created or limited.
    """

    def __init__(self, root: Path, max_pids: int) -> None:
        self.path = root / "tandem" / uuid.uuid4().hex[:16]
        try:
            self.path.mkdir(parents=True)
            (self.path / "pids.max").write_text(str(max_pids) if max_pids > 0 else "max")
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.path.rmdir()
            raise SandboxError(f"cannot create a pids cgroup at {self.path}: {exc.strerror or exc}") from exc

    @property
    def procs(self) -> Path:
        """The file a process writes its pid into to join."""
        return self.path / "cgroup.procs"

    def pids(self) -> list[int]:
        """Processes still in the cgroup."""
        try:
            return [int(line) for line in self.procs.read_text().split()]
        except OSError:
            return []

    def remove(self) -> None:
        """Kill every process left in the cgroup, then delete it (best effort, never raises)."""
        for _ in range(50):
            remaining = self.pids()
            if not remaining:
                break
            for pid in remaining:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        with contextlib.suppress(OSError):
            self.path.rmdir()
