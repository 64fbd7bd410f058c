"""The warehouse methods the notebooks introduced: whole windows of events, record tables now and
then, and integrity checks of the archive or a copy of it, each with its clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from warehouse import Warehouse
from warehouse.errors import WarehouseError


@pytest.fixture
def wh(demo):
    warehouse = Warehouse.open(demo.settings.warehouse)
    yield warehouse
    warehouse.close()


def test_events_reads_a_whole_window_across_archive_and_hot_tail(demo, wh):
    since = datetime.now(UTC) - timedelta(days=60)
    events = wh.events("audit", actor_user_id=int(demo.suspect["id"]), since=since)
    expected = demo.audit_events()
    expected = expected[(expected["actor_user_id"] == demo.suspect["id"]) & (expected["occurred_at"] >= since)]
    assert events["event_id"].tolist() == expected["event_id"].tolist()  # oldest first, none lost or repeated
    assert set(demo.export_event_ids) <= set(events["event_id"])  # the hot tail's rows are there
    assert expected["occurred_at"].min() < datetime.now(UTC) - timedelta(days=30)  # and archived ones


def test_events_refuses_to_return_part_of_a_window(wh):
    with pytest.raises(WarehouseError, match="more than 10 audit events match; narrow the window"):
        wh.events("audit", max_events=10)
    with pytest.raises(WarehouseError, match="unknown audit filter 'kind'"):
        wh.events("audit", kind="x")


def test_records_now_and_as_of(demo, wh):
    users = wh.records("users")
    assert len(users) == len(demo.sql("SELECT id FROM users"))
    assert "password_hash" not in users.columns and "session_version" not in users.columns
    year_ago = date.today() - timedelta(days=365)
    then = wh.records("users", as_of=year_ago)
    existing = demo.sql("SELECT id FROM users WHERE created_at <= :moment", moment=f"{year_ago} 23:59:59.999999")
    assert sorted(then["id"]) == sorted(existing["id"])
    assert list(wh.records("aircraft_utilisation").columns[:2]) == ["aircraft_id", "day"]
    with pytest.raises(WarehouseError, match="'sessions' is not a record table; use one of aircraft"):
        wh.records("sessions")


def test_verify_a_copy_and_prove(wh, tmp_path):
    copy = wh.copy_archive(tmp_path / "copy", ["audit_events"])
    assert wh.verify(["audit_events"], archive_url=str(copy)).ok
    event_id = wh.sql("SELECT event_id FROM audit_events ORDER BY id LIMIT 1").to_pandas()["event_id"].iloc[0]
    proof = wh.prove(event_id)
    assert Warehouse.check_proof(proof) == []
    for path in (copy / "data" / "audit_events").rglob("*.parquet"):
        path.unlink()
        break
    report = wh.verify(["audit_events"], archive_url=str(copy))
    assert not report.ok and any("missing" in str(problem) for problem in report.problems)
