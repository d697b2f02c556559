"""Names of the ``workspace/executeCommand`` commands the server offers (constants only: cheap to import)."""

from __future__ import annotations

from typing import Final

ASK: Final = "tandem.ask"
FIX: Final = "tandem.fix"
EXPLAIN: Final = "tandem.explain"
ACCEPT_HUNK: Final = "tandem.acceptHunk"
REJECT_HUNK: Final = "tandem.rejectHunk"
ACCEPT_CHANGE: Final = "tandem.acceptChange"
REJECT_CHANGE: Final = "tandem.rejectChange"
UNDO: Final = "tandem.undo"
