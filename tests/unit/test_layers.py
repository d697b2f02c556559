"""Imports only point down the package layers of docs/architecture.md, no package's modules import each
other in a circle, and `tandem exec` stays LSP-free."""

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
    "logs": 0,
    "config": 1,
    "config_enums": 0.25,
    "config_toml": 0.5,
    "config_check": 0.6,
    "config_mcp": 0.5,
    "providers": 0.75,
    "skills": 1.5,  # over config (the [skills] settings), under agent (catalog and injection) and the surfaces
    "model": 2,
    "patch": 2,
    "sessions": 2,
    "checkpoints": 2.5,  # over patch (its diffs, hunk revert, Workspace), under tools and agent
    "sandbox": 2,
    "mcp": 2,
    "testing": 2,
    "tools": 3,
    "hooks": 3.5,  # over tools (ToolCall, the hook permission the orchestrator reads), under agent
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


def _module(path: Path, root: Path) -> str:
    """``tandem.agent.thread`` for ``<root>/agent/thread.py`` (``tandem.agent`` for its ``__init__.py``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["tandem", *parts])


def _module_imports(path: Path, root: Path, modules: set[str]) -> set[str]:
    """Every module of ours ``path`` imports anywhere: at the top, inside functions (lazy) and under
    ``TYPE_CHECKING``. ``from tandem.agent import checkpoint`` counts as importing the submodule."""
    package = _module(path, root)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found & modules


def import_cycles(root: Path = PACKAGE) -> list[list[str]]:
    """Circles of imports between modules of the same package (``__init__`` modules aside), each as the
    modules along it; imports between packages are the layers' business."""
    paths = {_module(p, root): p for p in root.rglob("*.py") if p.name != "__init__.py"}
    names = set(paths) | {_module(p, root) for p in root.rglob("__init__.py")}
    unit = {name: name.split(".")[1] for name in paths}
    graph = {
        name: sorted(t for t in _module_imports(path, root, names) if t in paths and unit[t] == unit[name])
        for name, path in paths.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in graph[name]:
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def test_no_import_cycle_inside_a_package() -> None:
    cycles = import_cycles()
    assert not cycles, "modules that import each other in a circle (lazy and TYPE_CHECKING imports count):\n" + (
        "\n".join(" -> ".join(cycle) for cycle in cycles)
    )


def test_the_cycle_check_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    package = tmp_path / "tandem"
    (package / "agent").mkdir(parents=True)
    (package / "agent" / "__init__.py").write_text("")
    (package / "agent" / "thread.py").write_text("def start():\n    from tandem.agent.turn import Runner\n")
    (package / "agent" / "turn.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tandem.agent import thread\n"
    )
    (package / "agent" / "events.py").write_text("from . import turn\n")
    assert [set(cycle) for cycle in import_cycles(package)] == [{"tandem.agent.thread", "tandem.agent.turn"}]


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
