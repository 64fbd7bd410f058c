"""Replay across the archive and the hot tail: order, no gap, no duplicate, strict cursors, resets."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import add_activity, archive_now, prune_archived, seed_org, wait_visible
from warehouse import Warehouse
from warehouse.errors import CursorError, WarehouseError
from warehouse.events import record_activity


@pytest.fixture
def wh(pg_settings, pg_engine):
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse
    warehouse.close()


def _all_ids(wh, limit, after=None, **filters):
    wait_visible(wh.engine)
    ids, pages = [], 0
    while True:
        page = wh.replay("activity", after=after, limit=limit, **filters)
        assert page.reset is False
        if page.events.empty:
            return ids, after
        ids += page.events["id"].tolist()
        after = page.next_cursor
        pages += 1
        assert pages < 100


def test_replay_hot_tail_only_in_order(wh, pg_engine):
    org = seed_org(pg_engine)
    ids = add_activity(pg_engine, org, 23)
    seen, last = _all_ids(wh, 5)
    assert seen == ids
    assert wh.replay("activity", after=last).events.empty


def test_replay_across_archive_and_hot_tail(wh, pg_engine, pg_settings):
    org = seed_org(pg_engine)
    ids = add_activity(pg_engine, org, 12)
    archive_now(pg_settings, pg_engine)
    ids += add_activity(pg_engine, org, 9)
    # archived rows are still in the hot tail too: no duplicates
    assert _all_ids(wh, 4)[0] == ids
    prune_archived(pg_engine, "activity_events", pg_settings)
    with pg_engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM activity_events")).scalar_one() == 9
    assert _all_ids(wh, 4)[0] == ids
    assert _all_ids(wh, 500)[0] == ids
    # a cursor taken before the ETL and prune continues seamlessly afterwards
    first = wh.replay("activity", limit=3)
    archive_now(pg_settings, pg_engine)
    prune_archived(pg_engine, "activity_events", pg_settings)
    assert first.events["id"].tolist() + _all_ids(wh, 5, after=first.next_cursor)[0] == ids


def test_replay_filters(wh, pg_engine, pg_settings):
    org = seed_org(pg_engine)
    qual = add_activity(pg_engine, org, 5, department="QUAL")
    prod = add_activity(pg_engine, org, 4, department="PROD", kind="crs.issued")
    archive_now(pg_settings, pg_engine)
    qual += add_activity(pg_engine, org, 3, department="QUAL")
    assert _all_ids(wh, 2, department_id=org["QUAL"])[0] == qual
    assert _all_ids(wh, 2, kind="crs.issued")[0] == prod
    assert _all_ids(wh, 2, kind=["crs.issued"], amo_id=org["amo"] + 1)[0] == []
    with pytest.raises(WarehouseError, match="unknown activity filter 'action'"):
        wh.replay("activity", action="CREATE")
    with pytest.raises(WarehouseError, match="whole number"):
        wh.replay("activity", department_id="3")


def test_replay_waits_for_late_commits(wh, pg_engine, pg_url):
    """A transaction that started first but commits last is not skipped (the xmin horizon)."""
    org = seed_org(pg_engine)
    add_activity(pg_engine, org, 2)
    wait_visible(pg_engine)
    page = wh.replay("activity")
    late_engine = sa.create_engine(pg_url)
    late = late_engine.connect()
    transaction = late.begin()
    record_activity(late, amo_id=org["amo"], kind="car.closed", summary="late", department_id=org["QUAL"])
    later = add_activity(pg_engine, org, 1, summary="later")
    assert wh.replay("activity", after=page.next_cursor).events.empty  # held back by the open transaction
    transaction.commit()
    late.close()
    late_engine.dispose()
    wait_visible(pg_engine)
    events = wh.replay("activity", after=page.next_cursor).events
    assert events["summary"].tolist() == ["late", "later"]
    assert events["id"].tolist()[1] == later[0]


@pytest.mark.parametrize("cursor", [
    "", "x", "not a cursor!", "a" * 500, "====",
    base64.urlsafe_b64encode(b"r1:activity:0123456789abcdef:1").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r1:activity:0123456789abcdef:-1:5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r1:activity:0123456789abcdef:01:5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r1:activity:XYZ:1:5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r1:feed:0123456789abcdef:1:5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r2:activity:0123456789abcdef:1:5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"r1:activity:0123456789abcdef:1:99999999999999999999").decode().rstrip("="),
    base64.urlsafe_b64encode("r1:activity:0123456789abcdef:1:٣".encode()).decode().rstrip("="),
])
def test_replay_malformed_cursor_is_a_clear_error(wh, cursor):
    with pytest.raises(CursorError, match="cursor"):
        wh.replay("activity", after=cursor)


def test_replay_cursor_of_other_stream_is_refused(wh, pg_engine):
    seed_org(pg_engine)
    with pytest.raises(CursorError, match="belongs to the audit stream"):
        wh.replay("activity", after=wh.latest_cursor("audit"))


def test_replay_resets_foreign_or_future_cursor(wh, pg_engine):
    org = seed_org(pg_engine)
    add_activity(pg_engine, org, 3)
    wait_visible(pg_engine)
    latest = wh.latest_cursor("activity")
    body = base64.urlsafe_b64decode(latest + "=" * (-len(latest) % 4)).decode()
    parts = body.split(":")
    foreign = ":".join([*parts[:2], "0123456789abcdef", *parts[3:]])
    future = ":".join([*parts[:3], str(int(parts[3]) + 10**6), parts[4]])
    for text in (foreign, future):
        cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        page = wh.replay("activity", after=cursor)
        assert page.reset is True and page.events.empty
        assert page.next_cursor == latest
    new = add_activity(pg_engine, org, 2)
    wait_visible(pg_engine)
    assert wh.replay("activity", after=latest).events["id"].tolist() == new


def test_replay_limit_checked(wh):
    for limit in (0, 501, -1, "5", True):
        with pytest.raises(WarehouseError, match="limit"):
            wh.replay("activity", limit=limit)
    with pytest.raises(WarehouseError, match="unknown stream"):
        wh.replay("feed")


def test_replay_on_sqlite(sqlite_settings, sqlite_engine):
    org = seed_org(sqlite_engine)
    ids = add_activity(sqlite_engine, org, 8)
    archive_now(sqlite_settings, sqlite_engine)
    ids += add_activity(sqlite_engine, org, 4)
    prune_archived(sqlite_engine, "activity_events", sqlite_settings)
    wh = Warehouse.open(sqlite_settings.warehouse, sqlite_engine)
    try:
        assert _all_ids(wh, 3)[0] == ids
    finally:
        wh.close()
