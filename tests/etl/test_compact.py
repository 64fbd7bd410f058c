"""Compaction merges small files without changing any row or the verification result."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq

from etl.compact import compact
from etl.run import run_once
from tests.etl.support import archived_table, assert_events_archived_exactly_once, insert_audit
from warehouse.archive import committed_files, open_store, read_chain
from warehouse.archive.proof import build_proof, check_proof
from warehouse.archive.verify import verify_archive


def test_compaction_keeps_every_row_and_every_merkle_root(pg_settings, pg_engine, tmp_path):
    settings = pg_settings.replace(etl_batch_rows=60)
    insert_audit(pg_engine, 500, start=datetime(2026, 8, 20, tzinfo=UTC), step=timedelta(hours=6))
    run_once(settings.etl, pg_engine, tables=["audit_events"])
    store = open_store(settings.archive_url)
    before_rows = archived_table(settings, "audit_events").drop_columns(["month"]).sort_by("id")
    before_files = committed_files(store, "audit_events")
    roots = [s.manifest.merkle_root for s in read_chain(store, "audit_events")]
    event_id = before_rows.column("event_id")[123].as_py()

    (result,) = compact(settings.etl, pg_engine, ["audit_events"])

    after_files = committed_files(store, "audit_events")
    assert len(after_files) == len({f.partition for f in before_files}) < len(before_files)
    assert result.replaced > result.written > 0
    chain = read_chain(store, "audit_events")
    assert chain[-1].manifest.kind == "compaction"
    assert [s.manifest.merkle_root for s in chain[:-1]] == roots
    after_rows = archived_table(settings, "audit_events").drop_columns(["month"]).sort_by("id")
    assert after_rows.equals(before_rows)
    report = verify_archive(store)
    assert report.ok and report.rows == 500, [str(p) for p in report.problems]
    assert check_proof(build_proof(store, event_id)) == []
    assert not [p for p in (store.local_root / "data").rglob("*.parquet")
                if str(p.relative_to(store.local_root)) not in {f.path for f in after_files}]
    for data_file in after_files:  # merged files keep the entity_id Bloom filters of the ETL's
        metadata = pq.ParquetFile(store.local_root / data_file.path).metadata
        entity = metadata.schema.names.index("entity_id")
        assert all(metadata.row_group(group).column(entity).bloom_filter_offset is not None
                   for group in range(metadata.num_row_groups))

    # The ETL carries on after a compaction; a second compaction has nothing to merge twice over.
    insert_audit(pg_engine, 30)
    run_once(settings.etl, pg_engine, tables=["audit_events"])
    assert_events_archived_exactly_once(settings, pg_engine)
    compact(settings.etl, pg_engine, ["audit_events"])
    assert verify_archive(store).ok
    copy = tmp_path / "copy"
    shutil.copytree(store.local_root, copy)
    assert verify_archive(open_store(str(copy))).ok
