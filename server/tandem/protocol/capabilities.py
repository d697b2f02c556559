"""What ``tandem lsp`` announces in its ``initialize`` result as ``capabilities.experimental.tandem``.

Plain JSON built without pydantic (``initialize`` is answered before pydantic is imported); its
schema is :class:`tandem.protocol.messages.TandemServerCapabilities`.
"""

from __future__ import annotations

from typing import Any, Final

SLASH_COMMANDS: Final = ("new", "compact", "undo", "redo", "skills")
"""Chat slash commands the server supports, without the slash: ``new`` starts a thread
(``tandem/thread/start``), ``compact`` is ``tandem/thread/compact``, ``undo`` / ``redo`` are
``tandem/undo`` / ``tandem/redo``, ``skills`` lists the skills (``tandem/skills/list``). ``review``
is not offered yet, so clients hide it."""


CAPABILITIES_VERSION: Final = 1


def tandem_capabilities() -> dict[str, Any]:
    """``capabilities.experimental.tandem``: ``{version, slashCommands}``."""
    return {"version": CAPABILITIES_VERSION, "slashCommands": list(SLASH_COMMANDS)}
