"""Quality KPIs against hand-computed answers, today and as of past dates (from the audit trail)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.warehouse.conftest import (
    archive_now,
    at,
    prune_archived,
    seed_org,
    seed_people,
    wait_visible,
    write_record,
)
from warehouse import Warehouse


@pytest.fixture
def qms(pg_settings, pg_engine):
    """Three findings, three CARs and three audits in 2025 (see each test for the hand count)."""
    org = seed_org(pg_engine)
    people = seed_people(pg_engine, org)
    e = pg_engine

    def finding(no, level, ref, dept, raised, **extra):
        return write_record(e, "findings", {"amo_id": org["amo"], "finding_no": no,
                                            "source": "INTERNAL_AUDIT", "level": level, "regulation_ref": ref,
                                            "department_id": org[dept],
                                            "description": no, "raised_at": at(raised), "status": "OPEN",
                                            **extra}, at(raised))

    def car(no, finding_id, dept, created, due, root, **extra):
        return write_record(e, "cars", {"amo_id": org["amo"], "car_no": no, "finding_id": finding_id,
                                        "department_id": org[dept], "due_date": date.fromisoformat(due),
                                        "root_cause_category": root, "status": "OPEN", **extra}, at(created))

    f1 = finding("F1", "L2", "145.A.40", "QUAL", "2025-01-10")
    c1 = car("C1", f1, "QUAL", "2025-01-11", "2025-02-10", "KNOWLEDGE_SKILLS")
    write_record(e, "cars", {"status": "CLOSED", "closed_at": at("2025-02-08")}, at("2025-02-08"),
                 record_id=c1)
    write_record(e, "findings", {"status": "CLOSED", "closed_at": at("2025-02-15")}, at("2025-02-15"),
                 record_id=f1)
    f3 = finding("F3", "OBS", "145.A.42", "PROD", "2025-03-01")
    c3 = car("C3", f3, "PROD", "2025-03-02", "2025-04-01", "KNOWLEDGE_SKILLS")
    f2 = finding("F2", "L1", "145.A.40", "QUAL", "2025-05-01")
    c2 = car("C2", f2, "QUAL", "2025-05-02", "2025-06-01", "JOB_TASK")
    write_record(e, "cars", {"extended_due_date": date(2025, 7, 15), "extension_count": 1}, at("2025-05-30"),
                 record_id=c2)
    write_record(e, "cars", {"status": "CLOSED", "closed_at": at("2025-07-10")}, at("2025-07-10"),
                 record_id=c3)

    def audit(no, dept, lead, planned, performed, refs, **extra):
        return write_record(e, "audits", {
            "amo_id": org["amo"], "audit_no": no, "audit_type": "INTERNAL", "regulation_refs": refs,
            "auditee_department_id": org[dept], "location": "BASE", "lead_auditor_id": people[lead],
            "planned_date": date.fromisoformat(planned), "status": "PLANNED", **extra}, at(planned))

    a1 = audit("A1", "PROD", "QUAL", "2025-06-10", None, ["145.A.40", "145.A.42"], is_unannounced=True)
    write_record(e, "audits", {"performed_date": date(2025, 6, 11), "status": "REPORTED"}, at("2025-06-11"),
                 record_id=a1)
    a2 = audit("A2", "QUAL", "QUAL", "2025-06-20", None, ["145.A.30"])
    a3 = audit("A3", "QUAL", "PROD", "2025-05-15", "2025-05-15", ["145.A.40"], is_night=True)
    write_record(e, "audits", {"performed_date": date(2025, 5, 15), "status": "REPORTED"}, at("2025-05-15"),
                 record_id=a3)
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, {"f1": f1, "f2": f2, "f3": f3, "c1": c1, "c2": c2, "c3": c3,
                           "a1": a1, "a2": a2, "a3": a3}
    warehouse.close()


JUNE_30 = date(2025, 6, 30)
AUG_1 = date(2025, 8, 1)


def test_overdue_cars_now_and_as_of(qms):
    wh, org, ids = qms
    then = wh.kpi.overdue_cars(amo_id=org["amo"], as_of=JUNE_30)
    assert then[["car_id", "department_id", "level", "days_overdue"]].values.tolist() == [
        [ids["c3"], org["PROD"], "OBS", 90]]
    later = wh.kpi.overdue_cars(amo_id=org["amo"], as_of=AUG_1)
    assert later[["car_id", "level", "days_overdue"]].values.tolist() == [[ids["c2"], "L1", 17]]
    now = wh.kpi.overdue_cars(amo_id=org["amo"])
    expected_days = (datetime.now(UTC).date() - date(2025, 7, 15)).days
    assert now[["car_id", "days_overdue"]].values.tolist() == [[ids["c2"], expected_days]]
    assert wh.kpi.overdue_cars(amo_id=org["amo"], department_id=org["PROD"], as_of=AUG_1).empty
    assert wh.kpi.overdue_cars(amo_id=org["amo"] + 99).empty


def test_as_of_survives_archive_and_prune(qms, pg_settings, pg_engine):
    wh, org, ids = qms
    archive_now(pg_settings, pg_engine)
    prune_archived(pg_engine, "audit_events", pg_settings)
    then = wh.kpi.overdue_cars(amo_id=org["amo"], as_of=JUNE_30)
    assert then[["car_id", "days_overdue"]].values.tolist() == [[ids["c3"], 90]]


def test_car_ageing_and_closure(qms):
    wh, org, ids = qms
    ageing = wh.kpi.car_ageing(amo_id=org["amo"], as_of=JUNE_30)
    assert ageing[["bucket", "level", "cars"]].values.tolist() == [["31-60", "L1", 1], [">90", "OBS", 1]]
    assert list(ageing["car_ids"].iloc[1]) == [ids["c3"]]
    on_time = wh.kpi.on_time_closure_rate(amo_id=org["amo"], as_of=JUNE_30).iloc[0]
    assert (on_time["closed"], on_time["on_time"], on_time["rate"]) == (1, 1, 1.0)
    on_time = wh.kpi.on_time_closure_rate(amo_id=org["amo"], as_of=AUG_1).iloc[0]
    assert (on_time["closed"], on_time["on_time"], on_time["rate"]) == (2, 1, 0.5)
    assert list(on_time["late_car_ids"]) == [ids["c3"]]
    closure = wh.kpi.car_closure_time(amo_id=org["amo"], as_of=AUG_1)
    assert closure[["level", "closed", "median_days", "p90_days"]].values.tolist() == [
        ["L2", 1, 28.0, 28.0], ["OBS", 1, 130.0, 130.0]]


def test_extension_repeat_and_pareto(qms):
    wh, org, ids = qms
    ext = wh.kpi.extension_rate(amo_id=org["amo"], as_of=JUNE_30).iloc[0]
    assert (ext["cars"], ext["extended"], ext["rate"], ext["mean_extensions"]) == (3, 1, 0.3333, 0.3333)
    assert wh.kpi.extension_rate(amo_id=org["amo"], as_of=date(2025, 5, 29)).iloc[0]["extended"] == 0
    repeats = wh.kpi.repeat_findings(amo_id=org["amo"], as_of=JUNE_30)
    assert repeats[["finding_id", "prior_finding_id"]].values.tolist() == [[ids["f2"], ids["f1"]]]
    pareto = wh.kpi.root_cause_pareto(amo_id=org["amo"], as_of=JUNE_30)
    assert pareto[["root_cause_category", "cars", "cumulative_share"]].values.tolist() == [
        ["KNOWLEDGE_SKILLS", 2, 0.6667], ["JOB_TASK", 1, 1.0]]
    open_findings = wh.kpi.open_findings_by_level(amo_id=org["amo"], as_of=JUNE_30)
    assert open_findings[["department_id", "level", "open_findings"]].values.tolist() == [
        [org["QUAL"], "L1", 1], [org["PROD"], "OBS", 1]]


def test_audit_programme_kpis(qms):
    wh, org, ids = qms
    programme = wh.kpi.audit_programme_completion(amo_id=org["amo"], as_of=JUNE_30)
    assert programme[["month", "planned", "performed", "completion"]].values.tolist() == [
        ["2025-05", 1, 1, 1.0], ["2025-06", 2, 1, 0.5]]
    coverage = wh.kpi.regulation_coverage(amo_id=org["amo"], as_of=JUNE_30).set_index("regulation_ref")
    assert coverage.loc["145.A.40", "audits_12m"] == 2 and coverage.loc["145.A.42", "audits_12m"] == 1
    assert coverage.loc["145.A.30", "audits_12m"] == 0
    assert sorted(coverage.loc["145.A.40", "audit_ids"]) == sorted([ids["a1"], ids["a3"]])
    share = wh.kpi.unannounced_night_share(amo_id=org["amo"], as_of=JUNE_30).iloc[0]
    assert (share["audits"], share["unannounced_share"], share["night_share"]) == (2, 0.5, 0.5)
    # before A1 was performed, only A3 (a night audit) counts
    share = wh.kpi.unannounced_night_share(amo_id=org["amo"], as_of=date(2025, 6, 10)).iloc[0]
    assert (share["audits"], share["unannounced"], share["night"]) == (1, 0, 1)
    violations = wh.kpi.auditor_independence_violations(amo_id=org["amo"])
    assert violations["audit_id"].tolist() == [ids["a2"]]


def test_cockpit_snapshot_has_every_quality_kpi(qms):
    wh, org, ids = qms
    snapshot = wh.kpi.cockpit_snapshot("QUAL", amo_id=org["amo"], as_of=JUNE_30)
    definitions = wh.kpi.definitions()
    assert set(snapshot) == set(definitions[definitions["department"] == "QUAL"]["name"])
    assert snapshot["overdue_cars"]["car_id"].tolist() == [ids["c3"]]
    assert len(snapshot) >= 15


def test_regulation_coverage_heatmap_rolls_twelve_months(qms):
    wh, org, ids = qms
    heatmap = wh.kpi.regulation_coverage_by_month(amo_id=org["amo"], as_of=JUNE_30)
    cells = heatmap.set_index(["regulation_ref", "month"])["audits_12m"]
    months = heatmap["month"].drop_duplicates().tolist()
    assert months == ["2024-07", *[f"2024-{m}" for m in ("08", "09", "10", "11", "12")],
                      *[f"2025-0{m}" for m in range(1, 7)]]
    assert heatmap["regulation_ref"].drop_duplicates().tolist()[:2] == ["145.A.25", "145.A.30"]
    assert len(heatmap) == 26 * 12
    assert [cells["145.A.40", month] for month in ("2025-04", "2025-05", "2025-06")] == [0, 1, 2]
    assert (cells["145.A.42", "2025-05"], cells["145.A.42", "2025-06"]) == (0, 1)
    assert cells.xs("145.A.30", level="regulation_ref").sum() == 0
    cell_ids = heatmap.set_index(["regulation_ref", "month"])["audit_ids"]
    assert sorted(cell_ids["145.A.40", "2025-06"]) == sorted([ids["a1"], ids["a3"]])
    # the last column is the one-column coverage KPI
    coverage = wh.kpi.regulation_coverage(amo_id=org["amo"], as_of=JUNE_30).set_index("regulation_ref")
    for point in ("145.A.40", "145.A.42"):
        assert cells[point, "2025-06"] == coverage.loc[point, "audits_12m"]
    # mid-June, A1 was not performed yet; a year on, A3 (May 2025) has left the window
    assert wh.kpi.regulation_coverage_by_month(amo_id=org["amo"], as_of=date(2025, 6, 10)).set_index(
        ["regulation_ref", "month"]).loc[("145.A.40", "2025-06"), "audits_12m"] == 1
    later = wh.kpi.regulation_coverage_by_month(amo_id=org["amo"], as_of=date(2026, 5, 31)).set_index(
        ["regulation_ref", "month"])["audits_12m"]
    assert (later["145.A.40", "2026-04"], later["145.A.40", "2026-05"]) == (2, 1)
    production = wh.kpi.regulation_coverage_by_month(amo_id=org["amo"], department_id=org["PROD"],
                                                     as_of=JUNE_30).set_index(["regulation_ref", "month"])
    assert production.loc[("145.A.40", "2025-06"), "audits_12m"] == 1


@pytest.fixture
def staff(pg_settings, pg_engine):
    """Two authorised people: P (production, trained and signing) and Q (quality, never either).

    P: CRS_B1 valid 2023-01-01 → 2027-01-01 (and an expired one), continuation training passed
    2023-03-01 and 2025-04-01, a task card performed 2023-06-01, a CRS signed 2024-09-01.
    Q: INSPECTOR valid 2024-01-01 → 2026-12-31, one FAILED continuation course, no sign-off.
    """
    org = seed_org(pg_engine)
    people = seed_people(pg_engine, org)
    e = pg_engine

    def authorisation(person, kind, issued, expires, status="valid"):
        return write_record(e, "staff_authorisations", {
            "user_id": people[person], "auth_type": kind, "issued_at": at(issued), "expires_at": at(expires),
            "status": status}, at(issued))

    def training(person, completed, result="PASS"):
        return write_record(e, "training_records", {
            "user_id": people[person], "course_code": "CT-1", "course_type": "CONTINUATION",
            "completed_at": at(completed), "result": result}, at(completed))

    p_auth = authorisation("PROD", "CRS_B1", "2023-01-01", "2027-01-01")
    authorisation("PROD", "RII", "2022-01-01", "2023-01-01", status="expired")
    q_auth = authorisation("QUAL", "INSPECTOR", "2024-01-01", "2026-12-31")
    training("PROD", "2023-03-01")
    training("PROD", "2025-04-01")
    training("QUAL", "2025-01-01", result="FAIL")
    order = write_record(e, "work_orders", {
        "amo_id": org["amo"], "wo_no": "WO-1", "wo_type": "LINE", "department_id": org["PROD"],
        "planned_start": at("2023-06-01"), "planned_end": at("2023-06-02"), "planned_mh": 4.0,
        "status": "IN_WORK"}, at("2023-06-01"))
    write_record(e, "task_cards", {
        "card_no": "TC-1", "work_order_id": order, "card_type": "ROUTINE", "source": "MPD",
        "ata_chapter": "32", "description": "-", "planned_mh": 4.0, "performed_by": people["PROD"],
        "performed_at": at("2023-06-01"), "status": "DONE"}, at("2023-06-01"))
    certified = write_record(e, "work_orders", {
        "amo_id": org["amo"], "wo_no": "WO-2", "wo_type": "LINE", "department_id": org["PROD"],
        "planned_start": at("2024-09-01"), "planned_end": at("2024-09-01"), "planned_mh": 2.0,
        "status": "CRS_ISSUED", "crs_signed_by": people["PROD"], "crs_issued_at": at("2024-09-01")},
        at("2024-09-01"))
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, {**people, "p_auth": p_auth, "q_auth": q_auth, "certified": certified}
    warehouse.close()


def test_continuation_training_missing(staff):
    wh, org, ids = staff
    before = wh.kpi.continuation_training_missing(amo_id=org["amo"], as_of=date(2025, 3, 31))
    assert before["user_id"].tolist() == [ids["QUAL"], ids["PROD"]]  # never trained first
    assert before["days_since"].isna().tolist() == [True, False]
    assert before["days_since"].iloc[1] == (date(2025, 3, 31) - date(2023, 3, 1)).days
    assert list(before["authorisation_ids"].iloc[1]) == [ids["p_auth"]]  # the expired one is not held
    after = wh.kpi.continuation_training_missing(amo_id=org["amo"], as_of=date(2025, 6, 30))
    assert after["user_id"].tolist() == [ids["QUAL"]]
    assert list(after["authorisation_ids"].iloc[0]) == [ids["q_auth"]]
    assert wh.kpi.continuation_training_missing(amo_id=org["amo"], department_id=org["PROD"],
                                                as_of=date(2025, 6, 30)).empty
    # before Q's authorisation was issued, only P was checked
    assert wh.kpi.continuation_training_missing(amo_id=org["amo"], as_of=date(2023, 12, 31))[
        "user_id"].tolist() == []


def test_experience_lapsed(staff):
    wh, org, ids = staff
    then = wh.kpi.experience_lapsed(amo_id=org["amo"], as_of=date(2025, 6, 30))
    assert then["user_id"].tolist() == [ids["QUAL"]] and then["last_exercised_at"].isna().all()
    later = wh.kpi.experience_lapsed(amo_id=org["amo"], as_of=date(2026, 10, 1))
    assert later["user_id"].tolist() == [ids["QUAL"], ids["PROD"]]
    lapsed = later.iloc[1]
    assert lapsed["last_exercised_at"] == at("2024-09-01")
    assert lapsed["last_work_order_id"] == ids["certified"]
    assert lapsed["days_since"] == (date(2026, 10, 1) - date(2024, 9, 1)).days
    assert wh.kpi.experience_lapsed(amo_id=org["amo"], department_id=org["PROD"],
                                    as_of=date(2025, 6, 30)).empty
