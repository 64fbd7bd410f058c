"""Planning KPIs of ground time, work-package readiness and the man-hour plan against the staff
available, on one C check and two planned work orders, against hand-computed answers, as of past
dates."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import at, seed_org, seed_people, wait_visible, write_record
from warehouse import Warehouse
from warehouse.kpi.planning import STANDARD_WEEKLY_MH
from warehouse.schema import part_movements, roles, tool_usage

JUNE_30 = date(2025, 6, 30)  # a Monday


@pytest.fixture
def planning(pg_settings, pg_engine):
    e = pg_engine
    org = seed_org(e)
    people = seed_people(e, org)
    amo, prod = org["amo"], org["PROD"]
    ids: dict[str, int] = {}
    ids["ac"] = write_record(e, "aircraft", {
        "amo_id": amo, "registration": "D-PLAN", "msn": "1", "type_model": "A320", "customer_operator": "OP",
        "base": "HAM", "status": "IN_SERVICE", "tsn_fh": 1.0, "csn_fc": 1, "as_of": date(2025, 6, 1)},
        at("2025-01-01"))

    def order(no, wo_type, start, end, mh, created):
        return write_record(e, "work_orders", {
            "amo_id": amo, "wo_no": no, "wo_type": wo_type, "aircraft_id": ids["ac"], "department_id": prod,
            "planned_start": at(start), "planned_end": at(end), "planned_mh": mh, "status": "PLANNED"},
            at(created))

    # The C check: planned 10–14 June (96 h), on the ground 11–18 June (168 h).
    ids["check"] = order("WO-C", "C_CHECK", "2025-06-10", "2025-06-14", 500.0, "2025-05-20")
    write_record(e, "work_orders", {"actual_start": at("2025-06-11"), "status": "IN_WORK"}, at("2025-06-11"),
                 record_id=ids["check"])
    write_record(e, "work_orders", {"actual_end": at("2025-06-18"), "status": "CLOSED"}, at("2025-06-18"),
                 record_id=ids["check"])

    def card(no, created, card_type="ROUTINE"):
        return write_record(e, "task_cards", {
            "card_no": no, "work_order_id": ids["check"], "card_type": card_type, "source": "MPD",
            "ata_chapter": "21", "description": no, "planned_mh": 1.0, "status": "OPEN"}, at(created))

    for no in ("TC1", "TC2", "TC3"):
        ids[no] = card(no, "2025-06-01")
    ids["TC4"] = card("TC4", "2025-06-11T01:00")  # loaded at induction: still planned work
    ids["NRC"] = card("NRC", "2025-06-12", "NON_ROUTINE")  # found during the check: not in the package
    ids["stock"] = write_record(e, "stock_items", {
        "amo_id": amo, "part_no": "P1", "description": "P1", "qty": 9.0, "uom": "EA", "location_code": "B1",
        "store_type": "BONDED", "condition": "SERVICEABLE", "certificate_type": "EASA_FORM1",
        "received_at": at("2025-01-10"), "receiving_inspection_status": "ACCEPTED"}, at("2025-01-10"))
    ids["tool"] = write_record(e, "tools", {
        "amo_id": amo, "tool_no": "T1", "description": "jack", "department_id": prod, "crib_location": "C1",
        "status": "SERVICEABLE"}, at("2024-01-01"))
    with e.begin() as connection:
        def movement(kind, qty, card, when):
            return {"stock_item_id": ids["stock"], "movement_type": kind, "qty": qty,
                    "work_order_id": ids["check"], "task_card_id": ids[card], "performed_at": at(when)}

        connection.execute(sa.insert(part_movements), [
            movement("ISSUE", -1.0, "TC1", "2025-06-09"),  # before the planned start
            movement("RETURN", 1.0, "TC3", "2025-06-09"),  # a return reserves nothing
            movement("ISSUE", -1.0, "NRC", "2025-06-12"),
        ])
        # After the planned start, before the actual one: ready once the start slipped.
        connection.execute(sa.insert(tool_usage).values(
            tool_id=ids["tool"], user_id=people["PROD"], task_card_id=ids["TC2"], usage_kind="CHECK_OUT",
            occurred_at=at("2025-06-10T12:00")))

    # The plan ahead of 30 June: 100 MH in its week, 50 MH two weeks later (planned on 20 June).
    ids["wo2"] = order("WO-2", "A_CHECK", "2025-07-01", "2025-07-02", 100.0, "2025-06-20")
    ids["wo3"] = order("WO-3", "A_CHECK", "2025-07-15", "2025-07-16", 50.0, "2025-06-20")
    # A line package over a weekend, Friday 8 to Monday 11 August: 40 MH over four days.
    ids["line"] = order("WO-L", "LINE", "2025-08-08", "2025-08-11", 40.0, "2025-06-20")
    with e.connect() as connection:
        role_id = connection.execute(sa.select(roles.c.id).where(roles.c.code == "member")).scalar_one()
    ids["leaver"] = write_record(e, "users", {
        "amo_id": amo, "department_id": prod, "role_id": role_id, "username": "leaver",
        "email": "leaver@amo.example", "full_name": "Leaver", "left_at": at("2025-07-10")}, at("2024-01-01"))
    write_record(e, "users", {
        "amo_id": amo, "department_id": prod, "role_id": role_id, "username": "gone",
        "email": "gone@amo.example", "full_name": "Gone", "is_active": False}, at("2024-01-01"))
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, ids
    warehouse.close()


def test_work_package_readiness(planning):
    wh, org, ids = planning
    ready = wh.kpi.work_package_readiness(amo_id=org["amo"], as_of=JUNE_30)
    check = ready[ready["work_order_id"] == ids["check"]]
    assert check[["cards", "ready_cards", "readiness"]].values.tolist() == [[4, 2, 0.5]]
    assert list(check["missing_card_ids"].iloc[0]) == [ids["TC3"], ids["TC4"]]
    # On 10 June the check had not started (its start was the planned one, before the tool went
    # out) and TC4 did not exist yet.
    early = wh.kpi.work_package_readiness(amo_id=org["amo"], as_of=date(2025, 6, 10))
    check = early[early["work_order_id"] == ids["check"]]
    assert check[["cards", "ready_cards"]].values.tolist() == [[3, 1]]
    assert list(check["missing_card_ids"].iloc[0]) == [ids["TC2"], ids["TC3"]]
    assert wh.kpi.work_package_readiness(amo_id=org["amo"], department_id=org["QUAL"], as_of=JUNE_30).empty


def test_more_ground_time(planning):
    wh, org, ids = planning
    mgt = wh.kpi.more_ground_time(amo_id=org["amo"], as_of=JUNE_30)
    assert mgt[["work_order_id", "registration", "planned_hours", "actual_hours", "unplanned_hours", "mgt"]
               ].values.tolist() == [[ids["check"], "D-PLAN", 96.0, 168.0, 72.0, 0.75]]
    assert wh.kpi.more_ground_time(amo_id=org["amo"], as_of=date(2025, 6, 17)).empty  # still in the hangar


def test_man_hour_plan_against_available_staff(planning):
    wh, org, ids = planning
    plan = wh.kpi.man_hour_plan(amo_id=org["amo"], as_of=JUNE_30)
    assert len(plan) == 12  # the week of 30 June and the 11 after it: PROD has staff in every one
    plan["week"] = plan["week"].dt.date
    rows = plan[["week", "planned_mh", "staff", "available_mh", "load_ratio"]].head(3).values.tolist()
    two, one = 2 * STANDARD_WEEKLY_MH, STANDARD_WEEKLY_MH  # the leaver counts until 10 July
    assert rows == [
        [date(2025, 6, 30), 100.0, 2, two, round(100.0 / two, 4)],
        [date(2025, 7, 7), 0.0, 2, two, 0.0],
        [date(2025, 7, 14), 50.0, 1, one, round(50.0 / one, 4)],
    ]
    assert list(plan["work_order_ids"].iloc[0]) == [ids["wo2"]]
    # The line package loads both weeks it spans, by its days in each: 3 × 10 MH, then 10 MH.
    spread = plan.set_index("week")
    assert spread.loc[date(2025, 8, 4), "planned_mh"] == 30.0
    assert spread.loc[date(2025, 8, 11), "planned_mh"] == 10.0
    assert list(spread.loc[date(2025, 8, 11), "work_order_ids"]) == [ids["line"]]
    assert plan["staff"].iloc[3:].tolist() == [1] * 9
    # The plan as it was on 15 June: the C check in work, the two A checks not planned yet.
    before = wh.kpi.man_hour_plan(amo_id=org["amo"], as_of=date(2025, 6, 15))
    before["week"] = before["week"].dt.date
    assert before[["week", "planned_mh"]].iloc[0].tolist() == [date(2025, 6, 9), 500.0]
    assert list(before["work_order_ids"].iloc[0]) == [ids["check"]]
    assert (before["planned_mh"].iloc[1:] == 0).all() and len(before) == 12
    # The QUAL department owns no work orders: its one member is available, for no planned work.
    qual = wh.kpi.man_hour_plan(amo_id=org["amo"], department_id=org["QUAL"], as_of=JUNE_30)
    assert set(qual["staff"]) == {1} and (qual["planned_mh"] == 0).all() and (qual["load_ratio"] == 0).all()
