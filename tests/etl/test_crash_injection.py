"""Crash injection: the ETL is SIGKILLed at random moments and at instrumented points.

Each round inserts new events, runs the ETL in a forked child that dies mid-run (in some rounds
while it also compacts), then runs it normally: the archive must then hold every event exactly
once and verify against the checkpoint the database records. Instrumented points: inside the
Parquet write, right after a file's rename, right before and right after the link of a manifest
or checkpoint (the commit points), inside an fsync; random points: a kill after a random delay.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time

import pyarrow.parquet as pq
import pytest

from etl.run import run_once
from tests.etl.support import (
    assert_archive_verifies,
    assert_events_archived_exactly_once,
    ensure_amo,
    insert_audit,
    run_etl,
    wait_for_dead_writers,
)
from warehouse.database import create_engine
from warehouse.events import record_activity

TABLES = ["audit_events", "activity_events"]


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at(module, name: str, nth: int, *, after: bool) -> None:
    """Make the ``nth`` call of ``module.name`` kill the process, before or after it runs."""
    original = getattr(module, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and not after:
            _die()
        result = original(*args, **kwargs)
        if calls[0] == nth and after:
            _die()
        return result

    setattr(module, name, wrapper)


POINTS = {
    "during-write": lambda nth: _kill_at(pq.ParquetWriter, "write_table", nth, after=False),
    "after-rename": lambda nth: _kill_at(os, "replace", nth, after=True),
    "before-manifest": lambda nth: _kill_at(os, "link", nth, after=False),
    "after-manifest": lambda nth: _kill_at(os, "link", nth, after=True),
    "in-fsync": lambda nth: _kill_at(os, "fsync", nth, after=False),
}


def _crashing_run(settings, point: str | None, nth: int, delay: float, compact: bool) -> bool:
    """Run the ETL in a forked child killed at ``point`` (or after ``delay``); True if it died."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            if point is not None:
                POINTS[point](nth)
            engine = create_engine(settings.database_url, pool_size=1)
            run_once(settings.etl, engine, tables=TABLES, compact=TABLES if compact else ())
        finally:
            os._exit(0)
    if point is None:
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _crash_rounds(settings, engine, crashes_wanted: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    amo_id = ensure_amo(engine)
    crashes: dict[str, int] = {}
    rounds = 0
    while sum(crashes.values()) < crashes_wanted:
        rounds += 1
        assert rounds <= crashes_wanted * 3, f"too few runs died: {crashes}"
        insert_audit(engine, rng.randint(20, 200), amo_id=amo_id)
        with engine.begin() as connection:
            for number in range(rng.choice([0, 0, 0, rng.randint(1, 30)])):
                record_activity(connection, amo_id=amo_id, kind="car.closed", summary=f"CAR {number} closed")
        point = rng.choice([*POINTS, None, None])
        if _crashing_run(settings, point, rng.randint(1, 3), rng.uniform(0.0, 0.4), rng.random() < 0.3):
            crashes[point or "random"] = crashes.get(point or "random", 0) + 1
        wait_for_dead_writers(engine)
        run_etl(settings, engine, tables=TABLES)
        assert_events_archived_exactly_once(settings, engine, "audit_events", verify=False)
        assert_events_archived_exactly_once(settings, engine, "activity_events", verify=False)
        assert_archive_verifies(settings)
    return crashes


def test_fifty_sigkills_lose_and_duplicate_nothing(pg_settings, pg_engine):
    crashes = _crash_rounds(pg_settings.replace(etl_batch_rows=120), pg_engine, 50, seed=58)
    assert set(crashes) == {*POINTS, "random"}, crashes


@pytest.mark.slow
@pytest.mark.timeout(3600)  # each round re-verifies the whole, growing archive
def test_two_hundred_sigkills_lose_and_duplicate_nothing(pg_settings, pg_engine):
    crashes = _crash_rounds(pg_settings.replace(etl_batch_rows=120), pg_engine, 200, seed=200)
    assert set(crashes) == {*POINTS, "random"}, crashes
