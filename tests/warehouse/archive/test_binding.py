"""What the hashes bind: column types through each manifest's schema, every signed member, and
the exact bytes of a manifest."""

from __future__ import annotations

import base64
import json
import shutil

from cryptography.hazmat.primitives import serialization

from tests.warehouse.archive.test_completeness import _retype_column_and_rehash
from warehouse.archive import open_store, read_chain
from warehouse.archive.manifest import canonical_json
from warehouse.archive.signatures import load_public_key
from warehouse.archive.verify import verify_archive


def test_a_retyped_column_is_caught_by_the_schema_without_key_or_anchor(signed_archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    _retype_column_and_rehash(root)
    target = read_chain(open_store(str(root)), "audit_events")[2].manifest.files[0].path
    report = verify_archive(open_store(str(root)))
    assert [str(p) for p in report.problems] == [
        f"{target}: its Arrow schema differs from the one manifests/audit_events/000000000003.json "
        "records: column occurred_at is timestamp[us], expected timestamp[us, tz=UTC] not null"]


def test_a_manifest_recording_another_schema_is_caught(signed_archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    path = root / "manifests" / "audit_events" / "000000000006.json"
    document = json.loads(path.read_bytes())
    for item in document["schema"]:
        if item["name"] == "occurred_at":
            item["type"] = "timestamp[us]"
    path.write_bytes(canonical_json(document))
    problems = [str(p) for p in verify_archive(open_store(str(root))).problems]
    assert ("manifests/audit_events/000000000006.json: records a schema other than the archive's: column "
            "occurred_at is timestamp[us] not null, expected timestamp[us, tz=UTC] not null") in problems


def test_a_signature_covers_members_this_version_does_not_know(signed_archive, tmp_path):
    """A later writer may add members; signed as documented, the manifest verifies, and the
    added member cannot be changed without breaking the signature."""
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    private = serialization.load_pem_private_key(
        (signed_archive["public_key"].parent / "signing.pem").read_bytes(), password=None)
    key = load_public_key(signed_archive["public_key"])
    chain = read_chain(open_store(str(root)), "audit_events")
    path = root / chain[-1].path  # the newest: nothing chains to it but the checkpoint
    document = json.loads(path.read_bytes())
    document.pop("signature")
    document["retention"] = {"until": "2040-01-01"}
    value = base64.b64encode(private.sign(canonical_json(document))).decode()
    document["signature"] = {**json.loads(chain[-1].raw)["signature"], "value": value}
    path.write_bytes(canonical_json(document))
    problems = [str(p) for p in verify_archive(open_store(str(root)), public_key=key).problems]
    assert not [p for p in problems if "signature" in p], problems
    assert problems == [f"{chain[-1].path}: differs from the manifest checkpoints/000000000001.json "
                        f"records (SHA-256 {chain[-1].sha256}): the chain was rewritten"]

    document["retention"]["until"] = "2030-01-01"
    path.write_bytes(canonical_json(document))
    problems = [str(p) for p in verify_archive(open_store(str(root)), public_key=key).problems]
    assert f"{chain[-1].path}: signature does not match its content" in problems


def test_manifest_bytes_that_are_not_canonical_are_a_problem(signed_archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    path = root / "manifests" / "audit_events" / "000000000001.json"
    path.write_bytes(json.dumps(json.loads(path.read_bytes()), indent=1).encode())
    problems = [str(p) for p in verify_archive(open_store(str(root))).problems]
    assert ("manifests/audit_events/000000000001.json: stored bytes are not canonical JSON (keys sorted, "
            "no whitespace, ASCII only, as documented)") in problems
