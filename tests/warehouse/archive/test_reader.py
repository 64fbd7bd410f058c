"""The archive is open: plain pyarrow over the manifests' file list gives back the source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import sqlalchemy as sa

from warehouse.archive import committed_files, open_store, read_chain, read_head
from warehouse.archive.errors import ManifestError


def test_plain_pyarrow_over_the_manifest_file_list_equals_the_source(signed_archive):
    root: Path = signed_archive["root"]
    paths = []
    for manifest in sorted((root / "manifests" / "audit_events").glob("*.json")):
        paths += [str(root / entry["path"]) for entry in json.loads(manifest.read_text())["files"]]
    archived = ds.dataset(paths, format="parquet").to_table().sort_by("id").to_pylist()

    with signed_archive["engine"].connect() as connection:
        source = [dict(row._mapping) for row in connection.execute(sa.text(
            "SELECT id, txid, event_id, occurred_at, amo_id, action, entity_id, entity_version, "
            "changed_fields, before, after, reason, ip FROM audit_events ORDER BY id"))]
    assert len(archived) == len(source) == 600
    for archived_row, source_row in zip(archived, source, strict=True):
        for column, value in source_row.items():
            if column in ("changed_fields", "before", "after"):
                assert json.loads(archived_row[column]) == value, column
            else:
                assert archived_row[column] == value, column
        assert archived_row["month"] == source_row["occurred_at"].strftime("%Y-%m")


def test_committed_files_come_from_the_manifests_not_the_folder(signed_archive, tmp_path):
    store = open_store(str(signed_archive["root"]))
    files = committed_files(store, "audit_events")
    assert sum(f.rows for f in files) == 600
    assert [f.first for f in files] == sorted(f.first for f in files)
    manifests = {stored.manifest.seq: stored.manifest for stored in read_chain(store, "audit_events")}
    for data_file in files:
        manifest = manifests[data_file.seq]
        assert manifest.cursor_from < data_file.first <= data_file.last <= manifest.cursor_to
    assert read_head(store, "audit_events").manifest.seq == 6


def test_a_gap_in_the_chain_stops_readers_with_a_clear_message(signed_archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(signed_archive["root"], root)
    (root / "manifests" / "audit_events" / "000000000003.json").unlink()
    store = open_store(str(root))
    for read in (read_chain, read_head):
        try:
            read(store, "audit_events")
        except ManifestError as error:
            assert "missing" in str(error)
        else:
            raise AssertionError(f"{read.__name__} accepted a chain with a gap")
