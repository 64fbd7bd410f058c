"""The records list a chart element opens: its title names the element, its sort, filters and
as-of date live in the URL, it shows the rows as they were on that date, and both exports are
audited as EXPORT; in Chromium, sorting and filtering the grid writes the URL."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import sqlalchemy as sa
from auth_test_support import call, log_in_page, watch_problems
from openpyxl import load_workbook

from dashboards.pages import records as records_page
from tests.dashboards.seeded_support import AMO

LIST = "..records-grid.rowData...records-grid.columnDefs...records-title.children.."
DESCRIBE = "..records-subtitle.children...records-banner.children...records-grid.filterModel.."
TODAY = datetime.now(UTC).date()


def _list(client, dash_app, kind: str, **params) -> dict:
    values = {"url.pathname": f"/maintenance/{AMO}/{kind}", "url.search": "?" + urlencode(params)}
    response = call(client, dash_app, LIST, values=values)
    assert response.status_code == 200
    return response.get_json()["response"]


def _audits(world, action: str, email: str) -> list[dict]:
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT a.entity_type, a.after FROM audit_events a JOIN users u ON u.id = a.actor_user_id "
            "WHERE a.action = :action AND u.email = :email ORDER BY a.id"),
            {"action": action, "email": email}).mappings()]


def _closed_car(world):
    with world.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT id, car_no, closed_at FROM cars WHERE amo_id = :amo AND status = 'CLOSED' "
            "AND closed_at < now() - interval '60 days' ORDER BY id LIMIT 1"), {"amo": world.amo_id}).one()


def test_the_title_names_the_clicked_element(clients, dash_app):
    response = _list(clients["qa@nam.example"], dash_app, "cars", ids="1,2", kpi="overdue_cars",
                     bar="Production, Level 1")
    assert response["records-title"]["children"] == "Overdue CARs — Production, Level 1"
    plain = _list(clients["qa@nam.example"], dash_app, "cars", ids="1,2")
    assert plain["records-title"]["children"] == "CARs"


def test_an_address_without_ids_says_how_the_list_is_filled(clients, dash_app):
    """Typed or cut short, /audits names no records: the page says where its rows come from
    instead of reading "0 audits" as if the AMO had none."""
    described = call(clients["qa@nam.example"], dash_app, DESCRIBE, values={
        "url.pathname": f"/maintenance/{AMO}/audits", "url.search": ""}).get_json()["response"]
    assert described["records-subtitle"]["children"] == records_page.NONE_NAMED
    named = call(clients["qa@nam.example"], dash_app, DESCRIBE, values={
        "url.pathname": f"/maintenance/{AMO}/cars", "url.search": "?ids=1,2"}).get_json()["response"]
    assert named["records-subtitle"]["children"].startswith("2 cars")


def test_rows_read_in_words(world, clients, dash_app):
    with world.engine.connect() as connection:
        defects = list(connection.execute(sa.text(
            "SELECT d.id FROM defects d JOIN aircraft a ON a.id = d.aircraft_id WHERE a.amo_id = :amo "
            "ORDER BY d.id LIMIT 5"), {"amo": world.amo_id}).scalars())
        registrations = set(connection.execute(sa.text("SELECT registration FROM aircraft")).scalars())
    rows = _list(clients["boss@nam.example"], dash_app, "defects", ids=",".join(map(str, defects)))
    rows = rows["records-grid"]["rowData"]
    assert rows and all(row["aircraft_id"] in registrations for row in rows)
    assert all(row["is_deferred"] in ("Deferred", "Not deferred") for row in rows)


def test_a_past_date_lists_the_rows_as_they_were(world, clients, dash_app):
    car_id, car_no, closed_at = _closed_car(world)
    before = (closed_at - timedelta(days=1)).date()
    past = _list(clients["qa@nam.example"], dash_app, "cars", ids=str(car_id), as_of=before.isoformat())
    now = _list(clients["qa@nam.example"], dash_app, "cars", ids=str(car_id))
    assert now["records-grid"]["rowData"][0]["status"] == "CLOSED"
    assert past["records-grid"]["rowData"][0]["status"] != "CLOSED"
    assert past["records-grid"]["rowData"][0]["car_no"] == car_no
    described = call(clients["qa@nam.example"], dash_app, DESCRIBE, values={
        "url.pathname": f"/maintenance/{AMO}/cars", "url.search": f"?ids={car_id}&as_of={before}"})
    assert "Figures as of" in described.get_data(as_text=True)


def test_sort_and_filters_come_from_the_url_and_go_back_to_it():
    params = {"ids": "1,2", "sort": "due_date:desc", "f.status": "text:contains:OPEN", "f.bogus": "text:x:y"}
    assert records_page.sort_of(params) == ("due_date", "desc")
    model = records_page.filter_model(params, ("status", "due_date"))
    assert model == {"status": {"filterType": "text", "type": "contains", "filter": "OPEN"}}
    state = [{"colId": "car_no", "sort": None}, {"colId": "closed_at", "sort": "asc"}]
    new = records_page.grid_state_query(params, {"car_no": {"filterType": "text", "type": "equals",
                                                            "filter": "CAR-1"}}, state)
    assert new == {"ids": "1,2", "sort": "closed_at:asc", "f.car_no": "text:equals:CAR-1"}
    assert records_page.sort_of({"sort": "x:sideways"}) is None


def test_csv_and_xlsx_exports_are_audited_with_what_was_exported(world, clients, dash_app):
    car_id, car_no, _closed = _closed_car(world)
    search = "?" + urlencode({"ids": str(car_id), "kpi": "overdue_cars", "bar": "=HYPERLINK(1)"})
    path = f"/maintenance/{AMO}/cars"
    values = {"records-export-xlsx.n_clicks": 1, "url.pathname": path, "url.search": search}
    response = call(clients["qa@nam.example"], dash_app, "records-download-xlsx.data", values=values)
    download = response.get_json()["response"]["records-download-xlsx"]["data"]
    assert download["filename"] == "cars.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    assert sheet["A1"].value == "Overdue CARs — =HYPERLINK(1)"  # not at the start: no formula
    header = [cell.value for cell in sheet[2]]
    assert header[:2] == ["id", "car_no"] and sheet.cell(3, 2).value == car_no
    exports = _audits(world, "EXPORT", "qa@nam.example")
    assert exports[-1]["entity_type"] == "cars" and exports[-1]["after"]["format"] == "xlsx"
    assert exports[-1]["after"]["ids"] == [car_id]
    values = {"records-export.n_clicks": 1, "url.pathname": path, "url.search": search}
    call(clients["qa@nam.example"], dash_app, "records-download.data", values=values)
    assert _audits(world, "EXPORT", "qa@nam.example")[-1]["after"]["format"] == "csv"


@pytest.mark.browser
def test_sorting_and_filtering_the_grid_writes_the_url(world, served, chromium):
    with world.engine.connect() as connection:
        cars = list(connection.execute(sa.text(
            "SELECT id FROM cars WHERE amo_id = :amo ORDER BY id LIMIT 20"), {"amo": world.amo_id}).scalars())
    page = chromium.new_page()
    problems = watch_problems(page)
    log_in_page(page, served, "qa@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/quality")
    page.goto(f"{served}/maintenance/{AMO}/cars?ids={','.join(map(str, cars))}&kpi=overdue_cars&bar=All")
    page.locator(".ag-header-cell[col-id='due_date'] .ag-header-cell-label").click(timeout=30_000)
    page.wait_for_url("**sort=due_date%3Aasc**", timeout=20_000)
    assert parse_qs(urlparse(page.url).query)["sort"] == ["due_date:asc"]
    assert page.locator("#records-title").inner_text() == "Overdue CARs — All"
    assert problems == []
