"""ETL runs on real PostgreSQL (and SQLite): batches, manifests, partitions, idempotence, guards."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from etl.errors import LockedError, SourceMismatch
from etl.lock import archive_lock
from etl.run import check_same_source, run_once
from etl.signing import generate_keypair
from etl.source import Snapshot, SourceIdentity
from tests.conftest import create_pg_database, drop_pg_database
from tests.etl.support import (
    archived_table,
    assert_events_archived_exactly_once,
    ensure_amo,
    insert_audit,
)
from warehouse.archive import committed_files, open_store, read_chain
from warehouse.archive.signatures import load_public_key
from warehouse.archive.verify import verify_archive
from warehouse.database import create_engine


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_events_are_archived_in_batches_each_committed_by_a_chained_manifest(pg_settings, pg_engine):
    insert_audit(pg_engine, 2500)
    settings = pg_settings.replace(etl_batch_rows=1000)
    report = run_once(settings.etl, pg_engine, tables=["audit_events"])
    assert [(t.table, t.rows, t.batches) for t in report.tables] == [("audit_events", 2500, 3)]

    store = open_store(settings.archive_url)
    chain = read_chain(store, "audit_events")
    assert [stored.manifest.row_count for stored in chain] == [1000, 1000, 500]
    assert chain[0].manifest.previous is None
    assert chain[1].manifest.previous == {"seq": 1, "sha256": chain[0].sha256}
    assert chain[1].manifest.cursor_from == chain[0].manifest.cursor_to
    system_identifier = chain[0].manifest.source["system_identifier"]
    assert system_identifier and system_identifier.isdigit()
    for data_file in committed_files(store, "audit_events"):
        parquet = pq.ParquetFile(store.full_path(data_file.path))
        assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
        rows = parquet.read()
        keys = list(zip(rows["txid"].to_pylist(), rows["id"].to_pylist(), strict=True))
        assert keys == sorted(keys) and keys[0] == data_file.first and keys[-1] == data_file.last
        assert set(rows["month"].to_pylist()) == {data_file.partition}
        assert f"/month={data_file.partition}/" in data_file.path
    assert_events_archived_exactly_once(settings, pg_engine)


def test_a_second_run_with_nothing_new_changes_no_byte(pg_settings, pg_engine, archive_dir):
    insert_audit(pg_engine, 300)
    run_once(pg_settings.etl, pg_engine)
    before = _tree_digest(archive_dir)
    report = run_once(pg_settings.etl, pg_engine)
    assert report.rows == 0 and not any(t.heartbeat for t in report.tables)
    assert _tree_digest(archive_dir) == before


def test_heartbeat_manifests_record_runs_that_found_nothing(pg_settings, pg_engine):
    settings = pg_settings.replace(etl_heartbeat_minutes=0)
    run_once(settings.etl, pg_engine, tables=["activity_events"])
    run_once(settings.etl, pg_engine, tables=["activity_events"])
    chain = read_chain(open_store(settings.archive_url), "activity_events")
    assert [stored.manifest.kind for stored in chain] == ["heartbeat", "heartbeat"]
    assert all(stored.manifest.row_count == 0 and not stored.manifest.files for stored in chain)
    assert chain[1].manifest.previous["sha256"] == chain[0].sha256


def test_events_are_partitioned_by_the_month_they_happened(pg_settings, pg_engine):
    insert_audit(pg_engine, 90, start=datetime(2026, 1, 20, tzinfo=UTC), step=timedelta(days=1))
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    files = committed_files(open_store(pg_settings.archive_url), "audit_events")
    assert sorted(f.partition for f in files) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert sum(f.rows for f in files) == 90
    table = archived_table(pg_settings, "audit_events", ["occurred_at", "month"])
    for at, month in zip(table["occurred_at"].to_pylist(), table["month"].to_pylist(), strict=True):
        assert at.strftime("%Y-%m") == month


def test_large_batches_get_row_groups_of_at_least_100k_rows(pg_settings, pg_engine):
    with pg_engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO audit_events (event_id, action, entity_type, entity_id, after) "
            "SELECT 'ev-' || g, 'CREATE', 'cars', g::text, jsonb_build_object('n', g) "
            "FROM generate_series(1, 140000) g"))
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    store = open_store(pg_settings.archive_url)
    (data_file,) = committed_files(store, "audit_events")
    metadata = pq.ParquetFile(store.full_path(data_file.path)).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sum(sizes) == 140000 and min(sizes) >= 100_000


def test_mutable_records_keep_one_version_per_archived_change(pg_settings, pg_engine):
    amo_id = ensure_amo(pg_engine)
    run_once(pg_settings.etl, pg_engine, tables=["amos"])
    with pg_engine.begin() as connection:
        connection.execute(sa.text("UPDATE amos SET name = 'Renamed', row_version = 2 WHERE id = :id"),
                           {"id": amo_id})
    run_once(pg_settings.etl, pg_engine, tables=["amos"])
    with pg_engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO aircraft (amo_id, registration, msn, type_model, customer_operator, base, status, "
            "tsn_fh, csn_fc, as_of) VALUES (:amo, 'D-ABCD', '1234', 'A320-214', 'Test Air', 'HAM', "
            "'IN_SERVICE', 1000.5, 800, DATE '2026-10-01')"), {"amo": amo_id})
        connection.execute(sa.text(
            "INSERT INTO aircraft_utilisation (aircraft_id, day, fh, fc, departures, tech_delays_15m, "
            "tech_cancellations) SELECT id, DATE '2026-10-01', 7.5, 4, 4, 0, 0 FROM aircraft"))
    run_once(pg_settings.etl, pg_engine, tables=["amos", "aircraft", "aircraft_utilisation"])

    versions = archived_table(pg_settings, "amos").sort_by("change_txid").to_pylist()
    assert [(v["id"], v["name"], v["row_version"]) for v in versions] == [
        (amo_id, "Test AMO", 1), (amo_id, "Renamed", 2)]
    with pg_engine.connect() as connection:
        current = connection.execute(sa.text("SELECT change_txid FROM amos")).scalar_one()
    assert versions[-1]["change_txid"] == current
    (data_file,) = committed_files(open_store(pg_settings.archive_url), "aircraft_utilisation")
    assert data_file.path == "data/aircraft_utilisation/year=2026/000000000001-000.parquet"
    utilisation = archived_table(pg_settings, "aircraft_utilisation").to_pylist()
    assert [(u["day"].isoformat(), u["fh"], u["year"]) for u in utilisation] == [("2026-10-01", 7.5, 2026)]
    assert verify_archive(open_store(pg_settings.archive_url)).ok


def test_secrets_never_reach_the_archive(pg_settings, pg_engine):
    amo_id = ensure_amo(pg_engine)
    with pg_engine.begin() as connection:
        department = connection.execute(sa.text(
            "INSERT INTO departments (amo_id, code, name) VALUES (:a, 'QUAL', 'Quality') RETURNING id"),
            {"a": amo_id}).scalar_one()
        role = connection.execute(sa.text(
            "INSERT INTO roles (code, name, description) VALUES ('member', 'Member', 'x') RETURNING id")
        ).scalar_one()
        connection.execute(sa.text(
            "INSERT INTO users (amo_id, department_id, role_id, username, email, full_name, password_hash) "
            "VALUES (:a, :d, :r, 'ann', 'ann@example.org', 'Ann', '$argon2id$secret-hash')"),
            {"a": amo_id, "d": department, "r": role})
    run_once(pg_settings.etl, pg_engine, tables=["users"])
    users = archived_table(pg_settings, "users")
    assert users.num_rows == 1
    assert "password_hash" not in users.column_names and "session_version" not in users.column_names
    for path in Path(pg_settings.archive_url).rglob("*"):
        if path.is_file():
            assert b"secret-hash" not in path.read_bytes()


def test_sqlite_is_archived_with_the_id_cursor(sqlite_settings, sqlite_engine):
    insert_audit(sqlite_engine, 700, amo_id=ensure_amo(sqlite_engine))
    settings = sqlite_settings.replace(etl_batch_rows=250)
    assert run_once(settings.etl, sqlite_engine).rows == 701  # 700 events and the AMO record
    chain = read_chain(open_store(settings.archive_url), "audit_events")
    assert [s.manifest.cursor_to for s in chain] == [(0, 250), (0, 500), (0, 700)]
    assert chain[0].manifest.source == {"dialect": "sqlite", "database": "operational.db",
                                        "system_identifier": None, "horizon": None}
    archived = archived_table(settings, "audit_events").sort_by("id").to_pylist()
    with sqlite_engine.connect() as connection:
        source = connection.execute(sa.text("SELECT event_id, after FROM audit_events ORDER BY id")).all()
    assert [(row["event_id"], json.loads(row["after"])) for row in archived] == \
        [(event_id, json.loads(after)) for event_id, after in source]
    assert_events_archived_exactly_once(settings, sqlite_engine)


def test_signed_manifests_verify_only_with_the_trusted_key(pg_settings, pg_engine, tmp_path):
    generate_keypair(tmp_path / "signing.pem")
    generate_keypair(tmp_path / "other.pem")
    settings = pg_settings.replace(signing_key_path=str(tmp_path / "signing.pem"))
    insert_audit(pg_engine, 50)
    run_once(settings.etl, pg_engine, tables=["audit_events"])
    store = open_store(settings.archive_url)
    assert verify_archive(store, public_key=load_public_key(tmp_path / "signing.pem.pub")).ok
    report = verify_archive(store, public_key=load_public_key(tmp_path / "other.pem.pub"))
    assert [p.message for p in report.problems] and all("not the trusted key" in p.message
                                                         for p in report.problems)


def test_a_second_concurrent_run_is_refused(pg_settings, pg_engine):
    with archive_lock(pg_engine), pytest.raises(LockedError, match="only one may run at a time"):
        run_once(pg_settings.etl, pg_engine)


def test_an_archive_of_another_database_is_refused(pg_settings, pg_engine, pg_template):
    insert_audit(pg_engine, 10)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    other_url = create_pg_database(template=pg_template)
    other = create_engine(other_url)
    try:
        with pytest.raises(SourceMismatch, match="was made from database"):
            run_once(pg_settings.replace(database_url=other_url).etl, other, tables=["audit_events"])
    finally:
        other.dispose()
        drop_pg_database(other_url)
    assert len(read_chain(open_store(pg_settings.archive_url), "audit_events")) == 1


def test_an_archive_ahead_of_the_database_transaction_ids_is_refused(pg_settings, pg_engine):
    insert_audit(pg_engine, 10)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    (last,) = read_chain(open_store(pg_settings.archive_url), "audit_events")
    source = last.manifest.source
    identity = SourceIdentity("postgresql", source["database"], source["system_identifier"])
    behind = Snapshot(horizon=5, next_xid=last.manifest.cursor_to[0])  # as if restored from an old backup
    with pytest.raises(SourceMismatch, match="restored from a backup older than the archive"):
        check_same_source(open_store(pg_settings.archive_url), last, identity, behind)
