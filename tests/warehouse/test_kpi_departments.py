"""KPIs of safety, reliability, engineering, planning, production, stores, workshops and admin,
against hand-computed answers on one small fleet, as of past dates; and every KPI runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import at, seed_org, seed_people, wait_visible, write_record
from warehouse import Warehouse
from warehouse.errors import WarehouseError
from warehouse.kpi import DEPARTMENTS
from warehouse.schema import aircraft_utilisation, tool_usage

JUNE_30 = date(2025, 6, 30)


@pytest.fixture
def fleet(pg_settings, pg_engine):
    e = pg_engine
    org = seed_org(e)
    people = seed_people(e, org)
    amo = org["amo"]
    ids: dict[str, int] = {}
    ids["ac"] = write_record(
        e,
        "aircraft",
        {
            "amo_id": amo,
            "registration": "D-ABCD",
            "msn": "1234",
            "type_model": "A320",
            "customer_operator": "OP",
            "base": "HAM",
            "status": "IN_SERVICE",
            "tsn_fh": 10000.0,
            "csn_fc": 8000,
            "as_of": date(2025, 6, 1),
        },
        at("2025-01-01"),
    )
    with e.begin() as connection:
        for day in range(1, 11):
            connection.execute(
                sa.insert(aircraft_utilisation).values(
                    aircraft_id=ids["ac"],
                    day=date(2025, 6, day),
                    fh=10.0,
                    fc=4,
                    departures=4,
                    tech_delays_15m=1 if day == 1 else 0,
                    tech_cancellations=1 if day == 2 else 0,
                )
            )

    def defect(no, source, ata, reported, **extra):
        return write_record(
            e,
            "defects",
            {
                "defect_no": no,
                "aircraft_id": ids["ac"],
                "source": source,
                "reported_at": at(reported),
                "ata_chapter": ata,
                "description": no,
                "status": "OPEN",
                **extra,
            },
            at(reported),
        )

    ids["d1"] = defect("D1", "PIREP", "21", "2025-06-02T10:00")
    ids["d2"] = defect("D2", "PIREP", "21", "2025-06-03T10:00")
    ids["d3"] = defect("D3", "PIREP", "21", "2025-06-05T10:00")
    ids["d4"] = defect(
        "D4",
        "MAREP",
        "32",
        "2025-06-06T10:00",
        is_deferred=True,
        mel_category="C",
        deferral_expires_at=at("2025-06-20T23:59"),
        status="DEFERRED",
    )
    ids["wo"] = write_record(
        e,
        "work_orders",
        {
            "amo_id": amo,
            "wo_no": "WO1",
            "wo_type": "C_CHECK",
            "aircraft_id": ids["ac"],
            "department_id": org["PROD"],
            "planned_start": at("2025-06-01"),
            "planned_end": at("2025-06-05"),
            "planned_mh": 15.0,
            "status": "OPEN",
        },
        at("2025-05-20"),
    )
    write_record(
        e,
        "work_orders",
        {"actual_start": at("2025-06-01"), "actual_end": at("2025-06-07"), "status": "CLOSED"},
        at("2025-06-07"),
        record_id=ids["wo"],
    )
    ids["tc1"] = write_record(
        e,
        "task_cards",
        {
            "card_no": "TC1",
            "work_order_id": ids["wo"],
            "card_type": "ROUTINE",
            "source": "MPD",
            "ata_chapter": "21",
            "description": "-",
            "planned_mh": 10.0,
            "actual_mh": 12.0,
            "requires_independent_inspection": True,
            "performed_by": people["PROD"],
            "performed_at": at("2025-06-02T08:00"),
            "inspected_by": people["PROD"],
            "inspected_at": at("2025-06-03T08:00"),
            "status": "INSPECTED",
        },
        at("2025-06-01"),
    )
    ids["tc2"] = write_record(
        e,
        "task_cards",
        {
            "card_no": "TC2",
            "work_order_id": ids["wo"],
            "card_type": "NON_ROUTINE",
            "source": "DEFECT",
            "ata_chapter": "32",
            "description": "-",
            "planned_mh": 5.0,
            "actual_mh": 6.0,
            "requires_independent_inspection": True,
            "performed_by": people["QUAL"],
            "performed_at": at("2025-06-04T08:00"),
            "status": "DONE",
        },
        at("2025-06-01"),
    )
    write_record(
        e,
        "staff_authorisations",
        {
            "user_id": people["PROD"],
            "auth_type": "CRS_B1",
            "issued_at": at("2025-01-01"),
            "expires_at": at("2025-06-02T12:00"),
            "status": "valid",
        },
        at("2025-01-01"),
    )
    ids["tool"] = write_record(
        e,
        "tools",
        {
            "amo_id": amo,
            "tool_no": "T1",
            "description": "torque wrench",
            "department_id": org["PROD"],
            "crib_location": "C1",
            "is_calibrated": True,
            "next_due_at": at("2025-06-15"),
            "status": "SERVICEABLE",
        },
        at("2024-01-01"),
    )
    write_record(
        e,
        "tool_calibrations",
        {
            "tool_id": ids["tool"],
            "calibrated_at": at("2025-01-01"),
            "lab": "L",
            "certificate_no": "C1",
            "as_found": "IN_TOL",
            "as_left": "IN_TOL",
            "next_due_at": at("2025-06-15"),
        },
        at("2025-01-01"),
    )
    ids["bad_cal"] = write_record(
        e,
        "tool_calibrations",
        {
            "tool_id": ids["tool"],
            "calibrated_at": at("2025-06-16"),
            "lab": "L",
            "certificate_no": "C2",
            "as_found": "OUT_OF_TOL",
            "as_left": "IN_TOL",
            "next_due_at": at("2025-12-16"),
        },
        at("2025-06-16"),
    )
    with e.begin() as connection:
        old = connection.execute(
            sa.insert(tool_usage)
            .values(
                tool_id=ids["tool"],
                user_id=people["PROD"],
                usage_kind="CHECK_OUT",
                occurred_at=at("2024-12-01"),
            )
            .returning(tool_usage.c.id)
        ).scalar_one()
        connection.execute(
            sa.insert(tool_usage).values(
                tool_id=ids["tool"],
                user_id=people["PROD"],
                usage_kind="RETURN",
                occurred_at=at("2024-12-01T16:00"),
                check_out_id=old,
            )
        )
        ids["usage"] = connection.execute(
            sa.insert(tool_usage)
            .values(
                tool_id=ids["tool"],
                user_id=people["PROD"],
                task_card_id=ids["tc1"],
                usage_kind="CHECK_OUT",
                occurred_at=at("2025-03-01"),
            )
            .returning(tool_usage.c.id)
        ).scalar_one()

    def stock(part, **extra):
        return write_record(
            e,
            "stock_items",
            {
                "amo_id": amo,
                "part_no": part,
                "description": part,
                "qty": 1.0,
                "uom": "EA",
                "location_code": "B1",
                "store_type": "BONDED",
                "condition": "SERVICEABLE",
                "certificate_type": "EASA_FORM1",
                "received_at": at("2025-01-10"),
                "receiving_inspection_status": "ACCEPTED",
                **extra,
            },
            at("2025-01-10"),
        )

    ids["s1"] = stock("P1", shelf_life_expires_at=at("2025-06-20"))
    ids["s2"] = stock(
        "P2",
        condition="QUARANTINE",
        store_type="QUARANTINE",
        quarantine_reason="NO_CERT",
        quarantined_at=at("2025-06-10"),
    )

    def report(no, reported, submitted):
        return write_record(
            e,
            "safety_reports",
            {
                "amo_id": amo,
                "report_no": no,
                "kind": "OCCURRENCE",
                "occurred_at": at(reported),
                "reported_at": at(reported),
                "department_id": org["PROD"],
                "description": no,
                "is_mor": True,
                "mor_submitted_at": at(submitted),
                "contributing_factors": ["EQUIPMENT_TOOLS", "SUPERVISION"],
                "severity": 3,
                "likelihood": 2,
                "status": "CAPTURED",
            },
            at(reported),
        )

    ids["r1"] = report("R1", "2025-06-01T08:00", "2025-06-02T08:00")
    ids["r2"] = report("R2", "2025-06-10T08:00", "2025-06-20T08:00")
    write_record(e, "users", {"left_at": at("2025-05-01")}, at("2025-05-01"), record_id=people["PROD"])
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, people, ids
    warehouse.close()


def test_reliability_kpis(fleet):
    wh, org, _, ids = fleet
    amo = org["amo"]
    pireps = wh.kpi.pirep_rate_by_ata(amo_id=amo, as_of=JUNE_30)
    columns = ["ata_chapter", "source", "reports_12m", "fleet_fh", "rate_per_1000_fh"]
    assert pireps[columns].values.tolist() == [
        ["21", "PIREP", 3, 100.0, 30.0],
        ["32", "MAREP", 1, 100.0, 10.0],
    ]
    dispatch = wh.kpi.dispatch_reliability(amo_id=amo, as_of=JUNE_30)
    assert dispatch[["month", "departures", "dispatch_reliability"]].values.tolist() == [
        ["2025-06", 40, 95.0]
    ]
    repeats = wh.kpi.repeat_defects(amo_id=amo, as_of=JUNE_30)
    assert [list(r) for r in repeats["defect_ids"]] == [[ids["d1"], ids["d2"], ids["d3"]]]
    assert repeats["departures_between"].tolist() == [12]
    assert wh.kpi.repeat_defects(amo_id=amo, as_of=date(2025, 6, 4)).empty  # D3 not reported yet
    deferred = wh.kpi.deferred_items_per_aircraft(amo_id=amo, as_of=JUNE_30)
    assert deferred[["aircraft_id", "open_deferrals"]].values.tolist() == [[ids["ac"], 1]]


def test_engineering_kpis(fleet):
    wh, org, _, ids = fleet
    mel = wh.kpi.mel_deferrals(amo_id=org["amo"], as_of=JUNE_30)
    assert mel[["defect_id", "mel_category", "days_left", "expired"]].values.tolist() == [
        [ids["d4"], "C", -10, True]
    ]
    mel = wh.kpi.mel_deferrals(amo_id=org["amo"], as_of=date(2025, 6, 10))
    assert mel[["days_left", "expired"]].values.tolist() == [[10, False]]


def test_planning_and_production_kpis(fleet):
    wh, org, people, ids = fleet
    amo = org["amo"]
    tat = wh.kpi.check_tat(amo_id=amo, as_of=JUNE_30)
    assert tat[["work_order_id", "planned_days", "actual_days", "slip_days", "on_time"]].values.tolist() == [
        [ids["wo"], 4.0, 6.0, 2.0, False]
    ]
    assert wh.kpi.check_tat(amo_id=amo, as_of=date(2025, 6, 6)).empty  # not finished then
    nrr = wh.kpi.non_routine_ratio(amo_id=amo, as_of=JUNE_30)
    assert nrr[["routine_mh", "non_routine_mh", "ratio"]].values.tolist() == [[12.0, 6.0, 0.5]]
    variance = wh.kpi.mh_variance(amo_id=amo, department_id=org["PROD"], as_of=JUNE_30)
    assert variance[["planned_mh", "actual_mh", "variance"]].values.tolist() == [[15.0, 18.0, 0.2]]
    assert wh.kpi.mh_variance(amo_id=amo, department_id=org["QUAL"], as_of=JUNE_30).empty
    pending = wh.kpi.independent_inspections_pending(amo_id=amo, as_of=JUNE_30)
    assert pending["card_id"].tolist() == [ids["tc2"]]
    unauthorised = wh.kpi.signoffs_without_authorisation(amo_id=amo, as_of=JUNE_30)
    assert unauthorised[["meaning", "card_id", "user_id"]].values.tolist() == [
        ["INSPECTED", ids["tc1"], people["PROD"]],
        ["PERFORMED", ids["tc2"], people["QUAL"]],
    ]
    same = wh.kpi.performer_is_inspector(amo_id=amo, as_of=JUNE_30)
    assert same["card_id"].tolist() == [ids["tc1"]]
    out = wh.kpi.tools_not_returned(amo_id=amo, as_of=JUNE_30)
    assert out["check_out_id"].tolist() == [ids["usage"]]


def test_workshop_kpis(fleet):
    wh, org, _, ids = fleet
    amo = org["amo"]
    due = wh.kpi.calibration_due(amo_id=amo, as_of=JUNE_30)
    assert due[["tool_id", "days_left", "overdue"]].values.tolist() == [[ids["tool"], -15, True]]
    recall = wh.kpi.out_of_tolerance_recall(amo_id=amo, as_of=JUNE_30)
    assert recall[
        ["calibration_id", "usage_id", "task_card_id", "work_order_id", "aircraft_id"]
    ].values.tolist() == [[ids["bad_cal"], ids["usage"], ids["tc1"], ids["wo"], ids["ac"]]]
    assert wh.kpi.out_of_tolerance_recall(amo_id=amo, as_of=date(2025, 6, 1)).empty


def test_stores_kpis(fleet):
    wh, org, _, ids = fleet
    amo = org["amo"]
    expired = wh.kpi.expired_in_serviceable(amo_id=amo, as_of=JUNE_30)
    assert expired[["stock_item_id", "days_expired"]].values.tolist() == [[ids["s1"], 10]]
    expiring = wh.kpi.stock_expiring(amo_id=amo, as_of=date(2025, 6, 1))
    assert expiring[["bucket", "items"]].values.tolist() == [["30", 1]]
    quarantine = wh.kpi.quarantine_ageing(amo_id=amo, as_of=JUNE_30)
    assert quarantine[["reason", "items", "oldest_days"]].values.tolist() == [["NO_CERT", 1, 20]]


def test_safety_kpis(fleet):
    wh, org, _, ids = fleet
    amo = org["amo"]
    mor = wh.kpi.mor_timeliness(amo_id=amo, as_of=JUNE_30).iloc[0]
    assert (mor["reports"], mor["on_time"], mor["rate"], list(mor["late_report_ids"])) == (
        2,
        1,
        0.5,
        [ids["r2"]],
    )
    mor = wh.kpi.mor_timeliness(amo_id=amo, as_of=date(2025, 6, 11)).iloc[0]  # R2 not yet due
    assert (mor["reports"], mor["on_time"]) == (2, 1) and pd.isna(mor["late_report_ids"])
    factors = wh.kpi.contributing_factors_pareto(amo_id=amo, as_of=JUNE_30)
    assert factors[["factor", "reports"]].values.tolist() == [["EQUIPMENT_TOOLS", 2], ["SUPERVISION", 2]]
    matrix = wh.kpi.risk_matrix(amo_id=amo, department_id=org["PROD"], as_of=JUNE_30)
    assert matrix[["severity", "likelihood", "reports", "open_reports"]].values.tolist() == [[3, 2, 2, 2]]


def test_admin_kpis(fleet):
    wh, org, people, _ = fleet
    amo = org["amo"]
    leavers = wh.kpi.leavers_still_active(amo_id=amo, as_of=JUNE_30)
    assert leavers["user_id"].tolist() == [people["PROD"]]
    assert wh.kpi.leavers_still_active(amo_id=amo, as_of=date(2025, 4, 30)).empty
    state = wh.kpi.account_state(amo_id=amo).iloc[0]
    assert (state["active"], state["disabled"], state["mfa_coverage"]) == (2, 0, 0.0)


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_cockpit_snapshot_every_department(fleet, department):
    """Every KPI of every department runs, today and as of a past date, in one call each."""
    wh, org, _, _ = fleet
    for as_of in (None, JUNE_30):
        snapshot = wh.kpi.cockpit_snapshot(department, amo_id=org["amo"], as_of=as_of)
        assert snapshot, department
        for name, frame in snapshot.items():
            assert frame.columns.size >= 1, name


def test_kpi_definitions_are_versioned_and_unknown_names_refused(fleet):
    wh, org, _, _ = fleet
    definitions = wh.kpi.definitions()
    assert len(definitions) >= 50
    assert set(definitions["department"]) == set(DEPARTMENTS)
    assert (definitions["version"] >= 1).all() and definitions["title"].str.len().min() > 10
    with pytest.raises(AttributeError, match="no KPI named"):
        _ = wh.kpi.no_such_kpi
    with pytest.raises(WarehouseError, match="unknown department"):
        wh.kpi.cockpit_snapshot("HR", amo_id=org["amo"])


def test_kpis_on_empty_database(pg_settings, pg_engine):
    """Nothing recorded: every KPI answers, with no rows, one row of zeros, or (the coverage and SPI
    grids) only gaps."""
    wh = Warehouse.open(pg_settings.warehouse, pg_engine)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    try:
        for department in DEPARTMENTS:
            for name, frame in wh.kpi.cockpit_snapshot(department, amo_id=1, as_of=yesterday).items():
                if name == "regulation_coverage":
                    assert (frame["audits_12m"] == 0).all() and len(frame) == 26
                elif name == "regulation_coverage_by_month":  # 26 points × 12 months, all gaps
                    assert (frame["audits_12m"] == 0).all() and len(frame) == 26 * 12
                elif name == "spi_control_chart":  # 4 kinds × 12 months, no reports and no rate
                    assert (frame["reports"] == 0).all() and frame["rate_per_1000_mh"].isna().all()
                    assert len(frame) == 4 * 12
                else:
                    assert len(frame) <= 1, name
    finally:
        wh.close()


def test_event_kpis_across_archive_and_hot_tail(pg_settings, pg_engine):
    """KPIs over events read the archived files and the hot tail once each, as of any date."""
    from tests.warehouse.conftest import add_activity, archive_now, prune_archived
    from warehouse.events import RequestContext, record_audit

    org = seed_org(pg_engine)
    add_activity(pg_engine, org, 5, department="PROD", kind="crs.issued", start=at("2026-01-10"))
    add_activity(pg_engine, org, 3, department="QUAL", kind="car.closed", start=at("2026-01-20"))
    admin = RequestContext(actor_user_id=1, actor_role="admin", auth_method="SESSION")
    for action, when in (("ADMIN_DISABLE", "2026-01-05"), ("ADMIN_DISABLE", "2026-01-06"),
                         ("ADMIN_REVOKE", "2026-02-01"), ("LOGIN", "2026-02-01")):
        with pg_engine.begin() as connection:
            record_audit(connection, admin, action, amo_id=org["amo"], reason="leaver", occurred_at=at(when))
    archive_now(pg_settings, pg_engine)
    prune_archived(pg_engine, "activity_events", pg_settings)
    add_activity(pg_engine, org, 2, department="PROD", kind="crs.issued", start=at("2026-02-03"))
    wait_visible(pg_engine)
    wh = Warehouse.open(pg_settings.warehouse, pg_engine)
    try:
        volume = wh.kpi.activity_volume(amo_id=org["amo"], department_id=org["PROD"], as_of=date(2026, 3, 1))
        assert volume[["month", "kind", "events"]].values.tolist() == [
            ["2026-01", "crs.issued", 5],
            ["2026-02", "crs.issued", 2],
        ]
        early = wh.kpi.activity_volume(amo_id=org["amo"], as_of=at("2026-01-20T00:01:30"))  # 2 of 3 closed
        assert early[["kind", "events"]].values.tolist() == [["car.closed", 2], ["crs.issued", 5]]
        actions = wh.kpi.privileged_actions(amo_id=org["amo"], as_of=date(2026, 3, 1))
        assert actions[["month", "action", "actions"]].values.tolist() == [
            ["2026-01", "ADMIN_DISABLE", 2],
            ["2026-02", "ADMIN_REVOKE", 1],
        ]
    finally:
        wh.close()
