"""The entity cache: timelines from the entity-sorted local copy give the archive's answers.

Every answer is compared with a warehouse without the cache (the plain archive scan), through
new ETL batches, a cache behind the archive, a cache file held by another process, an
unreadable cache file and a cache made from another archive.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from tests.warehouse.conftest import add_activity, archive_now, prune_archived, seed_org, wait_visible
from warehouse import Warehouse, event_cache
from warehouse.events import SYSTEM, record_audit

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def plain(pg_settings, pg_engine):
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse
    warehouse.close()


@pytest.fixture
def cached(pg_settings, pg_engine, tmp_path):
    settings = pg_settings.replace(warehouse_cache_dir=str(tmp_path / "cache"))
    warehouse = Warehouse.open(settings.warehouse, pg_engine)
    yield warehouse
    warehouse.close()


def _audit(engine, org, entity_id: int, version: int, at: datetime) -> None:
    with engine.begin() as connection:
        record_audit(connection, SYSTEM, "CREATE" if version == 1 else "UPDATE", amo_id=org["amo"],
                     entity_type="cars", entity_id=entity_id, entity_version=version,
                     after={"id": entity_id, "status": f"S{version}", "row_version": version}, occurred_at=at)


def _history(engine, org, versions: range, entities=(1, 2, 3)) -> None:
    for version in versions:
        for entity_id in entities:
            _audit(engine, org, entity_id, version, T0 + timedelta(days=40 * version + entity_id))
    add_activity(engine, org, 6, start=T0 + timedelta(days=40 * versions.start), step_seconds=86400 * 20)


def _same_timelines(plain, cached, entities=(0, 1, 2, 3, 4, 5, 99)) -> None:
    for entity_id in entities:
        expected, found = plain.timeline("cars", entity_id), cached.timeline("cars", entity_id)
        pd.testing.assert_frame_equal(found, expected)
        when = T0 + timedelta(days=100 + entity_id)
        assert cached.as_of("cars", entity_id, when) == plain.as_of("cars", entity_id, when)


def _archived(engine, settings) -> None:
    archive_now(settings, engine)
    for table in ("audit_events", "activity_events"):
        prune_archived(engine, table, settings)


def test_refresh_follows_new_batches_and_a_cache_behind_still_answers_in_full(plain, cached, pg_engine,
                                                                               pg_settings):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 4))
    _archived(pg_engine, pg_settings)
    cache = cached.sources.cache
    cache.refresh()
    state = cache.state("audit_events_by_entity")
    assert state.rows == 9 and state.seq == cached.sources.catalog.chain("audit_events")[-1].manifest.seq
    assert cache.state("activity_events_by_entity").rows == 6
    _same_timelines(plain, cached)

    _history(pg_engine, org, range(4, 6))  # a new batch, archived and pruned: the cache is behind
    _archived(pg_engine, pg_settings)
    _audit(pg_engine, org, 2, 6, T0 + timedelta(days=400))  # and one event in the hot tail
    wait_visible(pg_engine)
    assert cache.state("audit_events_by_entity").rows == 9
    # the cache's rows, the newer archive files and the hot tail (a refresh starts meanwhile)
    assert cached.timeline("cars", 2)["entity_version"].dropna().tolist() == [1, 2, 3, 4, 5, 6]

    cache.refresh()
    state = cache.state("audit_events_by_entity")
    assert state.rows == 15 and state.unsorted_rows == 6
    assert state.cursor == tuple(cached.sources.catalog.watermark("audit_events"))
    _same_timelines(plain, cached)


def _same_kpis(plain, cached, org) -> None:
    for department in (org["QUAL"], org["PROD"], None):
        for as_of in (None, T0 + timedelta(days=150), T0 + timedelta(days=380)):
            expected = plain.kpi.activity_volume(amo_id=org["amo"], department_id=department, as_of=as_of)
            found = cached.kpi.activity_volume(amo_id=org["amo"], department_id=department, as_of=as_of)
            pd.testing.assert_frame_equal(found, expected)


def test_kpis_read_the_department_sorted_copy_and_the_newer_files(plain, cached, pg_engine, pg_settings):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 4))
    add_activity(pg_engine, org, 5, department="PROD", start=T0 + timedelta(days=30), step_seconds=86400 * 9)
    _archived(pg_engine, pg_settings)
    cache = cached.sources.cache
    cache.refresh()
    assert cache.state("activity_events_by_scope").rows == 11
    expected = plain.kpi.activity_volume(amo_id=org["amo"], as_of=T0 + timedelta(days=380))
    assert expected["events"].sum() == 11
    _same_kpis(plain, cached, org)

    add_activity(pg_engine, org, 4, department="PROD", start=T0 + timedelta(days=200), step_seconds=86400)
    _archived(pg_engine, pg_settings)  # a batch the copy does not hold yet
    add_activity(pg_engine, org, 2, department="PROD", start=T0 + timedelta(days=300))  # hot tail
    wait_visible(pg_engine)
    assert cache.state("activity_events_by_scope").rows == 11
    _same_kpis(plain, cached, org)
    cache.refresh()
    assert cache.state("activity_events_by_scope").rows == 15
    _same_kpis(plain, cached, org)
    assert plain.kpi.activity_volume(amo_id=org["amo"], as_of=T0 + timedelta(days=380))["events"].sum() == 17


def test_appended_rows_are_sorted_again_past_the_threshold(plain, cached, pg_engine, pg_settings,
                                                           monkeypatch):
    monkeypatch.setattr(event_cache, "RESORT_MIN_ROWS", 4)
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 3))
    _archived(pg_engine, pg_settings)
    cached.sources.cache.refresh()
    _history(pg_engine, org, range(3, 5))
    _archived(pg_engine, pg_settings)
    cached.sources.cache.refresh()
    assert cached.sources.cache.state("audit_events_by_entity").unsorted_rows == 0  # 6 appended > 4: sorted
    assert cached.sources.cache.state("audit_events_by_entity").rows == 12
    _same_timelines(plain, cached)


def test_a_cache_held_by_another_process_falls_back_to_the_archive(plain, pg_engine, pg_settings, tmp_path):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 4))
    _archived(pg_engine, pg_settings)
    settings = pg_settings.replace(warehouse_cache_dir=str(tmp_path / "cache"))
    first = Warehouse.open(settings.warehouse, pg_engine)
    first.sources.cache.refresh()
    path = first.sources.cache.path
    first.close()
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = Warehouse.open(settings.warehouse, pg_engine)
        try:
            assert blocked.sources.cache.state("audit_events_by_entity") is None
            _same_timelines(plain, blocked)
        finally:
            blocked.close()
    finally:
        holder.communicate("")
    assert path.exists()  # a file in use by another process is never removed


def test_an_unusable_cache_folder_falls_back_to_the_archive(plain, pg_engine, pg_settings, tmp_path):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 3))
    _archived(pg_engine, pg_settings)
    (tmp_path / "not-a-folder").write_text("a file where the cache folder should be")
    unusable = pg_settings.replace(warehouse_cache_dir=str(tmp_path / "not-a-folder"))
    wh = Warehouse.open(unusable.warehouse, pg_engine)
    try:
        wh.sources.cache.refresh()
        assert wh.sources.cache.state("audit_events_by_entity") is None
        _same_timelines(plain, wh)
        _same_kpis(plain, wh, org)
    finally:
        wh.close()


def test_an_unreadable_cache_file_is_rebuilt(plain, pg_engine, pg_settings, tmp_path):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 4))
    _archived(pg_engine, pg_settings)
    settings = pg_settings.replace(warehouse_cache_dir=str(tmp_path / "cache"))
    wh = Warehouse.open(settings.warehouse, pg_engine)
    try:
        wh.sources.cache.path.parent.mkdir(parents=True)
        wh.sources.cache.path.write_bytes(b"not a database" * 1000)
        wh.sources.cache.refresh()
        assert wh.sources.cache.state("audit_events_by_entity").rows == 9
        _same_timelines(plain, wh)
    finally:
        wh.close()


def test_a_cache_of_another_archive_is_not_used_and_is_rebuilt(plain, cached, pg_engine, pg_settings):
    org = seed_org(pg_engine)
    _history(pg_engine, org, range(1, 4))
    _archived(pg_engine, pg_settings)
    cache = cached.sources.cache
    cache.refresh()
    with duckdb.connect(":memory:") as connection:  # as if the cache had been made from another archive
        cache.close()
        connection.execute(f"ATTACH '{cache.path}' AS other")
        connection.execute("UPDATE other.state SET sha256 = 'another archive', rows = 1")
        connection.execute("DELETE FROM other.audit_events_by_entity WHERE entity_id <> '1'")
    stale = Warehouse.open(cached.settings, pg_engine)
    try:
        assert stale.sources.cache.lookup("audit_events", ["entity_id = ?"], ["2"]) is None
        _same_timelines(plain, stale)
        stale.sources.cache.refresh()
        assert stale.sources.cache.state("audit_events_by_entity").rows == 9
        _same_timelines(plain, stale)
    finally:
        stale.close()
