"""Department cockpits on seeded, archived data: every department's KPIs and charts render from
one snapshot, members only ever get their own department, past dates reproduce past figures,
and a chart click becomes a records URL only for the user's own cockpit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from auth_test_support import call, csrf_of

from auth.policy import DEPARTMENT_SLUGS
from dashboards import cockpits
from tests.dashboards.seeded_support import AMO, cockpit_tree, walk_components
from warehouse import Warehouse
from warehouse.kpi.base import REGISTRY

BODY = "cockpit-body.children"
TODAY = datetime.now(UTC).date()


def _render(client, dash_app, slug: str, as_of: str = TODAY.isoformat()) -> list:
    return cockpit_tree(client, dash_app, f"/maintenance/{AMO}/{slug}", f"?as_of={as_of}")


def _cards(tree) -> dict[str, dict]:
    return {node["props"]["id"][4:]: node for node in walk_components(tree)
            if node["type"] == "Card" and str(node["props"].get("id", "")).startswith("kpi-")}


def _figures(tree) -> dict[str, dict]:
    return {node["props"]["id"]["kpi"]: node["props"]["figure"]
            for node in walk_components(tree) if node["type"] == "Graph"}


def _card_figure(card) -> str:
    """The headline value a card shows (its "kpi-value" line)."""
    return next(node["props"]["children"] for node in walk_components(card)
                if "kpi-value" in str(node["props"].get("className", "")))


@pytest.mark.parametrize("code", sorted(cockpits.PANELS))
def test_every_department_cockpit_renders_its_kpis_and_charts(clients, dash_app, code):
    tree = _render(clients["boss@nam.example"], dash_app, DEPARTMENT_SLUGS[code])
    expected = {name for name, definition in REGISTRY.items() if definition.department == code}
    assert set(_cards(tree)) == expected
    figures = _figures(tree)
    assert set(figures) == {panel.kpi for panel in cockpits.PANELS[code]}
    drillable = [trace for figure in figures.values() for trace in figure["data"]
                 if any(trace.get("customdata") or [])]
    assert drillable, f"no chart of {code} has a bar with record ids"
    ids = drillable[0]["customdata"][0].partition("|")[0].split(",")
    assert all(part.isdigit() for part in ids)


def test_the_qms_cockpit_is_the_quality_analysts(clients, dash_app):
    cards = _cards(_render(clients["qa@nam.example"], dash_app, "quality"))
    assert "overdue_cars" in cards and "open_findings_by_level" in cards


def test_members_get_their_own_department_whatever_the_url_says(clients, dash_app):
    """D30 for the cockpit: a production member asking for the stores cockpit gets production's."""
    tree = _render(clients["prod@nam.example"], dash_app, "stores")
    cards = _cards(tree)
    assert "task_card_burndown" in cards
    assert not {"stock_expiring", "expired_in_serviceable"} & set(cards)
    assert _cards(_render(clients["boss@nam.example"], dash_app, "stores")).keys() >= {"stock_expiring"}


def test_a_member_may_not_open_another_departments_cockpit_page(clients):
    assert clients["prod@nam.example"].get(f"/maintenance/{AMO}/stores").status_code == 403
    assert clients["prod@nam.example"].get(f"/maintenance/{AMO}/production").status_code == 200
    auditor = clients["audit@nam.example"]
    body = {"output": BODY, "outputs": {"id": "cockpit-body", "property": "children"}, "inputs": [],
            "state": [], "changedPropIds": []}
    response = auditor.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(auditor)})
    assert response.status_code == 403


def test_a_past_date_reproduces_that_days_figures(world, clients, dash_app):
    past = TODAY - timedelta(days=400)
    cards = _cards(_render(clients["qa@nam.example"], dash_app, "quality", as_of=past.isoformat()))
    warehouse = Warehouse(world.settings.warehouse, world.engine)
    try:
        for name in ("overdue_cars", "open_findings_by_level", "car_ageing"):
            frame = getattr(warehouse.kpi, name)(amo_id=world.amo_id, as_of=past)
            assert _card_figure(cards[name]) == REGISTRY[name].headline.evaluate(frame).text, name
        now = _cards(_render(clients["qa@nam.example"], dash_app, "quality"))
        assert [_card_figure(now[name]) for name in now] != [_card_figure(cards[name]) for name in now]
    finally:
        warehouse.close()


@pytest.mark.parametrize("value", [(TODAY + timedelta(days=3)).isoformat(), "2025-13-45", "not a date"])
def test_a_bad_as_of_date_gets_a_clear_message(clients, dash_app, value):
    tree = _render(clients["qa@nam.example"], dash_app, "quality", as_of=value)
    assert "Pick a date up to today" in json.dumps(tree)


def test_should_be_zero_kpis_with_violations_are_highlighted(clients, dash_app):
    cards = _cards(_render(clients["qa@nam.example"], dash_app, "quality"))
    alarms = {name for name, card in cards.items() if "kpi-alarm" in card["props"].get("className", "")}
    should_be_zero = {name for name in cards if REGISTRY[name].headline.aggregation == "violations"}
    assert alarms & should_be_zero
    assert all(_card_figure(cards[name]) != "0" for name in alarms & should_be_zero)
    assert all(_card_figure(cards[name]) == "0" and "kpi-state-good" in cards[name]["props"]["className"]
               for name in should_be_zero - alarms)


def _click(client, dash_app, kpi: str, customdata, slug: str, search: str = ""):
    chart = {"type": "cockpit-chart", "kpi": kpi}
    key = json.dumps(chart, separators=(",", ":"), sort_keys=True)
    value = {"points": [{"x": "bar", "customdata": customdata}]}
    body = {"output": "cockpit-nav.href", "outputs": {"id": "cockpit-nav", "property": "href"},
            "inputs": [[{"id": chart, "property": "clickData", "value": value}]],
            "state": [{"id": "url", "property": "pathname", "value": f"/maintenance/{AMO}/{slug}"},
                      {"id": "url", "property": "search", "value": search}],
            "changedPropIds": [f"{key}.clickData"]}
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(client)})


def test_a_bar_click_opens_the_records_page_with_its_ids(clients, dash_app):
    response = _click(clients["qa@nam.example"], dash_app, "overdue_cars", "5,7,x,-3,9", "quality")
    href = response.get_json()["response"]["cockpit-nav"]["href"]
    url = urlparse(href)
    assert url.path == f"/maintenance/{AMO}/cars"
    query = parse_qs(url.query)
    assert query["ids"] == ["5,7,9"] and query["kpi"] == ["overdue_cars"]


def test_a_click_on_another_departments_chart_leads_nowhere(clients, dash_app):
    """A member forging a click on a QMS chart: the panel is looked up in their own cockpit."""
    member = clients["prod@nam.example"]
    refused = _click(member, dash_app, "overdue_cars", "5,7", "quality")
    assert refused.status_code in (200, 204) and "cars" not in refused.get_data(as_text=True)
    response = _click(member, dash_app, "task_card_burndown", "11", "quality")
    assert f"/maintenance/{AMO}/task_cards?" in response.get_json()["response"]["cockpit-nav"]["href"]


AIRCRAFT_OF_AMO = "SELECT id FROM aircraft WHERE amo_id = :amo"
AUTHORISATIONS_OF_AMO = ("SELECT s.id FROM staff_authorisations s JOIN users u ON u.id = s.user_id "
                         "WHERE u.amo_id = :amo")


@pytest.mark.parametrize(("code", "kpi", "kind", "of_amo"), [
    ("REL", "dispatch_reliability", "aircraft", AIRCRAFT_OF_AMO),
    ("QUAL", "authorisations_expiring", "staff_authorisations", AUTHORISATIONS_OF_AMO),
    ("QUAL", "continuation_training_missing", "staff_authorisations", AUTHORISATIONS_OF_AMO),
    ("QUAL", "experience_lapsed", "staff_authorisations", AUTHORISATIONS_OF_AMO),
])
def test_aircraft_and_authorisation_panels_drill_into_their_records(world, clients, dash_app, code, kpi,
                                                                   kind, of_amo):
    """Each bar carries ids of the panel's record kind, of the user's AMO, and a click lists them."""
    figure = _figures(_render(clients["boss@nam.example"], dash_app, DEPARTMENT_SLUGS[code]))[kpi]
    bar_ids = [[int(i) for i in cell.partition("|")[0].split(",") if i] for trace in figure["data"]
               for cell in trace.get("customdata") or []]
    ids = {i for bar in bar_ids for i in bar}
    if kpi in ("dispatch_reliability", "authorisations_expiring"):
        assert ids and all(bar_ids), f"{kpi} has no bars with ids on the demo data"
    with world.engine.connect() as connection:
        assert ids <= set(connection.execute(sa.text(of_amo), {"amo": world.amo_id}).scalars())
    if ids:
        href = _click(clients["boss@nam.example"], dash_app, kpi, ",".join(map(str, bar_ids[0])),
                      DEPARTMENT_SLUGS[code]).get_json()["response"]["cockpit-nav"]["href"]
        assert urlparse(href).path == f"/maintenance/{AMO}/{kind}"


def test_the_as_of_date_lives_in_the_url_with_a_banner_back_to_now(clients, dash_app):
    past = TODAY - timedelta(days=400)
    tree = _render(clients["qa@nam.example"], dash_app, "quality", as_of=past.isoformat())
    banner = next(node for node in walk_components(tree) if node["props"].get("id") == "as-of-banner")
    text = json.dumps(banner)
    assert f"Figures as of {past.day} {past:%B %Y}" in text
    link = next(node for node in walk_components(banner) if node["props"].get("id") == "as-of-now")
    assert link["props"]["href"] == f"/maintenance/{AMO}/quality"
    picker = next(node for node in walk_components(tree) if node["props"].get("id") == "cockpit-as-of")
    assert picker["props"]["value"] == past.isoformat()
    assert "as-of-banner" not in json.dumps(_render(clients["qa@nam.example"], dash_app, "quality", as_of=""))


def test_picking_a_date_puts_it_in_the_url_and_a_click_passes_it_on(clients, dash_app):
    past = TODAY - timedelta(days=30)
    page = f"/maintenance/{AMO}/quality"
    response = call(clients["qa@nam.example"], dash_app, "cockpit-as-of-nav.href",
                    values={"cockpit-as-of.value": past.isoformat(), "url.pathname": page, "url.search": ""})
    assert response.get_json()["response"]["cockpit-as-of-nav"]["href"] == \
        f"/maintenance/{AMO}/quality?as_of={past.isoformat()}"
    back = call(clients["qa@nam.example"], dash_app, "cockpit-as-of-nav.href",
                values={"cockpit-as-of.value": TODAY.isoformat(), "url.pathname": page,
                        "url.search": f"?as_of={past.isoformat()}"})
    assert back.get_json()["response"]["cockpit-as-of-nav"]["href"] == f"/maintenance/{AMO}/quality"
    href = _click(clients["qa@nam.example"], dash_app, "overdue_cars", "5,7|CAR-5, Level 1", "quality",
                  search=f"?as_of={past.isoformat()}").get_json()["response"]["cockpit-nav"]["href"]
    query = parse_qs(urlparse(href).query)
    assert query["as_of"] == [past.isoformat()] and query["bar"] == ["CAR-5, Level 1"]
