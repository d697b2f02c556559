"""What a sandboxed command may touch: derived from the sandbox mode and the configuration.

Rules (Codex's sandbox modes, reference-facts §3):

* ``read-only``: read everything, write nothing but a private ``/tmp`` and ``/dev/shm``;
* ``workspace-write``: also write the workspace root (the thread's cwd), the configured
  ``[sandbox_workspace_write] writable_roots`` and ``$TMPDIR`` (unless ``exclude_tmpdir_env_var``);
  ``.git`` and ``.tandem`` inside a writable root stay read-only; ``/tmp`` is writable but private
  to the thread (a fresh directory bound over it, so host sockets such as tmux's are out of reach)
  unless ``exclude_slash_tmp``;
* ``danger-full-access``: no sandbox.

Network is off (a new network namespace and a seccomp filter allowing only AF_UNIX sockets) unless
``network_access = true``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tandem.config import Config, SandboxLimits
from tandem.protocol.enums import SandboxMode

PROTECTED_NAMES = (".git", ".tandem")


@dataclass(frozen=True, slots=True)
class SandboxPolicy:
    """A resolved policy. Paths are absolute and resolved.

    Attributes:
        writable_roots: directories the command may write (and everything below them).
        read_only_subpaths: paths inside writable roots that stay read-only (``.git``, ``.tandem``).
        private_tmp: host directory bound at ``/tmp`` (None: ``/tmp`` is not writable).
        network: whether the command may use the network.
    """

    mode: SandboxMode
    writable_roots: tuple[Path, ...] = ()
    read_only_subpaths: tuple[Path, ...] = ()
    private_tmp: Path | None = None
    network: bool = False
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    env_exclude: tuple[str, ...] = ()

    @property
    def sandboxed(self) -> bool:
        """False only for ``danger-full-access``."""
        return self.mode is not SandboxMode.DANGER_FULL_ACCESS


def _protected(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    found: list[Path] = []
    for root in roots:
        for name in PROTECTED_NAMES:
            candidate = root / name
            if candidate.exists() or candidate.is_symlink():
                found.append(candidate)
        git = root / ".git"
        if git.is_file():  # a worktree: its real git dir is elsewhere and must stay read-only too
            try:
                text = git.read_text("utf-8", "replace").strip()
            except OSError:
                text = ""
            if text.startswith("gitdir:"):
                gitdir = Path(text.removeprefix("gitdir:").strip())
                found.append((gitdir if gitdir.is_absolute() else root / gitdir).resolve())
    return tuple(found)


def policy_for(config: Config, cwd: Path, mode: SandboxMode | None = None, private_tmp: Path | None = None,
               environ: dict[str, str] | None = None) -> SandboxPolicy:
    """The policy for commands run in ``cwd`` under ``config`` (``mode`` overrides the configured mode).

    Args:
        private_tmp: the host directory to bind at ``/tmp`` (one per thread); None makes ``/tmp``
            read-only unless ``exclude_slash_tmp`` is false — then the caller must provide one.
    """
    env = dict(os.environ) if environ is None else environ
    mode = mode or config.sandbox_mode
    limits, exclude = config.limits, config.env_exclude
    if mode is SandboxMode.DANGER_FULL_ACCESS:
        return SandboxPolicy(mode, network=True, limits=limits, env_exclude=exclude)
    tmp = None if config.exclude_slash_tmp else private_tmp
    if mode is SandboxMode.READ_ONLY:
        return SandboxPolicy(mode, private_tmp=tmp, network=config.network_access, limits=limits, env_exclude=exclude)
    roots: list[Path] = [cwd.resolve(), *config.writable_roots]
    tmpdir = env.get("TMPDIR")
    if tmpdir and not config.exclude_tmpdir_env_var and Path(tmpdir).resolve() != Path("/tmp"):
        roots.append(Path(tmpdir).resolve())
    unique = tuple(dict.fromkeys(root for root in roots if root != Path("/")))
    return SandboxPolicy(mode, writable_roots=unique, read_only_subpaths=_protected(unique), private_tmp=tmp,
                         network=config.network_access, limits=limits, env_exclude=exclude)
