"""History pages (keyset, both orders, next/previous), fingerprints, timelines and as-of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.warehouse.conftest import add_activity, archive_now, prune_archived, seed_org, wait_visible
from warehouse import Warehouse
from warehouse.errors import CursorError
from warehouse.events import SYSTEM, RequestContext, record_activity, record_audit


@pytest.fixture
def wh(pg_settings, pg_engine):
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse
    warehouse.close()


def _walk(wh, **kwargs):
    pages, page = [], None
    while True:
        result = wh.history("activity", page=page, **kwargs)
        pages.append(result)
        if result.next_page is None:
            return pages
        page = result.next_page


@pytest.fixture
def spread(wh, pg_engine, pg_settings):
    """17 events over two months, the first 10 archived and pruned; returns ids oldest first."""
    org = seed_org(pg_engine)
    ids = add_activity(pg_engine, org, 10, start=datetime(2026, 1, 20, tzinfo=UTC), step_seconds=86400)
    archive_now(pg_settings, pg_engine)
    prune_archived(pg_engine, "activity_events", pg_settings)
    ids += add_activity(pg_engine, org, 7, start=datetime(2026, 2, 25, tzinfo=UTC), step_seconds=3600,
                        summary="Finding {n} raised")
    wait_visible(pg_engine)
    return org, ids


def test_history_newest_first_pages_and_back(wh, spread):
    _, ids = spread
    pages = _walk(wh, limit=4)
    assert [page.events["id"].tolist() for page in pages] == [
        ids[::-1][0:4], ids[::-1][4:8], ids[::-1][8:12], ids[::-1][12:16], ids[::-1][16:]]
    assert pages[0].previous_page is None
    back = wh.history("activity", page=pages[2].previous_page, limit=4)
    assert back.events["id"].tolist() == pages[1].events["id"].tolist()
    assert wh.history("activity", page=back.previous_page, limit=4).events["id"].tolist() == ids[::-1][0:4]
    assert wh.history("activity", page=back.next_page, limit=4).events["id"].tolist() == ids[::-1][8:12]


def test_history_oldest_first_and_text_search(wh, spread):
    _, ids = spread
    pages = _walk(wh, limit=5, newest_first=False)
    assert [i for page in pages for i in page.events["id"].tolist()] == ids
    found = wh.history("activity", text="FINDING 3", limit=50)
    assert found.events["summary"].tolist() == ["Finding 3 raised"]
    assert wh.history("activity", text="100%_", limit=50).events.empty  # wildcards are plain text


def test_history_time_range_filters_archive_and_hot(wh, spread):
    _, ids = spread
    page = wh.history("activity", since=datetime(2026, 1, 25, tzinfo=UTC),
                      until=datetime(2026, 2, 25, 2, tzinfo=UTC), newest_first=False, limit=100)
    assert page.events["id"].tolist() == ids[5:12]


def test_history_fingerprint_detects_change(wh, spread, pg_engine):
    org, _ = spread
    first = wh.history("activity", limit=3, department_id=org["QUAL"])
    again = wh.history("activity", limit=3, department_id=org["QUAL"], if_none_match=first.fingerprint)
    assert again.not_modified and again.events.empty
    add_activity(pg_engine, org, 1, department="PROD")  # another department: no change for QUAL
    wait_visible(pg_engine)
    assert wh.fingerprint("activity", department_id=org["QUAL"]) == first.fingerprint
    add_activity(pg_engine, org, 1, department="QUAL")
    wait_visible(pg_engine)
    changed = wh.history("activity", limit=3, department_id=org["QUAL"], if_none_match=first.fingerprint)
    assert not changed.not_modified and changed.fingerprint != first.fingerprint


def test_history_cursor_errors(wh, spread):
    page = wh.history("activity", limit=2)
    with pytest.raises(CursorError, match="other sort order"):
        wh.history("activity", page=page.next_page, newest_first=False)
    with pytest.raises(CursorError, match="audit stream"):
        wh.history("audit", page=page.next_page)
    with pytest.raises(CursorError, match="malformed"):
        wh.history("activity", page=page.next_page[:-3] + "!!!")
    with pytest.raises(CursorError):
        wh.history("activity", page=wh.latest_cursor("activity"))  # a replay cursor is not a page cursor


def _car_lifecycle(engine, org):
    """A CAR created, moved through two states and closed, at known times."""
    t0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
    user = RequestContext(actor_user_id=7, actor_role="quality", auth_method="SESSION")
    image = {"id": 42, "car_no": "CAR-2025-0042", "status": "OPEN", "due_date": "2025-06-01",
             "row_version": 1}
    steps = [("CREATE", None, dict(image), t0)]
    for version, (status, at) in enumerate([("CAP_SUBMITTED", t0 + timedelta(days=10)),
                                            ("IMPLEMENTED", t0 + timedelta(days=40)),
                                            ("CLOSED", t0 + timedelta(days=90))], start=2):
        before = {"status": image["status"], "row_version": image["row_version"]}
        image = {**image, "status": status, "row_version": version}
        steps.append(("STATE_CHANGE", before, dict(image), at))
    for action, before, after, at in steps:
        with engine.begin() as connection:
            record_audit(connection, user, action, amo_id=org["amo"], entity_type="cars", entity_id=42,
                         entity_version=after["row_version"], workflow_phase=after["status"],
                         before=before, after=after, occurred_at=at)
            record_activity(connection, amo_id=org["amo"], kind=f"car.{after['status'].lower()}",
                            summary=f"CAR-2025-0042 {after['status']}", entity_type="cars", entity_id=42,
                            department_id=org["QUAL"], occurred_at=at)
    with engine.begin() as connection:  # another record's event must not leak in
        record_audit(connection, SYSTEM, "CREATE", amo_id=org["amo"], entity_type="cars", entity_id=43,
                     entity_version=1, after={"id": 43, "status": "OPEN"}, occurred_at=t0)
    return t0


def test_timeline_and_as_of_across_archive(wh, pg_engine, pg_settings):
    org = seed_org(pg_engine)
    t0 = _car_lifecycle(pg_engine, org)
    archive_now(pg_settings, pg_engine)
    prune_archived(pg_engine, "audit_events", pg_settings)
    with pg_engine.begin() as connection:  # a later change stays in the hot tail
        record_audit(connection, SYSTEM, "UPDATE", amo_id=org["amo"], entity_type="cars", entity_id=42,
                     entity_version=5, before={"row_version": 4, "effectiveness_result": None},
                     after={"id": 42, "status": "CLOSED", "row_version": 5,
                            "effectiveness_result": "EFFECTIVE"},
                     occurred_at=t0 + timedelta(days=120))
    wait_visible(pg_engine)
    timeline = wh.timeline("cars", 42)
    audit = timeline[timeline["stream"] == "audit"]
    assert audit["action"].tolist() == ["CREATE", "STATE_CHANGE", "STATE_CHANGE", "STATE_CHANGE", "UPDATE"]
    assert [a["status"] for a in audit["after"]] == [
        "OPEN", "CAP_SUBMITTED", "IMPLEMENTED", "CLOSED", "CLOSED"]
    assert timeline[timeline["stream"] == "activity"]["kind"].tolist() == [
        "car.open", "car.cap_submitted", "car.implemented", "car.closed"]
    assert timeline["occurred_at"].is_monotonic_increasing
    assert wh.as_of("cars", 42, t0 - timedelta(seconds=1)) is None
    assert wh.as_of("cars", "42", t0 + timedelta(days=20))["status"] == "CAP_SUBMITTED"
    assert wh.as_of("cars", 42, t0 + timedelta(days=90))["status"] == "CLOSED"
    assert wh.as_of("cars", 42, t0 + timedelta(days=200))["effectiveness_result"] == "EFFECTIVE"
    assert wh.timeline("cars", 999).empty
