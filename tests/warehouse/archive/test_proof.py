"""Inclusion proofs: made from the archive, checked offline with hashlib alone."""

from __future__ import annotations

import copy
import hashlib
import json

import pyarrow.dataset as ds

from etl.signing import generate_keypair
from warehouse.archive import open_store
from warehouse.archive.proof import build_proof, check_proof
from warehouse.archive.signatures import load_public_key


def _event_ids(root) -> list[str]:
    return ds.dataset(str(root / "data" / "audit_events"), format="parquet").to_table(
        columns=["event_id"]).column("event_id").to_pylist()


def _check_by_hand(proof: dict) -> bool:
    """What an auditor can do with nothing but the document and SHA-256."""
    fields = b""
    for name in proof["manifest"]["columns"]:
        text = proof["row"][name]
        fields += b"~" if text is None else str(len(text.encode())).encode() + b":" + text.encode()
    node = hashlib.sha256(b"\x00" + fields).digest()
    for step in proof["path"]:
        sibling = bytes.fromhex(step["hash"])
        pair = sibling + node if step["side"] == "left" else node + sibling
        node = hashlib.sha256(b"\x01" + pair).digest()
    manifest_bytes = json.dumps(proof["manifest"], sort_keys=True, separators=(",", ":")).encode()
    return (node.hex() == proof["manifest"]["merkle_root"]
            and hashlib.sha256(manifest_bytes).hexdigest() == proof["manifest_sha256"])


def test_proofs_of_events_check_offline(signed_archive):
    store = open_store(str(signed_archive["root"]))
    key = load_public_key(signed_archive["public_key"])
    ids = _event_ids(signed_archive["root"])
    for event_id in (ids[0], ids[99], ids[100], ids[357], ids[-1]):
        proof = json.loads(json.dumps(build_proof(store, event_id)))
        assert proof["row"]["event_id"] == event_id
        assert check_proof(proof, key) == []
        assert _check_by_hand(proof)
        stored = (signed_archive["root"] / proof["manifest_path"]).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == proof["manifest_sha256"]


def test_a_doctored_proof_fails(signed_archive, tmp_path):
    store = open_store(str(signed_archive["root"]))
    proof = build_proof(store, _event_ids(signed_archive["root"])[42])
    edited = copy.deepcopy(proof)
    edited["row"]["action"] = "VOID"
    assert check_proof(edited) and not _check_by_hand(edited)
    moved = copy.deepcopy(proof)
    moved["path"][0]["side"] = "left" if moved["path"][0]["side"] == "right" else "right"
    assert check_proof(moved)
    generate_keypair(tmp_path / "other.pem")
    assert check_proof(proof, load_public_key(tmp_path / "other.pem.pub"))
    assert check_proof({"row": {}}) and check_proof({})
