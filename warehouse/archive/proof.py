"""Inclusion proofs: evidence that one row (an audit event) is in a committed, chained batch.

A proof holds the row's canonical fields, its position among its batch's rows, the sibling
hashes up to the Merkle root, and the whole manifest of the batch. It checks offline with
SHA-256 alone (and the trusted public key, for a signed manifest): fields → row hash → root →
the manifest's ``merkle_root``; the manifest's own SHA-256 ties it into the chain.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from typing import Any

import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warehouse.archive.errors import ArchiveError
from warehouse.archive.layout import table_spec
from warehouse.archive.manifest import canonical_json, parse_manifest
from warehouse.archive.merkle import inclusion_proof, root_from_proof
from warehouse.archive.reader import live_files, read_chain
from warehouse.archive.row_encoder import row_encodings, row_hashes
from warehouse.archive.rowhash import LEAF_PREFIX, cursor_arrays, decode_fields, encode_fields
from warehouse.archive.signatures import signature_problem
from warehouse.archive.storage import ArchiveStore


def build_proof(store: ArchiveStore, value: str, *, table: str = "audit_events",
                column: str = "event_id") -> dict[str, Any]:
    """The inclusion proof of the row of ``table`` whose ``column`` equals ``value``."""
    spec = table_spec(table)
    chain = read_chain(store, table)
    files = live_files(chain)
    found = None
    for data_file in files:
        rows = pq.read_table(store.full_path(data_file.path), filesystem=store.fs,
                             filters=[(column, "=", value)])
        if rows.num_rows:
            found = rows
            break
    if found is None:
        raise ArchiveError(f"no {table} row with {column} = {value!r} in the archive at {store.url}")
    cursor = tuple(int(array[0].as_py()) for array in cursor_arrays(found, spec))
    batches = [stored for stored in chain if stored.manifest.kind == "batch"]
    stored = batches[bisect.bisect_left([b.manifest.cursor_to for b in batches], cursor)]
    manifest = stored.manifest
    leaves: list[tuple[tuple[int, ...], bytes]] = []
    for data_file in files:
        if data_file.last <= manifest.cursor_from or data_file.first > manifest.cursor_to:
            continue
        rows = pq.read_table(store.full_path(data_file.path), filesystem=store.fs)
        cursors = cursor_arrays(rows, spec)
        keys = [tuple(values) for values in zip(*(array.to_pylist() for array in cursors), strict=True)]
        for key, digest in zip(keys, row_hashes(rows, manifest.columns), strict=True):
            if manifest.cursor_from < key <= manifest.cursor_to:
                leaves.append((key, digest))
    leaves.sort()
    index = [key for key, _ in leaves].index(cursor)
    hashes = [digest for _, digest in leaves]
    encoding = row_encodings(found.slice(0, 1), manifest.columns)[0].as_py()
    return {
        "table": table,
        "key": {column: value},
        "row": dict(zip(manifest.columns, decode_fields(encoding), strict=True)),
        "leaf": hashes[index].hex(),
        "leaf_index": index,
        "leaf_count": len(hashes),
        "path": inclusion_proof(hashes, index),
        "manifest_path": stored.path,
        "manifest_sha256": stored.sha256,
        "manifest": json.loads(stored.raw),
    }


def check_proof(proof: dict[str, Any], public_key: Ed25519PublicKey | None = None) -> list[str]:
    """Problems with a proof (empty: the row is in the batch the manifest commits)."""
    try:
        manifest_raw = canonical_json(proof["manifest"])
        manifest = parse_manifest(manifest_raw, proof.get("manifest_path", "manifest"))
        fields = [proof["row"][name] for name in manifest.columns]
        leaf = hashlib.sha256(LEAF_PREFIX + encode_fields(fields)).digest()
        problems = []
        if leaf.hex() != proof["leaf"]:
            problems.append("the row's fields do not hash to the stated leaf")
        if any(proof["row"][name] != text for name, text in proof["key"].items()):
            problems.append("the row does not carry the key the proof names")
        if root_from_proof(leaf, proof["path"]).hex() != manifest.merkle_root:
            problems.append("the path does not lead to the manifest's Merkle root")
        if hashlib.sha256(manifest_raw).hexdigest() != proof["manifest_sha256"]:
            problems.append("the manifest does not match its stated SHA-256")
        if public_key is not None:
            problem = signature_problem(proof["manifest"], public_key)
            if problem:
                problems.append(f"manifest {problem}")
        return problems
    except (KeyError, TypeError, ValueError, ArchiveError) as error:
        return [f"malformed proof: {type(error).__name__}: {error}"]

