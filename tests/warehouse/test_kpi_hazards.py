"""The hazard register's KPIs (top hazards by risk index, stale risk reviews) on three hazards
with their reviews, against hand-computed answers, as of past dates and per department."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.warehouse.conftest import at, seed_org, wait_visible, write_record
from warehouse import Warehouse

JUNE_30 = date(2025, 6, 30)


@pytest.fixture
def register(pg_settings, pg_engine):
    e = pg_engine
    org = seed_org(e)

    def hazard(no, department, identified, severity, likelihood, interval):
        return write_record(e, "hazards", {
            "amo_id": org["amo"], "hazard_no": no, "title": no, "description": no,
            "department_id": org[department], "identified_at": at(identified), "severity": severity,
            "likelihood": likelihood, "risk_index": severity * likelihood, "tolerability": "TOLERABLE",
            "review_interval_days": interval, "next_review_due_at": at(identified) + timedelta(days=interval),
            "status": "OPEN"}, at(identified))

    ids = {"H1": hazard("H1", "PROD", "2025-01-10", 4, 4, 30)}
    # Reviewed and mitigated on 5 February (risk 16 → 8), next review due 6 May: never done.
    write_record(e, "hazards", {"status": "MITIGATED", "likelihood": 2, "risk_index": 8,
                                "review_interval_days": 90, "last_reviewed_at": at("2025-02-05"),
                                "next_review_due_at": at("2025-05-06")},
                 at("2025-02-05"), record_id=ids["H1"])
    ids["H2"] = hazard("H2", "QUAL", "2025-03-01", 3, 3, 90)
    write_record(e, "hazards", {"status": "CLOSED", "closed_at": at("2025-05-20")}, at("2025-05-20"),
                 record_id=ids["H2"])
    ids["H3"] = hazard("H3", "PROD", "2025-06-01", 5, 2, 90)
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, ids
    warehouse.close()


def test_top_hazards_by_current_risk_index(register):
    wh, org, ids = register
    top = wh.kpi.top_hazards(amo_id=org["amo"], as_of=JUNE_30)
    assert top[["hazard_id", "risk_index", "status"]].values.tolist() == [
        [ids["H3"], 10, "OPEN"], [ids["H1"], 8, "MITIGATED"]]  # H2 closed
    spring = wh.kpi.top_hazards(amo_id=org["amo"], as_of=date(2025, 3, 15))
    assert spring[["hazard_id", "risk_index"]].values.tolist() == [[ids["H2"], 9], [ids["H1"], 8]]
    winter = wh.kpi.top_hazards(amo_id=org["amo"], as_of=date(2025, 2, 1))  # before the mitigation
    assert winter[["hazard_id", "risk_index"]].values.tolist() == [[ids["H1"], 16]]
    quality = wh.kpi.top_hazards(amo_id=org["amo"], department_id=org["QUAL"], as_of=date(2025, 3, 15))
    assert quality["hazard_id"].tolist() == [ids["H2"]]


def test_stale_risk_reviews(register):
    wh, org, ids = register
    stale = wh.kpi.stale_risk_reviews(amo_id=org["amo"], as_of=JUNE_30)
    assert stale[["hazard_id", "days_overdue"]].values.tolist() == [[ids["H1"], 55]]
    assert wh.kpi.stale_risk_reviews(amo_id=org["amo"], as_of=date(2025, 5, 5)).empty  # due the next day
    assert wh.kpi.stale_risk_reviews(amo_id=org["amo"], department_id=org["QUAL"], as_of=JUNE_30).empty
