"""The repository's shape: packages resolve here, imports point one way (DESIGN.md "Layout")."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
OURS = ("amoscope", "auth", "dashboards", "etl", "warehouse", "migrations")
# What each package may import of ours. ``amoscope.settings`` is a leaf (standard library only)
# that every layer may read its settings from.
ALLOWED = {
    "warehouse": {"warehouse", "amoscope.settings"},
    "etl": {"etl", "warehouse", "amoscope.settings"},
    "auth": {"auth", "warehouse", "amoscope.settings"},
    "dashboards": {"dashboards", "auth", "warehouse", "amoscope.settings"},
    "migrations": {"migrations", "warehouse"},
}


@pytest.mark.parametrize("package", ["amoscope", "auth", "dashboards", "etl", "warehouse"])
def test_package_resolves_to_this_repository(package):
    module = importlib.import_module(package)
    assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package):
    allowed = ALLOWED[package]
    offences = []
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top not in OURS:
                continue
            if not any(name == a or name.startswith(a + ".") or a.startswith(name) for a in allowed):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def test_settings_module_is_a_leaf():
    names = {name.split(".")[0] for name in _imports(ROOT / "amoscope" / "settings.py")}
    assert not names & set(OURS)
