"""No hand-written module grows past the size budget (docs/architecture.md, "Code shape").

A module over :data:`LIMIT` lines holds more than one job: split it by responsibility instead of
raising the limit. Generated files (the extension's protocol types) are exempt.
"""

from __future__ import annotations

from pathlib import Path

import tandem

LIMIT = 600
"""Lines a module may have at most."""

ROOT = Path(tandem.__file__).resolve().parents[2]
GENERATED = {Path("editor-extension/src/protocol/generated.ts")}


def _modules() -> list[Path]:
    found = list((ROOT / "server" / "tandem").rglob("*.py"))
    for folder in ("src", "webview"):
        found += (ROOT / "editor-extension" / folder).rglob("*.ts")
    return [path for path in found if path.relative_to(ROOT) not in GENERATED]


def test_the_tree_has_modules_to_check() -> None:
    assert len(_modules()) > 100


def test_no_module_is_over_the_size_budget() -> None:
    too_big = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text("utf-8").splitlines())) > LIMIT
    }
    assert not too_big, f"modules over {LIMIT} lines (split them by responsibility): {too_big}"
