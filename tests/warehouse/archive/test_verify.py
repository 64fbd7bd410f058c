"""Tamper detection: random mutations of a real archive, every one caught and located by verify."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.run import run_once
from warehouse.archive import committed_files, open_store, read_chain
from warehouse.archive.manifest import canonical_json, manifest_sha256
from warehouse.archive.signatures import load_public_key
from warehouse.archive.verify import verify_archive

MUTATIONS = 120


def test_an_untouched_archive_verifies(signed_archive):
    store = open_store(str(signed_archive["root"]))
    report = verify_archive(store, public_key=load_public_key(signed_archive["public_key"]))
    assert report.ok, [str(p) for p in report.problems]
    assert (report.tables, report.rows) == (2, 600)
    assert report.manifests == 7 and report.files > 6  # six batches over several months + a heartbeat


def _manifests(root: Path) -> list[Path]:
    return sorted((root / "manifests" / "audit_events").glob("*.json"))


def _data_files(root: Path) -> list[Path]:
    return sorted((root / "data" / "audit_events").rglob("*.parquet"))


def _rewrite_manifest(path: Path, change) -> None:
    document = json.loads(path.read_bytes())
    change(document)
    path.write_bytes(canonical_json(document))


def _rechain_after(root: Path, edited: Path) -> None:
    """What a careful forger does next: fix every later manifest's link to the edited one, then
    make every checkpoint record the new heads and re-chain the checkpoints."""
    manifests = _manifests(root)
    for earlier, later in zip(manifests, manifests[1:], strict=False):
        if later <= edited:
            continue
        digest = manifest_sha256(earlier.read_bytes())
        _rewrite_manifest(later, lambda document, digest=digest: document["previous"].update(sha256=digest))
    rewrite_checkpoints(root)


def rewrite_checkpoints(root: Path) -> None:
    """Make every checkpoint agree with the manifests as they now are, and chain again."""
    previous = None
    for path in sorted((root / "checkpoints").glob("*.json")):
        document = json.loads(path.read_bytes())
        for name, head in document["tables"].items():
            manifest = root / "manifests" / name / f"{head['seq']:012d}.json"
            if manifest.exists():
                head["sha256"] = manifest_sha256(manifest.read_bytes())
        if previous is not None:
            document["previous"]["sha256"] = manifest_sha256(previous.read_bytes())
        path.write_bytes(canonical_json(document))
        previous = path


def _flip_byte(root: Path, rng: random.Random) -> str:
    target = rng.choice(_data_files(root))
    data = bytearray(target.read_bytes())
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    target.write_bytes(bytes(data))
    return str(target.relative_to(root))


def _delete_file(root: Path, rng: random.Random) -> str:
    target = rng.choice(_data_files(root))
    target.unlink()
    return str(target.relative_to(root))


def _delete_manifest(root: Path, rng: random.Random) -> str:
    manifests = _manifests(root)
    index = rng.randrange(len(manifests))
    manifests[index].unlink()
    # Located at the manifest that no longer chains, or (for the newest) at the files it committed.
    return str(manifests[index + 1].relative_to(root)) if index + 1 < len(manifests) else "data/audit_events/"


def _reorder_manifests(root: Path, rng: random.Random) -> str:
    first, second = rng.sample(_manifests(root), 2)
    first_bytes, second_bytes = first.read_bytes(), second.read_bytes()
    first.write_bytes(second_bytes)
    second.write_bytes(first_bytes)
    return str(min(first, second).relative_to(root))


def _edit_row_and_rehash(root: Path, rng: random.Random) -> str:
    """Change one value in a file, then record the new file's SHA-256 and size in its manifest
    and re-chain every later manifest: only the Merkle root (and the signature) can tell."""
    store = open_store(str(root))
    data_file = rng.choice(committed_files(store, "audit_events"))
    path = root / data_file.path
    table = pq.read_table(path)
    row = rng.randrange(table.num_rows)
    reasons = table.column("reason").to_pylist()
    reasons[row] = "approved by nobody"
    table = table.set_column(table.schema.get_field_index("reason"), "reason", pa.array(reasons, pa.string()))
    pq.write_table(table, path, compression="zstd")
    manifest_path = root / "manifests" / "audit_events" / f"{data_file.seq:012d}.json"
    digest, size = manifest_sha256(path.read_bytes()), path.stat().st_size

    def fix(document):
        for entry in document["files"]:
            if entry["path"] == data_file.path:
                entry.update(sha256=digest, size=size)
    _rewrite_manifest(manifest_path, fix)
    _rechain_after(root, manifest_path)
    return str(manifest_path.relative_to(root))


def _swap_in_another_valid_file(root: Path, rng: random.Random) -> str:
    target, other = rng.sample(_data_files(root), 2)
    shutil.copyfile(other, target)
    return str(target.relative_to(root))


def _plant_file(root: Path, rng: random.Random) -> str:
    source = rng.choice(_data_files(root))
    planted = source.parent / "000000000099-000.parquet"
    shutil.copyfile(source, planted)
    return str(planted.relative_to(root))


def _edit_manifest_count(root: Path, rng: random.Random) -> str:
    target = rng.choice([m for m in _manifests(root) if json.loads(m.read_bytes())["kind"] == "batch"])
    _rewrite_manifest(target, lambda document: document.update(row_count=document["row_count"] - 1))
    return str(target.relative_to(root))


def _truncate_file(root: Path, rng: random.Random) -> str:
    target = rng.choice(_data_files(root))
    data = target.read_bytes()
    target.write_bytes(data[: rng.randrange(len(data))])
    return str(target.relative_to(root))


KINDS = [_flip_byte, _delete_file, _delete_manifest, _reorder_manifests, _edit_row_and_rehash,
         _swap_in_another_valid_file, _plant_file, _edit_manifest_count, _truncate_file]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__.strip("_"))
def test_each_kind_of_tampering_is_caught_without_the_key(signed_archive, tmp_path, kind):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    located = kind(root, random.Random(kind.__name__))
    report = verify_archive(open_store(str(root)))
    assert not report.ok
    assert any(str(problem).startswith(located) for problem in report.problems), \
        (located, [str(p) for p in report.problems])


def test_random_mutations_are_all_detected(signed_archive, tmp_path):
    rng = random.Random(145)
    key = load_public_key(signed_archive["public_key"])
    missed = []
    for number in range(MUTATIONS):
        root = tmp_path / f"m{number}"
        shutil.copytree(signed_archive["root"], root)
        kind = rng.choice(KINDS)
        located = kind(root, rng)
        store = open_store(str(root))
        unsigned, signed = verify_archive(store), verify_archive(store, public_key=key)
        if unsigned.ok or signed.ok or not any(str(p).startswith(located) for p in unsigned.problems):
            missed.append((kind.__name__, located))
        shutil.rmtree(root)
    assert missed == [], f"{len(missed)} of {MUTATIONS} mutations were not detected and located"


def test_a_consistent_rewrite_of_history_is_caught_by_the_signature(signed_archive, tmp_path):
    """A forger who recomputes the Merkle root, file hashes and chain leaves nothing for the
    hashes to find; the Ed25519 signatures still give them away."""
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    store = open_store(str(root))
    chain = read_chain(store, "audit_events")
    target = root / chain[2].path
    _rewrite_manifest(target, lambda document: document.update(created_at="2020-01-01T00:00:00.000000Z"))
    _rechain_after(root, target)
    assert verify_archive(store).ok
    report = verify_archive(store, public_key=load_public_key(signed_archive["public_key"]))
    assert {p.where for p in report.problems} == {
        *(str(p.relative_to(root)) for p in _manifests(root)[2:]), "checkpoints/000000000001.json"}
    assert all("signature does not match" in p.message for p in report.problems)


def test_max_age_catches_a_removed_newest_heartbeat_and_checkpoint(signed_archive, tmp_path):
    """A heartbeat commits no file, so removing the newest one leaves a valid, shorter chain: the
    newest checkpoint records it. Removed with that checkpoint too, and with no anchor, the age of
    the newest manifest, checked against the heartbeat interval, still gives it away."""
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    settings = signed_archive["settings"].replace(archive_url=str(root), etl_heartbeat_minutes=0)
    run_once(settings.etl, signed_archive["engine"], tables=["audit_events"])
    store = open_store(str(root))
    *_, batch, heartbeat = read_chain(store, "audit_events")
    assert heartbeat.manifest.kind == "heartbeat"
    now = heartbeat.manifest.created
    max_age = (now - batch.manifest.created) / 2
    assert verify_archive(store, tables=["audit_events"], max_age=max_age, now=now).ok

    (root / heartbeat.path).unlink()
    (problem,) = verify_archive(store, tables=["audit_events"]).problems
    assert problem.where == "manifests/audit_events/"
    assert problem.message.startswith(f"manifests {heartbeat.manifest.seq}..{heartbeat.manifest.seq} "
                                      "of audit_events are missing")
    sorted((root / "checkpoints").glob("*.json"))[-1].unlink()
    assert verify_archive(store, tables=["audit_events"]).ok  # what the chains alone cannot see
    report = verify_archive(store, tables=["audit_events"], max_age=max_age, now=now)
    assert [problem.where for problem in report.problems] == [batch.path]
    assert "newer manifests were removed" in report.problems[0].message
