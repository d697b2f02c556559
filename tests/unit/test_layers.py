"""Imports only point down the package layers of docs/architecture.md, and `tandem exec` stays LSP-free."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tandem

PACKAGE = Path(tandem.__file__).parent

# Lower number = lower layer. A module may import its own layer's package or anything lower.
LAYERS: dict[str, float] = {
    "protocol": 0,
    "errors": 0,
    "config": 1,
    "config_enums": 0.25,
    "config_toml": 0.5,
    "providers": 0.75,
    "model": 2,
    "patch": 2,
    "sessions": 2,
    "checkpoints": 2.5,  # over patch (its diffs, hunk revert, Workspace), under tools and agent
    "sandbox": 2,
    "testing": 2,
    "tools": 3,
    "agent": 4,
    "headless": 5,
    "lsp": 5,
    "cli": 6,
    "__main__": 6,
}


def _unit(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name == "tandem" or name.startswith("tandem."):
                parts = name.split(".")
                found.append((parts[1] if len(parts) > 1 else "", node.lineno))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    units = {_unit(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert units <= set(LAYERS), f"modules outside any layer: {sorted(units - set(LAYERS))}"


def test_imports_only_point_down() -> None:
    violations = []
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        if unit == "__init__":
            continue
        for target, line in _imports(path):
            if not target or target == unit:
                continue
            if LAYERS[target] > LAYERS[unit] or (LAYERS[target] == LAYERS[unit] and target != unit):
                violations.append(f"{path.relative_to(PACKAGE)}:{line} imports tandem.{target}")
    assert not violations, "imports that point up or sideways:\n" + "\n".join(violations)


def test_protocol_imports_nothing_else_of_ours() -> None:
    for path in (PACKAGE / "protocol").rglob("*.py"):
        assert all(target == "protocol" for target, _ in _imports(path) if target), path


def test_exec_path_does_not_import_the_lsp_stack() -> None:
    code = (
        "import sys, tandem.cli, tandem.headless.exec, tandem.tools.catalog, tandem.model.responses;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('pygls','lsprotocol','cattrs')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"tandem exec imports the LSP stack: {out}"
