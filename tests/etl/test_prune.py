"""Retention prune: only archived, verified, old event rows leave the operational database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from etl.errors import EtlError
from etl.prune import prune
from etl.run import run_once
from tests.etl.support import archived_table, ensure_amo, insert_audit
from warehouse.archive import committed_files, open_store
from warehouse.archive.verify import verify_archive


def _event_ids(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT event_id FROM audit_events")).scalars())


def test_prune_deletes_only_old_rows_at_or_below_the_archived_watermark(pg_settings, pg_engine):
    amo_id = ensure_amo(pg_engine)
    now = datetime.now(UTC)
    archived_old = insert_audit(pg_engine, 200, start=now - timedelta(days=30), step=timedelta(hours=1),
                                amo_id=amo_id)
    archived_recent = insert_audit(pg_engine, 50, start=now - timedelta(days=2), step=timedelta(minutes=5),
                                   amo_id=amo_id)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    unarchived_old = insert_audit(pg_engine, 40, start=now - timedelta(days=40), step=timedelta(hours=1),
                                  amo_id=amo_id)

    (result, *_) = prune(pg_settings.etl, pg_engine, timedelta(days=7), tables=("audit_events",))

    assert result.deleted == 200
    assert _event_ids(pg_engine) == set(archived_recent) | set(unarchived_old)
    archived = set(archived_table(pg_settings, "audit_events", ["event_id"]).column("event_id").to_pylist())
    assert archived == set(archived_old) | set(archived_recent)
    assert verify_archive(open_store(pg_settings.archive_url)).ok
    # The unarchived old rows go only after the next run has archived them.
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    (result,) = prune(pg_settings.etl, pg_engine, timedelta(days=7), tables=("audit_events",))
    assert result.deleted == 40 and _event_ids(pg_engine) == set(archived_recent)


def test_prune_refuses_when_the_archive_does_not_verify(pg_settings, pg_engine):
    insert_audit(pg_engine, 100, start=datetime.now(UTC) - timedelta(days=20), step=timedelta(hours=1))
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    store = open_store(pg_settings.archive_url)
    (data_file,) = committed_files(store, "audit_events")
    path = store.local_root / data_file.path
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(EtlError, match="does not verify"):
        prune(pg_settings.etl, pg_engine, timedelta(days=7), tables=("audit_events",))
    assert len(_event_ids(pg_engine)) == 100


def test_event_rows_cannot_be_deleted_outside_a_prune(pg_engine):
    insert_audit(pg_engine, 3)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), pg_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_events"))
    assert len(_event_ids(pg_engine)) == 3
