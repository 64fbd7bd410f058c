"""The investigators' wide view against a hand-built aircraft history, now, as of a past date,
and after the ETL archived and pruned the events it reads."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

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
from warehouse.errors import WarehouseError
from warehouse.schema import part_movements, tool_usage

JUNE = {"since": date(2025, 6, 1), "until": date(2025, 6, 30)}


@pytest.fixture
def history(pg_settings, pg_engine):
    """D-ABCD: defect D1 rectified by card TC1 (one part, two tools, performer and inspector),
    defect D2 open, defect D0 rectified in March; D-EFGH has a defect of its own."""
    e = pg_engine
    org = seed_org(e)
    people = seed_people(e, org)
    ids: dict[str, int] = {}

    def plane(registration):
        return write_record(e, "aircraft", {
            "amo_id": org["amo"], "registration": registration, "msn": "1", "type_model": "A320",
            "customer_operator": "OP", "base": "HAM", "status": "IN_SERVICE", "tsn_fh": 1.0, "csn_fc": 1,
            "as_of": date(2025, 1, 1)}, at("2025-01-01"))

    def defect(no, aircraft, reported, **extra):
        return write_record(e, "defects", {
            "defect_no": no, "aircraft_id": aircraft, "source": "PIREP", "reported_at": at(reported),
            "ata_chapter": "32", "description": f"{no} brake wear", "status": "OPEN", **extra}, at(reported))

    def card(no, defect_no, created):
        return write_record(e, "task_cards", {
            "card_no": no, "work_order_id": ids["wo"], "card_type": "NON_ROUTINE", "source": "DEFECT",
            "source_ref": defect_no, "ata_chapter": "32", "description": "replace brake", "planned_mh": 2.0,
            "status": "OPEN"}, at(created))

    def tool(no, next_due):
        return write_record(e, "tools", {
            "amo_id": org["amo"], "tool_no": no, "description": f"{no} torque wrench",
            "department_id": org["PROD"], "crib_location": "C1", "is_calibrated": True,
            "next_due_at": at(next_due), "status": "SERVICEABLE"}, at("2025-01-01"))

    ids["ac"] = plane("D-ABCD")
    ids["other"] = plane("D-EFGH")
    ids["wo"] = write_record(e, "work_orders", {
        "amo_id": org["amo"], "wo_no": "WO1", "wo_type": "LINE", "aircraft_id": ids["ac"],
        "department_id": org["PROD"], "planned_start": at("2025-03-01"), "planned_end": at("2025-06-30"),
        "planned_mh": 10.0, "status": "OPEN"}, at("2025-03-01"))
    ids["d0"] = defect("D0", ids["ac"], "2025-03-01T08:00")
    ids["tc0"] = card("TC0", "D0", "2025-03-01T09:00")
    write_record(e, "defects", {"status": "RECTIFIED", "rectified_at": at("2025-03-02"),
                                "rectification_task_card_id": ids["tc0"]}, at("2025-03-02"),
                 record_id=ids["d0"])
    ids["d1"] = defect("D1", ids["ac"], "2025-06-02T08:00")
    ids["tc1"] = card("TC1", "D1", "2025-06-02T09:00")
    ids["d2"] = defect("D2", ids["ac"], "2025-06-10T08:00")
    defect("X1", ids["other"], "2025-06-05T08:00")

    # The performer holds CRS_B1 all year; the inspector's authorisation ran out two hours before.
    write_record(e, "staff_authorisations", {
        "user_id": people["PROD"], "auth_type": "CRS_B1", "issued_at": at("2025-01-01"),
        "expires_at": at("2026-01-01"), "status": "valid"}, at("2025-01-01"))
    write_record(e, "staff_authorisations", {
        "user_id": people["QUAL"], "auth_type": "INSPECTOR", "issued_at": at("2024-01-01"),
        "expires_at": at("2025-06-04T10:00"), "status": "valid"}, at("2024-01-01"))

    # T1 was due on 3 June, used on the 4th, then found out of tolerance on the 10th; T2 was in date.
    ids["t1"] = tool("T1", "2025-06-03")
    ids["t2"] = tool("T2", "2025-12-01")
    write_record(e, "tool_calibrations", {
        "tool_id": ids["t1"], "calibrated_at": at("2025-06-10"), "lab": "L", "certificate_no": "C1",
        "as_found": "OUT_OF_TOL", "as_left": "IN_TOL", "next_due_at": at("2025-12-10")}, at("2025-06-10"))
    write_record(e, "tools", {"last_calibrated_at": at("2025-06-10"), "next_due_at": at("2025-12-10")},
                 at("2025-06-10"), record_id=ids["t1"])
    ids["s1"] = write_record(e, "stock_items", {
        "amo_id": org["amo"], "part_no": "BRK-1", "serial_no": "SN1", "description": "brake", "qty": 0.0,
        "uom": "EA", "location_code": "B1", "store_type": "BONDED", "condition": "SERVICEABLE",
        "certificate_type": "EASA_FORM1", "certificate_ref": "F1-77", "received_at": at("2025-05-01"),
        "receiving_inspection_status": "ACCEPTED"}, at("2025-05-01"))
    with e.begin() as connection:
        ids["issue"] = connection.execute(sa.insert(part_movements).values(
            stock_item_id=ids["s1"], movement_type="ISSUE", qty=-1.0, from_location="B1",
            work_order_id=ids["wo"], task_card_id=ids["tc1"], performed_by=people["QUAL"],
            performed_at=at("2025-06-04T06:00")).returning(part_movements.c.id)).scalar_one()
        for name, tool_id, out_at in (("u1", ids["t1"], "2025-06-04T07:00"),
                                      ("u2", ids["t2"], "2025-06-04T07:30")):
            ids[name] = connection.execute(sa.insert(tool_usage).values(
                tool_id=tool_id, user_id=people["PROD"], task_card_id=ids["tc1"], usage_kind="CHECK_OUT",
                occurred_at=at(out_at)).returning(tool_usage.c.id)).scalar_one()
        connection.execute(sa.insert(tool_usage).values(
            tool_id=ids["t1"], user_id=people["PROD"], task_card_id=ids["tc1"], usage_kind="RETURN",
            occurred_at=at("2025-06-04T09:00"), check_out_id=ids["u1"]))
    write_record(e, "task_cards", {"performed_by": people["PROD"], "performed_at": at("2025-06-04T08:00"),
                                   "status": "DONE"}, at("2025-06-04T08:00"), record_id=ids["tc1"])
    write_record(e, "task_cards", {"inspected_by": people["QUAL"], "inspected_at": at("2025-06-04T12:00"),
                                   "status": "INSPECTED"}, at("2025-06-04T12:00"), record_id=ids["tc1"])
    write_record(e, "defects", {"status": "RECTIFIED", "rectified_at": at("2025-06-04T12:00"),
                                "rectification_task_card_id": ids["tc1"]}, at("2025-06-04T12:00"),
                 record_id=ids["d1"])
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, people, ids
    warehouse.close()


def _rows(view: pd.DataFrame, columns: list[str]) -> list[list]:
    return view[columns].astype(object).where(view[columns].notna(), None).values.tolist()


def _check_june(view: pd.DataFrame, people: dict, ids: dict) -> None:
    assert _rows(view, ["defect_no", "card_no", "item", "part_no", "tool_no"]) == [
        ["D1", "TC1", "PART", "BRK-1", None],
        ["D1", "TC1", "TOOL", None, "T1"],
        ["D1", "TC1", "TOOL", None, "T2"],
        ["D2", None, None, None, None],
    ]
    assert set(view["registration"]) == {"D-ABCD"}
    first = view.iloc[0]
    assert (first["performed_by"], first["performer_authorised"], first["performer_authorisations"]) == (
        people["PROD"], True, "CRS_B1")
    assert (first["inspected_by"], first["inspector_authorised"]) == (people["QUAL"], False)
    assert pd.isna(first["inspector_authorisations"])
    assert (first["item_user_id"], first["movement_type"], first["qty"], first["certificate_ref"]) == (
        people["QUAL"], "ISSUE", -1.0, "F1-77")
    tools = view[view["item"] == "TOOL"]
    assert _rows(tools, ["tool_usage_id", "calibration_at_use", "tool_out_of_tolerance_after"]) == [
        [ids["u1"], "OVERDUE", True], [ids["u2"], "VALID", False]]
    assert tools["calibration_due_at"].tolist() == [at("2025-06-03"), at("2025-12-01")]
    assert tools["returned_at"].iloc[0] == at("2025-06-04T09:00") and pd.isna(tools["returned_at"].iloc[1])
    assert view.iloc[3][["performer_authorised", "calibration_at_use"]].isna().all()


def test_wide_view_of_one_aircraft_in_a_window(history):
    wh, people, ids = history
    view = wh.investigation("D-ABCD", **JUNE)
    _check_june(view, people, ids)
    by_id = wh.investigation(ids["ac"], **JUNE)
    pd.testing.assert_frame_equal(view, by_id)
    everything = wh.investigation("d-abcd")
    assert everything["defect_no"].drop_duplicates().tolist() == ["D0", "D1", "D2"]
    assert _rows(everything.iloc[:1], ["card_no", "item"]) == [["TC0", None]]
    # D1 was rectified at noon on the 4th: a window starting later leaves it out.
    assert wh.investigation("D-ABCD", since=at("2025-06-04T12:01"))["defect_no"].tolist() == ["D2"]
    assert wh.investigation("D-ABCD", until=date(2025, 3, 1))["defect_no"].tolist() == ["D0"]


def test_wide_view_as_of_a_past_moment(history):
    wh, _, ids = history
    then = wh.investigation("D-ABCD", as_of=date(2025, 6, 3))
    assert _rows(then, ["defect_no", "defect_status", "card_no", "card_status", "performed_by", "item"]) == [
        ["D0", "RECTIFIED", "TC0", "OPEN", None, None],
        ["D1", "OPEN", "TC1", "OPEN", None, None],
    ]
    # On the 5th the work was done, T1's recalibration had not happened yet.
    after_work = wh.investigation("D-ABCD", since=date(2025, 6, 1), as_of=date(2025, 6, 5))
    assert _rows(after_work, ["item", "calibration_at_use", "tool_out_of_tolerance_after"]) == [
        ["PART", None, None], ["TOOL", "OVERDUE", False], ["TOOL", "VALID", False]]


def test_wide_view_reads_the_archive_after_a_prune(history, pg_settings, pg_engine):
    wh, people, ids = history
    archive_now(pg_settings, pg_engine, tables=None)
    for table in ("audit_events", "part_movements", "tool_usage"):
        prune_archived(pg_engine, table, pg_settings)
    with pg_engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tool_usage)).scalar_one() == 0
    _check_june(wh.investigation("D-ABCD", **JUNE), people, ids)


@pytest.mark.parametrize(("aircraft", "window", "message"), [
    ("D-NONE", {}, "no aircraft 'D-NONE'"),
    (999999, {}, "no aircraft 999999"),
    (3.5, {}, "registration or id"),
    ("D-ABCD", {"since": date(2025, 7, 1), "until": date(2025, 6, 1)}, "starts .* after it ends"),
    ("D-ABCD", {"since": "2025-06-01"}, "date or datetime"),
])
def test_wide_view_bad_input_is_named(history, aircraft, window, message):
    wh, _, _ = history
    with pytest.raises(WarehouseError, match=message):
        wh.investigation(aircraft, **window)
