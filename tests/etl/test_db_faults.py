"""Database faults: the extracting connection is terminated mid-run (pg_terminate_backend).

The run is made as the commands make it, in a worker process (etl.isolation). Each failed run
must raise a clear error and commit nothing half: no manifest for a batch it did not finish;
the next run completes and the archive equals the source.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
import sqlalchemy as sa

from etl.errors import ExtractError
from etl.isolation import isolated
from etl.run import run_once
from etl.source import APPLICATION_NAME
from tests.etl.support import assert_events_archived_exactly_once, run_etl
from warehouse.archive import open_store, read_chain
from warehouse.archive.verify import verify_archive


def _add_events(engine: sa.Engine, count: int) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO audit_events (event_id, action, entity_type, entity_id, after) "
            "SELECT gen_random_uuid()::text, 'UPDATE', 'findings', g::text, "
            "jsonb_build_object('status', 'OPEN', 'text', repeat('x', 200)) FROM generate_series(1, :n) g"),
            {"n": count})


def _terminate_etl(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = :name AND datname = current_database()"),
            {"name": APPLICATION_NAME}).all())


def _etl_connected(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
            "AND datname = current_database()"), {"name": APPLICATION_NAME}).scalar())


def _terminated_runs(settings, engine, rounds: int, events: int, seed: int) -> int:
    rng = random.Random(seed)
    failures = 0
    for _ in range(rounds):
        _add_events(engine, events)
        before = len(read_chain(open_store(settings.archive_url), "audit_events"))
        outcome: list = []

        def run(outcome=outcome):
            try:
                outcome.append(isolated(engine, lambda: run_once(settings.etl, engine,
                                                                 tables=["audit_events"])))
            except ExtractError as error:
                outcome.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 10
        while not _etl_connected(engine) and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.15))  # anywhere in the run: snapshot, a read, between batches
        _terminate_etl(engine)
        worker.join()
        (result,) = outcome
        chain = read_chain(open_store(settings.archive_url), "audit_events")
        if isinstance(result, ExtractError):
            failures += 1
            assert "nothing of this batch was committed" in str(result)
            # Whole batches only: what is committed verifies. A run that failed with an error leaves
            # no stray file; one whose driver aborted its process may leave files that no manifest
            # commits (staged, or published just before the manifest), which the next run removes.
            report = verify_archive(open_store(settings.archive_url))
            aborted = "worker process ended without finishing" in str(result)
            assert [problem for problem in report.problems
                    if not (aborted and "not committed by any manifest" in problem.message)] == []
        assert all(stored.manifest.kind == "batch" for stored in chain[before:])
        run_etl(settings, engine, tables=["audit_events"])
        assert_events_archived_exactly_once(settings, engine)
    return failures


def test_a_terminated_connection_fails_the_run_cleanly_and_the_next_run_completes(pg_settings, pg_engine):
    failures = _terminated_runs(pg_settings.replace(etl_batch_rows=1000), pg_engine,
                                rounds=6, events=30_000, seed=59)
    assert failures >= 2


@pytest.mark.slow
def test_fifty_terminated_connections(pg_settings, pg_engine):
    failures = _terminated_runs(pg_settings.replace(etl_batch_rows=1000), pg_engine,
                                rounds=50, events=12_000, seed=5959)
    assert failures >= 20
