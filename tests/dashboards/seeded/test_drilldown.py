"""The drill target and the record page on seeded data: scope is checked again on the server for
every list, export and record; exports are defused and audited; views are audited; and, in
Chromium, a quality analyst goes from a QMS chart bar to a record without a CSP violation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from auth_test_support import call, log_in_page, watch_problems

from dashboards import records
from tests.dashboards.seeded_support import AMO, department_id
from warehouse.schema import stock_items

LIST = "..records-grid.rowData...records-grid.columnDefs...records-title.children.."



def _ids(world, query: str, **params) -> list[int]:
    with world.engine.connect() as connection:
        return list(connection.execute(sa.text(query), params).scalars())


def _list(client, dash_app, kind: str, ids: list[int]) -> list[dict]:
    search = "?" + urlencode({"ids": ",".join(map(str, ids))})
    response = call(client, dash_app, LIST, values={"url.pathname": f"/maintenance/{AMO}/{kind}",
                                                    "url.search": search})
    assert response.status_code == 200
    return response.get_json()["response"]["records-grid"]["rowData"]


def _audits(world, action: str, actor: str) -> list[dict]:
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT a.entity_type, a.entity_id, a.after FROM audit_events a "
            "JOIN users u ON u.id = a.actor_user_id WHERE a.action = :action AND u.email = :email "
            "ORDER BY a.id"), {"action": action, "email": actor}).mappings()]


def test_csv_cells_that_start_a_formula_are_defused():
    rows = [{"a": "=HYPERLINK(\"http://x\")", "b": "+1", "c": "-2", "d": "@SUM(A1)", "e": "\tx", "f": "\rx",
             "g": "plain", "h": None, "i": 42}]
    header, cells = csv.reader(io.StringIO(records.to_csv(rows), newline=""))
    assert header == list("abcdefghi")
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", "",
                     "42"]


def test_the_list_shows_the_records_of_a_bar(world, clients, dash_app):
    cars = _ids(world, "SELECT id FROM cars WHERE amo_id = :amo ORDER BY id LIMIT 12", amo=world.amo_id)
    rows = _list(clients["qa@nam.example"], dash_app, "cars", cars)
    assert [row["id"] for row in rows] == cars
    assert {"car_no", "status", "due_date", "department"} <= set(rows[0])


def test_a_member_gets_only_their_own_departments_records(world, clients, dash_app):
    """D30 for the drill target: the URL names another department's CARs; the server drops them."""
    prod = department_id(world, "PROD")
    own = _ids(world, "SELECT id FROM cars WHERE department_id = :d ORDER BY id LIMIT 5", d=prod)
    other = _ids(world, "SELECT id FROM cars WHERE amo_id = :amo AND department_id <> :d ORDER BY id LIMIT 5",
                 amo=world.amo_id, d=prod)
    assert other
    rows = _list(clients["prod@nam.example"], dash_app, "cars", own + other)
    assert sorted(row["id"] for row in rows) == sorted(own)
    assert len(_list(clients["qa@nam.example"], dash_app, "cars", own + other)) == len(own + other)


def test_kinds_follow_the_cockpit_that_drills_into_them(world, clients, dash_app):
    items = _ids(world, "SELECT id FROM stock_items WHERE amo_id = :amo ORDER BY id LIMIT 5",
                 amo=world.amo_id)
    assert len(_list(clients["stores@nam.example"], dash_app, "stock_items", items)) == len(items)
    assert _list(clients["prod@nam.example"], dash_app, "stock_items", items) == []
    assert _list(clients["prod@nam.example"], dash_app, "users", [1, 2, 3]) == []


def test_another_amos_records_are_never_listed(world, clients, dash_app):
    foreign = _ids(world, "SELECT id FROM findings WHERE amo_id <> :amo ORDER BY id LIMIT 5",
                   amo=world.amo_id)
    assert foreign
    assert _list(clients["qa@nam.example"], dash_app, "findings", foreign) == []
    assert _list(clients["boss@nam.example"], dash_app, "findings", foreign) == []


def test_the_csv_export_is_defused_and_audited(world, clients, dash_app):
    with world.engine.begin() as connection:
        item = connection.execute(stock_items.insert().values(
            amo_id=world.amo_id, part_no="=1+2", description="@SUM(A1)", qty=1, uom="EA",
            location_code="-B-1", store_type="MAIN", condition="SERVICEABLE", certificate_type="EASA_FORM_1",
            batch_no="+cmd", received_at=datetime.now(UTC), receiving_inspection_status="ACCEPTED",
        ).returning(stock_items.c.id)
        ).scalar_one()
    where = {"url.pathname": f"/maintenance/{AMO}/stock_items", "url.search": f"?ids={item}"}
    response = call(clients["stores@nam.example"], dash_app, "records-download.data",
                    values={"records-export.n_clicks": 1, **where})
    download = response.get_json()["response"]["records-download"]["data"]
    assert download["filename"] == "stock_items.csv"
    header, row = list(csv.reader(io.StringIO(download["content"])))
    values = dict(zip(header, row, strict=True))
    assert values["part_no"] == "'=1+2" and values["description"] == "'@SUM(A1)"
    assert values["location_code"] == "'-B-1" and values["batch_no"] == "'+cmd"
    exports = _audits(world, "EXPORT", "stores@nam.example")
    assert exports[-1]["entity_type"] == "stock_items" and exports[-1]["after"]["ids"] == [item]
    response = call(clients["prod@nam.example"], dash_app, "records-download.data",
                    values={"records-export.n_clicks": 1, **where})
    assert "=1+2" not in response.get_data(as_text=True)


def test_a_row_click_opens_the_record_page(clients, dash_app):
    response = call(clients["qa@nam.example"], dash_app, "records-nav.href",
                    values={"records-grid.cellClicked": {"rowId": "42", "colId": "car_no"},
                            "url.pathname": f"/maintenance/{AMO}/cars"})
    href = response.get_json()["response"]["records-nav"]["href"]
    assert href == f"/maintenance/{AMO}/cars/42"


def test_the_record_page_shows_the_timeline_and_audits_the_view(world, clients, dash_app):
    with world.engine.connect() as connection:
        car_id, car_no = connection.execute(sa.text(
            "SELECT id, car_no FROM cars WHERE amo_id = :amo AND status = 'CLOSED' ORDER BY id LIMIT 1"),
            {"amo": world.amo_id}).one()
    before = len(_audits(world, "VIEW", "qa@nam.example"))
    response = call(clients["qa@nam.example"], dash_app, "entity-body.children",
                    values={"url.pathname": f"/maintenance/{AMO}/cars/{car_id}"})
    text = response.get_data(as_text=True)
    assert car_no in text and "entity-timeline" in text and '"Closed"' in text and "entity-trail" in text
    views = _audits(world, "VIEW", "qa@nam.example")
    assert len(views) == before + 1
    assert views[-1]["entity_type"] == "cars" and views[-1]["entity_id"] == str(car_id)


def test_a_record_out_of_scope_looks_like_no_record_and_is_not_audited(world, clients, dash_app):
    prod = department_id(world, "PROD")
    other = _ids(world, "SELECT id FROM cars WHERE amo_id = :amo AND department_id <> :d LIMIT 1",
                 amo=world.amo_id, d=prod)[0]
    paths = (f"cars/{other}", "cars/999999999", "users/1", "cars/x")
    for path in paths:
        response = call(clients["prod@nam.example"], dash_app, "entity-body.children",
                        values={"url.pathname": f"/maintenance/{AMO}/{path}"})
        assert "There is no such record" in response.get_data(as_text=True)
    assert _audits(world, "VIEW", "prod@nam.example") == []




@pytest.mark.browser
def test_quality_analyst_drills_from_a_bar_to_a_record_in_chromium(served, chromium):
    page = chromium.new_page()
    problems = watch_problems(page)
    log_in_page(page, served, "qa@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/quality")
    page.get_by_text("Overdue CARs (days overdue)").wait_for(timeout=60_000)
    bar = page.locator("[id*='overdue_cars'] g.point path").first
    bar.wait_for(timeout=30_000)
    bar.click(force=True)
    page.wait_for_url(f"{served}/maintenance/{AMO}/cars?**", timeout=20_000)
    cell = page.locator(".ag-row .ag-cell[col-id='car_no']").first
    cell.wait_for(timeout=20_000)
    car_no = cell.inner_text()
    cell.click()
    page.wait_for_url(f"{served}/maintenance/{AMO}/cars/*", timeout=20_000)
    page.locator("#entity-title").wait_for(timeout=20_000)
    assert car_no in page.locator("#entity-title").inner_text()
    page.locator("#entity-timeline li").first.wait_for(timeout=20_000)  # the active tab shows it
    page.wait_for_timeout(500)
    assert problems == []


def _member_reads(world, department: str, kind: str, ids: list[int]) -> list[int]:
    """The ids of ``kind`` a member of ``department`` may read (scope decided by ``records.fetch``)."""
    member = SimpleNamespace(amo_id=world.amo_id, role="member", department_code=department)
    with world.engine.connect() as connection:
        return [record["id"] for record in records.fetch(connection, member, kind, ids)]


def test_aircraft_are_read_by_reliability_members_and_the_amo_roles(world, clients, dash_app):
    aircraft = _ids(world, "SELECT id FROM aircraft WHERE amo_id = :amo ORDER BY id", amo=world.amo_id)
    foreign = _ids(world, "SELECT id FROM aircraft WHERE amo_id <> :amo ORDER BY id", amo=world.amo_id)
    assert aircraft and foreign
    assert _member_reads(world, "REL", "aircraft", aircraft + foreign) == aircraft
    assert _member_reads(world, "PROD", "aircraft", aircraft) == []
    rows = _list(clients["qa@nam.example"], dash_app, "aircraft", aircraft + foreign)
    assert [row["id"] for row in rows] == aircraft
    assert {"registration", "type_model", "status", "tsn_fh"} <= set(rows[0])
    assert _list(clients["prod@nam.example"], dash_app, "aircraft", aircraft) == []


def test_staff_authorisations_are_read_by_quality_without_secrets(world, clients, dash_app):
    held = _ids(world, "SELECT s.id FROM staff_authorisations s JOIN users u ON u.id = s.user_id "
                "WHERE u.amo_id = :amo ORDER BY s.id LIMIT 20", amo=world.amo_id)
    foreign = _ids(world, "SELECT s.id FROM staff_authorisations s JOIN users u ON u.id = s.user_id "
                   "WHERE u.amo_id <> :amo ORDER BY s.id LIMIT 5", amo=world.amo_id)
    assert held and foreign
    # QMS cockpit drill targets are the quality role's: a member of QUAL has department scope.
    for department in ("QUAL", "PROD", "REL", "SAFE"):
        assert _member_reads(world, department, "staff_authorisations", held) == []
    rows = _list(clients["qa@nam.example"], dash_app, "staff_authorisations", held + foreign)
    assert [row["id"] for row in rows] == held
    analyst = SimpleNamespace(amo_id=world.amo_id, role="quality", department_code="QUAL")
    with world.engine.connect() as connection:
        full = records.fetch(connection, analyst, "staff_authorisations", held)
    secrets = {"password_hash", "session_version", "session_key", "mfa_enabled", "last_login_at"}
    assert full and not secrets & set(full[0]) and not secrets & set(rows[0])
    assert {"auth_type", "expires_at", "status", "user_id"} <= set(rows[0])
    assert _list(clients["prod@nam.example"], dash_app, "staff_authorisations", held) == []
