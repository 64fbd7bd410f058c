"""How the ETL encodes Parquet: Bloom filters on entity_id, dictionaries only where values repeat,
month partitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from etl.parquet_batch import partition_labels
from etl.run import run_once
from tests.etl.support import insert_audit
from warehouse.archive import committed_files, open_store


def test_entity_ids_get_bloom_filters_and_only_repeating_columns_a_dictionary(pg_settings, pg_engine):
    insert_audit(pg_engine, 3000, start=datetime(2026, 3, 1, tzinfo=UTC), step=timedelta(minutes=1))
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    store = open_store(pg_settings.archive_url)
    (data_file,) = committed_files(store, "audit_events")
    parquet = pq.ParquetFile(store.local_root / data_file.path)
    group = parquet.metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}

    assert columns["entity_id"].bloom_filter_offset is not None
    assert columns["event_id"].bloom_filter_offset is None
    # 97 entity ids and one action repeat: dictionary; unique event ids and times: plain.
    assert columns["entity_id"].has_dictionary_page and columns["action"].has_dictionary_page
    assert not columns["event_id"].has_dictionary_page
    assert not columns["occurred_at"].has_dictionary_page
    assert parquet.read_row_group(0, columns=["entity_id"]).num_rows == 3000


def test_partitions_are_utc_calendar_months_or_years_on_both_sides_of_1970():
    times = pa.array([datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC),
                      datetime(1969, 12, 31, 23, 0, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)],
                     pa.timestamp("us", tz="UTC"))
    assert partition_labels(times, "month").to_pylist() == ["2026-01", "2026-02", "1969-12", "2025-12"]
    assert partition_labels(times, "year").to_pylist() == ["2026", "2026", "1969", "2025"]
    days = pa.array([date(2024, 2, 29), date(1900, 1, 1)], pa.date32())
    assert partition_labels(days, "month").to_pylist() == ["2024-02", "1900-01"]
    assert partition_labels(days, "year").to_pylist() == ["2024", "1900"]
    assert partition_labels(times.slice(0, 0), "month").to_pylist() == []
