"""Completeness: what was removed or planted is found, against the database's anchor and offline.

Each mutation of the issue's "Done when" list is applied to a copy of a real archive, then
checked with ``verify_archive`` against the checkpoint hash the operational database records and
with ``amoscope archive verify --anchor HASH`` from a command line that has no database.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from amoscope.cli import main
from tests.etl.support import database_anchor
from tests.warehouse.archive.test_verify import rewrite_checkpoints
from warehouse.archive import open_store, read_chain
from warehouse.archive.manifest import canonical_json, manifest_sha256
from warehouse.archive.verify import verify_archive


def _copy(signed_archive, tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    return root


def _offline(root: Path, anchor: str, tmp_path: Path, *options: str):
    """``amoscope archive verify --anchor`` with no operational database anywhere."""
    env = {"AMOSCOPE_ARCHIVE_URL": str(root), "AMOSCOPE_LOG_LEVEL": "WARNING",
           "AMOSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such.db'}"}
    return CliRunner().invoke(main, ["archive", "verify", "--anchor", anchor, *options], env=env)


def _delete_table_manifests(root: Path) -> None:
    shutil.rmtree(root / "manifests" / "audit_events")


def _delete_table_manifests_and_data(root: Path) -> None:
    shutil.rmtree(root / "manifests" / "audit_events")
    shutil.rmtree(root / "data" / "audit_events")


def _cut_newest_two_batches(root: Path) -> None:
    chain = read_chain(open_store(str(root)), "audit_events")
    for stored in chain[-2:]:
        for entry in stored.manifest.files:
            (root / entry.path).unlink()
        (root / stored.path).unlink()


def _delete_newest_checkpoint(root: Path) -> None:
    sorted((root / "checkpoints").glob("*.json"))[-1].unlink()


def _plant_unknown_table(root: Path) -> None:
    shutil.copytree(root / "manifests" / "audit_events", root / "manifests" / "salaries")
    shutil.copytree(root / "data" / "audit_events", root / "data" / "salaries")


def _retype_column_and_rehash(root: Path) -> None:
    """TIMESTAMPTZ → TIMESTAMP in one file: values (and so the row hashes) unchanged, then the
    file's hash and size fixed in its manifest, every later manifest and every checkpoint
    re-chained, signatures dropped: what an unsigned archive's forger can do."""
    chain = read_chain(open_store(str(root)), "audit_events")
    entry = chain[2].manifest.files[0]
    table = pq.read_table(root / entry.path)
    index = table.schema.get_field_index("occurred_at")
    table = table.set_column(index, "occurred_at", table.column(index).cast(pa.timestamp("us")))
    pq.write_table(table, root / entry.path, compression="zstd")
    previous = None
    for stored in chain:
        document = json.loads((root / stored.path).read_bytes())
        document.pop("signature", None)
        for file_entry in document["files"]:
            if file_entry["path"] == entry.path:
                file_entry.update(sha256=manifest_sha256((root / entry.path).read_bytes()),
                                  size=(root / entry.path).stat().st_size)
        if previous is not None:
            document["previous"]["sha256"] = previous
        raw = canonical_json(document)
        (root / stored.path).write_bytes(raw)
        previous = manifest_sha256(raw)
    rewrite_checkpoints(root)
    for path in (root / "checkpoints").glob("*.json"):
        document = json.loads(path.read_bytes())
        document.pop("signature", None)
        path.write_bytes(canonical_json(document))


MUTATIONS = {
    # mutation: (where the problem is reported, words the message must hold)
    _delete_table_manifests: ("manifests/audit_events/", "table audit_events is missing"),
    _delete_table_manifests_and_data: ("manifests/audit_events/", "table audit_events is missing"),
    _cut_newest_two_batches: ("manifests/audit_events/", "manifests 5..6 of audit_events are missing"),
    _delete_newest_checkpoint: ("checkpoints/", "checkpoint"),
    _plant_unknown_table: ("manifests/salaries/", "folder of a table the archive does not hold"),
    _retype_column_and_rehash: ("checkpoints/", "checkpoint"),
}


def test_an_untouched_archive_passes_against_the_database_and_offline(signed_archive, tmp_path):
    anchor = database_anchor(signed_archive["settings"])
    assert anchor is not None and anchor.seq == 1
    report = verify_archive(open_store(str(signed_archive["root"])), anchor=anchor)
    assert report.ok, [str(p) for p in report.problems]
    assert report.checkpoints == 1
    result = _offline(signed_archive["root"], anchor.sha256, tmp_path)
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "against checkpoint" in result.output


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation.__name__.strip("_"))
def test_each_removal_or_plant_is_reported_naming_what_is_missing(signed_archive, tmp_path, mutation):
    root = _copy(signed_archive, tmp_path)
    anchor = database_anchor(signed_archive["settings"])
    mutation(root)
    where, words = MUTATIONS[mutation]
    report = verify_archive(open_store(str(root)), anchor=anchor)
    found = [str(p) for p in report.problems]
    assert any(p.startswith(where) and words in p for p in found), found
    result = _offline(root, anchor.sha256, tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"PROBLEM {where}") and words in line for line in lines), result.output


def test_a_cut_without_anchor_still_shows_in_the_newest_checkpoint(signed_archive, tmp_path):
    root = _copy(signed_archive, tmp_path)
    _cut_newest_two_batches(root)
    report = verify_archive(open_store(str(root)), tables=["audit_events"])
    assert [str(p) for p in report.problems] == [
        "manifests/audit_events/: manifests 5..6 of audit_events are missing (the newest batches were cut "
        "off): checkpoints/000000000001.json records 6 manifest(s) up to cursor "
        f"{list(read_chain(open_store(str(signed_archive['root'])), 'audit_events')[-1].manifest.cursor_to)}"
        ", the archive ends at seq 4"]


def test_verify_without_key_or_anchor_says_so_loudly(signed_archive, tmp_path):
    env = {"AMOSCOPE_ARCHIVE_URL": str(signed_archive["root"]), "AMOSCOPE_LOG_LEVEL": "WARNING",
           "AMOSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such.db'}"}
    result = CliRunner().invoke(main, ["archive", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert "WARNING: no anchor" in result.output
    assert "WARNING: no public key: signatures were NOT checked" in result.output
    assert "signatures NOT checked" in result.output.splitlines()[-1]


def test_archive_head_shows_the_anchor_the_database_records(signed_archive):
    settings = signed_archive["settings"]
    env = {"AMOSCOPE_ARCHIVE_URL": str(signed_archive["root"]), "AMOSCOPE_LOG_LEVEL": "WARNING",
           "AMOSCOPE_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(main, ["archive", "head"], env=env)
    assert result.exit_code == 0, result.output
    anchor = database_anchor(settings)
    assert f"sha256 {anchor.sha256}" in result.output
    assert "database: records this checkpoint" in result.output
    assert "audit_events" in result.output and "signed by key" in result.output
