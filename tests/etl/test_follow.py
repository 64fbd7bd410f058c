"""Follow mode keeps small files in check: it compacts as it goes, and verify stays green."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow.dataset as pads
import sqlalchemy as sa

from etl.follow import follow
from tests.etl.support import assert_events_archived_exactly_once, database_anchor, ensure_amo, insert_audit
from warehouse.archive import committed_files, open_store, read_chain
from warehouse.archive.checkpoint import read_newest_checkpoint


def _follow_in_background(settings, engine, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=follow, args=(settings.etl, engine, 0.05, stop), daemon=True)
    thread.start()
    return thread


def _wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "follow mode did not get there in time"
        time.sleep(0.1)


def _anchored(settings, table: str, kind: str) -> bool:
    """The database's anchor names a checkpoint whose head of ``table`` is a ``kind`` manifest."""
    store = open_store(settings.archive_url)
    chain = read_chain(store, table)
    anchor = database_anchor(settings)
    newest = read_newest_checkpoint(store)
    return bool(chain and anchor and newest and anchor.sha256 == newest.sha256
                and newest.checkpoint.tables.get(table, None) is not None
                and newest.checkpoint.tables[table].sha256 == chain[-1].sha256
                and chain[-1].manifest.kind == kind)


def test_follow_mode_compacts_small_batches_as_it_goes(pg_settings, pg_engine):
    settings = pg_settings.replace(etl_compact_after_batches=6)
    amo_id = ensure_amo(pg_engine)
    store = open_store(settings.archive_url)
    stop = threading.Event()
    thread = _follow_in_background(settings, pg_engine, stop)
    try:
        for number in range(1, 15):  # fourteen small transactions, each archived as a batch of its own
            insert_audit(pg_engine, 7, amo_id=amo_id, start=datetime(2026, 11, 2, tzinfo=UTC))
            _wait_until(lambda number=number: sum(f.rows for f in committed_files(store, "audit_events"))
                        == 7 * number)
        _wait_until(lambda: len(committed_files(store, "audit_events")) < 6)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    kinds = Counter(stored.manifest.kind for stored in read_chain(store, "audit_events"))
    assert kinds["batch"] == 14 and kinds["compaction"] >= 2, kinds
    assert_events_archived_exactly_once(settings, pg_engine)  # verifies against the database's anchor


def test_record_tables_are_partitioned_by_year_and_compact_to_one_file_a_year(pg_settings, pg_engine):
    """A mutable table of a few hundred versions is a handful of files, not one per month."""
    amo_id = ensure_amo(pg_engine)
    settings = pg_settings.replace(etl_batch_rows=40)
    with pg_engine.begin() as connection:
        department = connection.execute(sa.text(
            "INSERT INTO departments (amo_id, code, name) VALUES (:amo, 'STOR', 'Stores') RETURNING id"),
            {"amo": amo_id}).scalar_one()
        for number in range(150):
            connection.execute(sa.text(
                "INSERT INTO tools (amo_id, tool_no, description, department_id, crib_location, status, "
                "updated_at) VALUES (:amo, :no, 'torque wrench', :dept, 'A1', 'SERVICEABLE', :at)"),
                {"amo": amo_id, "no": f"T{number:04d}", "dept": department,
                 "at": datetime(2024, 1, 15, tzinfo=UTC) + timedelta(days=7 * number)})
    stop = threading.Event()
    thread = _follow_in_background(settings, pg_engine, stop)
    store = open_store(settings.archive_url)
    try:
        _wait_until(lambda: _anchored(settings, "tools", "compaction"))
    finally:
        stop.set()
        thread.join(timeout=60)
    files = committed_files(store, "tools")
    assert sorted(f.partition for f in files) == ["2024", "2025", "2026"]
    assert all(f.path.startswith(f"data/tools/year={f.partition}/") for f in files)
    assert sum(f.rows for f in files) == 150
    # Plain Hive readers of the folder agree on the partition column's type with the files.
    folder = store.local_root / "data" / "tools"
    plain = pads.dataset(folder, format="parquet", partitioning="hive").to_table()
    years = Counter(plain["year"].to_pylist())
    assert years == Counter(duckdb.sql(f"SELECT year FROM read_parquet('{folder}/**/*.parquet', "
                                       "hive_partitioning = true)").fetchnumpy()["year"].tolist())
    assert sorted(years) == [2024, 2025, 2026] and years.total() == 150
    assert_events_archived_exactly_once(settings, pg_engine)
