"""Helpers of the ETL and archive tests: real inserts, and reading the archive back by manifest."""

from __future__ import annotations

import contextlib
import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.fs as pafs
import pytest
import requests
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from amoscope.settings import Settings
from etl.errors import LockedError
from etl.run import RunReport, run_once
from warehouse.archive import committed_files, open_dataset, open_store
from warehouse.archive.anchors import Anchor, newest_anchor
from warehouse.archive.verify import verify_archive
from warehouse.database import create_engine
from warehouse.events import uuid7
from warehouse.schema import audit_events


def ensure_amo(engine: sa.Engine) -> int:
    with engine.begin() as connection:
        existing = connection.execute(sa.text("SELECT id FROM amos WHERE code = 'T145'")).scalar()
        if existing:
            return existing
        return connection.execute(sa.text(
            "INSERT INTO amos (code, name) VALUES ('T145', 'Test AMO') RETURNING id")).scalar_one()


def audit_rows(count: int, *, start: datetime | None = None, step: timedelta = timedelta(minutes=7),
               amo_id: int | None = None) -> list[dict]:
    """``count`` audit-event rows with distinct ids, JSON images and times ``step`` apart."""
    start = start or datetime.now(UTC) - step * count
    rows = []
    for number in range(count):
        at = start + step * number
        rows.append({
            "event_id": uuid7(at), "occurred_at": at, "amo_id": amo_id, "action": "UPDATE",
            "entity_type": "cars", "entity_id": str(number % 97), "entity_version": number,
            "changed_fields": ["status"], "before": {"status": "OPEN"},
            "after": {"status": "CLOSED", "note": f"n{number} ü €"}, "actor_user_id": number % 13,
            "ip": "10.0.0.1", "reason": None if number % 3 else "checked",
        })
    return rows


def insert_audit(engine: sa.Engine, count: int, **options) -> list[str]:
    """Insert ``count`` audit events in one transaction; return their event ids."""
    rows = audit_rows(count, **options)
    with engine.begin() as connection:
        connection.execute(audit_events.insert(), rows)
    return [row["event_id"] for row in rows]


def wait_for_dead_writers(engine: sa.Engine, timeout: float = 30.0) -> None:
    """Wait until no other session of the database holds a transaction id.

    A run killed while it recorded its checkpoint leaves a backend with an open transaction
    until the server notices the closed socket; until then the snapshot horizon stays below
    it, and the next run rightly leaves rows committed after it for a later run.
    """
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")).scalar_one():
            assert time.monotonic() < deadline, "a killed run's transaction was never ended"
            time.sleep(0.05)
            connection.rollback()


def run_etl(settings: Settings, engine: sa.Engine, **options) -> RunReport:
    """One ETL run, waiting out the lock of a run that was just killed (the server frees it)."""
    for _ in range(100):
        try:
            return run_once(settings.etl, engine, **options)
        except LockedError:
            time.sleep(0.05)
    raise AssertionError("the ETL lock was never released")


def archived_table(settings: Settings, table: str, columns: list[str] | None = None) -> pa.Table:
    """Everything the manifests commit for ``table``, read with plain pyarrow."""
    store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
    return open_dataset(store, table, committed_files(store, table)).to_table(columns=columns)


def assert_events_archived_exactly_once(settings: Settings, engine: sa.Engine,
                                        table: str = "audit_events", *, verify: bool = True) -> int:
    """Every event of the source is in the archive once, nothing else is, and verify passes."""
    with engine.connect() as connection:
        source = Counter(connection.execute(sa.text(f"SELECT event_id FROM {table}")).scalars())
    archived = Counter(archived_table(settings, table, ["event_id"]).column("event_id").to_pylist())
    duplicated = {key: n for key, n in archived.items() if n > 1}
    assert not duplicated, f"{len(duplicated)} events archived more than once"
    missing = set(source) - set(archived)
    assert not missing, f"{len(missing)} events missing from the archive"
    assert set(archived) == set(source)
    if verify:
        assert_archive_verifies(settings)
    return len(source)


def database_anchor(settings: Settings) -> Anchor | None:
    """The newest checkpoint hash the operational database of ``settings`` records."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        return newest_anchor(engine)
    finally:
        engine.dispose()


def assert_archive_verifies(settings: Settings) -> None:
    """The archive verifies, against the checkpoint the operational database records."""
    anchor = database_anchor(settings)
    assert anchor is not None, "the database records no checkpoint"
    report = verify_archive(open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url),
                            anchor=anchor)
    assert report.ok, [str(problem) for problem in report.problems]


MOTO_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@contextlib.contextmanager
def moto_s3(bucket: str, **environment: str) -> Iterator[str]:
    """A local moto S3 server holding one empty ``bucket``, credentials in the environment
    (:data:`MOTO_ENVIRONMENT`, overridden by ``environment``); its URL.

    moto keeps every server's buckets in one process-wide store, so the store is reset first:
    the server starts empty whatever an earlier test left in it.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {**MOTO_ENVIRONMENT, **environment}.items():
                patch.setenv(name, value)
            pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{port}", scheme="http",
                             allow_bucket_creation=True).create_dir(bucket)
            yield endpoint
    finally:
        server.stop()
