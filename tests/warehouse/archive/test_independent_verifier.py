"""The verifier written from docs/archive-format.md alone agrees with ``amoscope archive verify``:
on a fresh archive, and on every mutation the reference catches."""

from __future__ import annotations

import ast
import json
import random
import shutil
from pathlib import Path

import pytest

from tests.etl.support import database_anchor
from tests.warehouse.archive import independent_verifier
from tests.warehouse.archive.test_completeness import MUTATIONS
from tests.warehouse.archive.test_verify import KINDS
from warehouse.archive import open_store
from warehouse.archive.manifest import canonical_json
from warehouse.archive.signatures import load_public_key
from warehouse.archive.verify import verify_archive


def test_it_imports_nothing_of_amoscope():
    tree = ast.parse(Path(independent_verifier.__file__).read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert modules <= {"__future__", "base64", "contextlib", "hashlib", "json", "re", "struct", "pathlib",
                       "pyarrow", "cryptography"}, modules


def _both(root: Path, signed_archive) -> tuple[list, list[tuple[str, str]]]:
    anchor = database_anchor(signed_archive["settings"])
    key_path = signed_archive["public_key"]
    reference = verify_archive(open_store(str(root)), anchor=anchor, public_key=load_public_key(key_path))
    independent = independent_verifier.verify(root, anchor.sha256, key_path.read_bytes())
    return [str(problem) for problem in reference.problems], independent


def test_both_pass_a_fresh_archive(signed_archive):
    reference, independent = _both(signed_archive["root"], signed_archive)
    assert reference == [] and independent == []


def _located(mutation, where: str):
    """A removal or plant, as a tamper kind: mutate, then say where the problem lies."""
    def mutate(root: Path) -> str:
        mutation(root)
        return where
    return mutate


def _not_canonical(root: Path) -> str:
    path = root / "manifests" / "audit_events" / "000000000001.json"
    path.write_bytes(json.dumps(json.loads(path.read_bytes()), indent=1).encode())
    return "manifests/audit_events/000000000001.json"


def _another_schema(root: Path) -> str:
    """A manifest recording a retyped column (and re-signed by no one)."""
    path = root / "manifests" / "audit_events" / "000000000006.json"
    document = json.loads(path.read_bytes())
    for item in document["schema"]:
        if item["name"] == "occurred_at":
            item["type"] = "timestamp[us]"
    path.write_bytes(canonical_json(document))
    return "data/audit_events/"


def _mutations():
    for kind in KINDS:  # tamper kinds: (root, rng) → where it is located
        yield kind.__name__.strip("_"), lambda root, kind=kind: kind(root, random.Random(kind.__name__))
    for mutation, (where, _) in MUTATIONS.items():
        yield mutation.__name__.strip("_"), _located(mutation, where)
    yield "not_canonical", _not_canonical
    yield "another_schema", _another_schema


@pytest.mark.parametrize("name, mutate", list(_mutations()), ids=[name for name, _ in _mutations()])
def test_both_catch_each_mutation_at_the_same_place(signed_archive, tmp_path, name, mutate):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    located = mutate(root)
    reference, independent = _both(root, signed_archive)
    assert reference and independent, (name, reference, independent)
    assert any(where.startswith(located) for where, _ in independent), (located, independent)
