"""Cockpit snapshots kept in memory: the same figures as computed afresh, new ones after new data,
never another AMO's or another date's, bounded, one computation per key under threads."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import (
    add_finding,
    look_and_sign_in,
    raise_car,
    seed_org,
    seed_people,
    wait_visible,
)
from warehouse import Warehouse
from warehouse.clock import SimulatedClock
from warehouse.kpi.snapshots import SnapshotCache, SnapshotKey, live_moment
from warehouse.schema import amos, departments

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # a whole minute: a live snapshot's moment is now itself


@pytest.fixture
def two_amos(pg_settings, pg_engine):
    """AMO1 with a finding and an open CAR, AMO2 with its QUAL department and nothing else; a
    warehouse on a clock standing at NOW."""
    org = seed_org(pg_engine)
    people = seed_people(pg_engine, org)
    org["finding"] = add_finding(pg_engine, org)
    raise_car(pg_engine, org, org["finding"], "CAR-1")
    with pg_engine.begin() as connection:
        other = connection.execute(sa.insert(amos).values(code="AMO2", name="Other AMO").returning(amos.c.id))
        org["other"] = other.scalar_one()
        connection.execute(sa.insert(departments).values(amo_id=org["other"], code="QUAL", name="QUAL"))
    wait_visible(pg_engine)
    warehouse = Warehouse(pg_settings.warehouse, pg_engine, clock=SimulatedClock(NOW))
    yield warehouse, org, people
    warehouse.close()


def _open_cars(snapshot) -> int:
    return len(snapshot["car_ageing"]) and int(snapshot["car_ageing"]["cars"].sum())


def test_a_kept_snapshot_equals_a_fresh_one_until_new_data(two_amos, pg_settings, pg_engine):
    warehouse, org, people = two_amos
    cache = warehouse.kpi.snapshots
    first = warehouse.for_amo(org["amo"]).kpi.cockpit_snapshot("QUAL")
    again = warehouse.for_amo(org["amo"]).kpi.cockpit_snapshot("QUAL")
    assert (cache.stats().misses, cache.stats().hits) == (1, 1)
    uncached = Warehouse(dataclasses.replace(pg_settings.warehouse, kpi_cache_entries=0), pg_engine,
                         clock=SimulatedClock(NOW))
    try:
        assert uncached.kpi.snapshots is None
        fresh = uncached.for_amo(org["amo"]).kpi.cockpit_snapshot("QUAL")
    finally:
        uncached.close()
    assert set(first) == set(again) == set(fresh)
    for name in fresh:
        pd.testing.assert_frame_equal(again[name], fresh[name])
    assert _open_cars(first) == 1

    look_and_sign_in(pg_engine, org, people["QUAL"])
    warehouse.for_amo(org["amo"]).kpi.cockpit_snapshot("QUAL")
    assert cache.stats().misses == 1, "a view or a sign-in does not invalidate"

    raise_car(pg_engine, org, org["finding"], "CAR-2")
    assert _open_cars(warehouse.for_amo(org["amo"]).kpi.cockpit_snapshot("QUAL")) == 2
    assert cache.stats().misses == 2


def test_amos_dates_and_departments_have_their_own_snapshots(two_amos):
    warehouse, org, _ = two_amos
    mine = warehouse.for_amo(org["amo"]).kpi
    theirs = warehouse.for_amo(org["other"]).kpi
    assert _open_cars(mine.cockpit_snapshot("QUAL")) == 1
    assert _open_cars(theirs.cockpit_snapshot("QUAL")) == 0, "AMO2 never gets AMO1's kept snapshot"
    assert _open_cars(mine.cockpit_snapshot("QUAL", as_of=date(2025, 1, 5))) == 0, "before the CAR"
    assert _open_cars(mine.cockpit_snapshot("QUAL", as_of=date(2025, 1, 20))) == 1
    mine.cockpit_snapshot("PROD")
    unscoped = warehouse.kpi.cockpit_snapshot("QUAL", amo_id=org["amo"])
    assert _open_cars(unscoped) == 1
    assert warehouse.kpi.snapshots.stats().misses == 6 and warehouse.kpi.snapshots.stats().hits == 0


def test_late_data_of_a_past_day_reaches_its_as_of_snapshot(two_amos, pg_engine):
    warehouse, org, _ = two_amos
    kpi = warehouse.for_amo(org["amo"]).kpi
    assert _open_cars(kpi.cockpit_snapshot("QUAL", as_of=date(2025, 1, 20))) == 1
    raise_car(pg_engine, org, org["finding"], "CAR-LATE")  # raised on 11 January, recorded only now
    assert _open_cars(kpi.cockpit_snapshot("QUAL", as_of=date(2025, 1, 20))) == 2


def _key(n: int, version: str = "v1") -> SnapshotKey:
    return SnapshotKey(1, 1, "QUAL", None, datetime(2025, 1, n, tzinfo=UTC), False, version)


def test_the_cache_keeps_the_most_recently_used_entries_only():
    cache = SnapshotCache(entries=2, live_seconds=60)
    frame = {"k": pd.DataFrame({"x": [1]})}
    for n in (1, 2):
        cache.get(_key(n), lambda: frame)
    cache.get(_key(1), lambda: frame)  # 1 is now more recent than 2
    cache.get(_key(3), lambda: frame)  # 2 goes
    assert cache.stats().entries == 2
    computed = []
    cache.get(_key(1), lambda: computed.append(1) or frame)
    cache.get(_key(2), lambda: computed.append(2) or frame)
    assert computed == [2]


def test_a_caller_changing_its_snapshot_does_not_change_the_kept_one():
    cache = SnapshotCache(entries=4, live_seconds=60)
    mine = cache.get(_key(1), lambda: {"k": pd.DataFrame({"x": [1, 2]})})["k"]
    mine["x"] = [9, 9]
    theirs = cache.get(_key(1), dict)["k"]
    theirs.loc[0, "x"] = 7
    assert cache.get(_key(1), dict)["k"]["x"].tolist() == [1, 2]


def test_concurrent_requests_for_one_key_compute_it_once():
    cache = SnapshotCache(entries=4, live_seconds=60)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.2)
        return {"k": pd.DataFrame({"x": [len(calls)]})}

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(_key(1), compute)["k"]["x"][0]))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [1] * 6
    assert (cache.stats().misses, cache.stats().hits) == (1, 5)


def test_a_live_snapshot_is_kept_for_its_period_of_the_clock():
    start = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert live_moment(start + timedelta(seconds=59), 60) == start
    assert live_moment(start + timedelta(seconds=60), 60) == start + timedelta(minutes=1)
