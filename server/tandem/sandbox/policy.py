"""What a sandboxed command may touch: derived from the sandbox mode and the configuration.

Rules (Codex's sandbox modes, docs/reference-facts.md §3):

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
        read_only_subpaths: resolved paths inside writable roots that stay read-only (``.git``,
            ``.tandem``, a worktree's git dir, ``$TANDEM_HOME`` when it lies inside a writable root).
        missing_protected: ``.tandem`` paths that do not exist yet (mounted as empty read-only dirs).
        private_tmp: host directory bound at ``/tmp`` (None: ``/tmp`` is not writable).
        network: whether the command may use the network.
    """

    mode: SandboxMode
    writable_roots: tuple[Path, ...] = ()
    read_only_subpaths: tuple[Path, ...] = ()
    missing_protected: tuple[Path, ...] = ()
    private_tmp: Path | None = None
    network: bool = False
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    env_exclude: tuple[str, ...] = ()

    @property
    def sandboxed(self) -> bool:
        """False only for ``danger-full-access``."""
        return self.mode is not SandboxMode.DANGER_FULL_ACCESS


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path != root and path.is_relative_to(root) for root in roots)


def _protected(roots: tuple[Path, ...], extra: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """Paths to re-bind read-only: ``.git``/``.tandem`` (and a worktree's real git dir) and ``extra``.

    Every candidate is resolved, and kept only when it resolves strictly inside a writable root: a
    planted symlink (``.git -> /tmp``) or ``gitdir: /run`` must never make the sandbox bind a host
    directory over its private ones. Anything resolving outside the writable roots is read-only
    already (``--ro-bind / /``).
    """
    found: list[Path] = []
    for root in roots:
        candidates = [root / name for name in PROTECTED_NAMES]
        git = root / ".git"
        if git.is_file() and not git.is_symlink():  # a worktree: its real git dir must stay read-only too
            try:
                text = git.read_text("utf-8", "replace").strip()
            except OSError:
                text = ""
            if text.startswith("gitdir:"):
                gitdir = Path(text.removeprefix("gitdir:").strip())
                candidates.append(gitdir if gitdir.is_absolute() else root / gitdir)
        for candidate in (*candidates, *extra):
            if not (candidate.exists() or candidate.is_symlink()):
                continue
            resolved = candidate.resolve()
            if _inside(resolved, roots) and resolved not in found:
                found.append(resolved)
    return tuple(found)


def missing_protected(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """``.tandem`` directories that do not exist yet in the writable roots: the sandbox mounts an empty
    read-only directory there, so a command cannot create ``.tandem/config.toml`` to escalate the next one."""
    return tuple(
        root / ".tandem" for root in roots if not (root / ".tandem").exists() and not (root / ".tandem").is_symlink()
    )


def policy_for(
    config: Config,
    cwd: Path,
    mode: SandboxMode | None = None,
    private_tmp: Path | None = None,
    environ: dict[str, str] | None = None,
) -> SandboxPolicy:
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
    protected = _protected(unique, (config.tandem_home,))
    # Only a trusted project's .tandem/config.toml can loosen the sandbox (config.PROJECT_SAFE_KEYS), so
    # only there must a command be kept from creating one (the mount leaves an empty .tandem behind).
    missing = missing_protected(unique) if config.project_trusted else ()
    return SandboxPolicy(
        mode,
        writable_roots=unique,
        read_only_subpaths=protected,
        missing_protected=missing,
        private_tmp=tmp,
        network=config.network_access,
        limits=limits,
        env_exclude=exclude,
    )
