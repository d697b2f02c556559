"""Recognising a command the sandbox blocked, and telling the model what to do about it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from tandem.protocol.enums import SandboxMode

_DENIAL = re.compile(
    r"read-only file system|permission denied|operation not permitted|network is unreachable|"
    r"temporary failure in name resolution|could not resolve host|name or service not known|"
    r"failed to establish a new connection|no address associated with hostname|eperm|eacces|erofs",
    re.IGNORECASE,
)


class _Result(Protocol):
    @property
    def exit_code(self) -> int | None: ...

    @property
    def output(self) -> str: ...


_HOST_TMP_PATH = re.compile(r"(?<![\w/.-])((?:/var)?/tmp/[^\s'\"`:]+)")


def looks_denied(result: _Result) -> bool:
    """Whether a failed command's output shows the marks of a sandbox denial: EPERM/EACCES/EROFS, no
    network, or "No such file" for a host path under ``/tmp`` or ``/var/tmp`` (private in the sandbox)."""
    if result.exit_code in (0, None):
        return False
    if _DENIAL.search(result.output):
        return True
    return "No such file or directory" in result.output and any(
        Path(match).parent.exists() for match in _HOST_TMP_PATH.findall(result.output)
    )


def denial_note(mode: SandboxMode) -> str:
    """The hint appended to the tool output for the model."""
    return (
        f"Note: this command ran in the {mode.value} sandbox, which may have blocked it (no writes outside "
        "the workspace, .git and .tandem read-only, no network, private /tmp and /var/tmp that do not show the "
        "host's). If it really needs more access, call shell_command again with "
        'sandbox_permissions="require_escalated" and a one-line justification for the user.'
    )
