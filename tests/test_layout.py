"""The repository's shape: packages resolve here, imports point one way, no cycles (DESIGN.md "Layout")."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
OURS = ("amoscope", "auth", "dashboards", "etl", "migrations", "simulator", "warehouse")
# What each package may import of ours; ``amoscope`` (the composition root) may import them all
# and nothing imports it: each layer declares its own settings section and is handed it.
ALLOWED = {
    "warehouse": {"warehouse"},
    "etl": {"etl", "warehouse"},
    "simulator": {"simulator", "warehouse"},
    "auth": {"auth", "warehouse"},
    "dashboards": {"dashboards", "auth", "warehouse"},
    "migrations": {"migrations", "warehouse"},
}


@pytest.mark.parametrize("package", ["amoscope", "auth", "dashboards", "etl", "simulator", "warehouse"])
def test_package_resolves_to_this_repository(package):
    module = importlib.import_module(package)
    assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__


def _modules(root: Path) -> dict[str, Path]:
    """Every module of ours under ``root``, by dotted name (a package by its ``__init__``)."""
    modules = {}
    for package in OURS:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]):
    """The modules of ours that ``name`` imports anywhere in its file (also under TYPE_CHECKING or
    inside a function: a deferred import is still an arrow), relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target.split(".")[0] in OURS and target != name:
                yield target


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of ours it imports."""
    modules = _modules(root)
    return {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def forbidden_arrows(graph: dict[str, set[str]]) -> list[str]:
    """Imports against ALLOWED, as readable lines."""
    def allowed(target: str, rules: set[str]) -> bool:
        return any(target == rule or target.startswith(rule + ".") for rule in rules)
    return sorted(f"{name} imports {target}" for name, targets in graph.items()
                  for target in targets
                  if name.split(".")[0] in ALLOWED and not allowed(target, ALLOWED[name.split(".")[0]]))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_imports_point_one_way():
    assert forbidden_arrows(import_graph(ROOT)) == []


def test_no_import_cycles():
    assert cycles(import_graph(ROOT)) == []


def test_no_layer_imports_amoscope():
    upward = sorted(f"{name} imports {target}" for name, targets in import_graph(ROOT).items()
                    if name.split(".")[0] != "amoscope"
                    for target in targets if target.split(".")[0] == "amoscope")
    assert upward == []


def test_checker_catches_wrong_arrows_and_cycles(tmp_path):
    """The checks above would fail on a layer importing upward or on modules importing each other."""
    files = {
        "warehouse/__init__.py": "",
        "warehouse/schema.py": "from dashboards.app import create_app\n",
        "dashboards/__init__.py": "",
        "dashboards/app.py": "from simulator import seed\n",
        "simulator/__init__.py": "",
        "simulator/seed.py": "from . import world\n",
        "simulator/world.py": "def f():\n    from simulator.seed import x\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert forbidden_arrows(graph) == ["dashboards.app imports simulator.seed",
                                       "warehouse.schema imports dashboards.app"]
    assert cycles(graph) == [["simulator.seed", "simulator.world"]]
