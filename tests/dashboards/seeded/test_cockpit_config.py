"""Per-department cockpit configuration (panels shown, KPI thresholds) over the defaults, refused
when it names what does not exist; and each department page's "My open items"."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from auth_test_support import login

from dashboards import cockpit_config, open_items
from dashboards.cockpit_config import CockpitConfigError
from tests.dashboards.seeded_support import AMO, cockpit_tree, walk_components

CONFIG = """
[QUAL]
hide = ["findings_by_source"]

[QUAL.thresholds.audit_programme_completion]
target = 0.80
alarm = 0.60
"""


@pytest.mark.parametrize(("text", "message"), [
    ("[QAUL]\nhide = []", "unknown department 'QAUL'"),
    ("[QUAL]\nhide = ['stock_expiring']", "are not KPIs of this cockpit"),
    ("[QUAL]\nshow = []", "unknown keys ['show']"),
    ("[QUAL.thresholds.overdue_cars]\ntarget = 'zero'", "target and alarm are numbers"),
    ("[QUAL.thresholds.root_cause_pareto]\ntarget = 3", "a volume to watch"),
    ("[QUAL", "not valid TOML"),
])
def test_a_wrong_configuration_is_refused_with_what_is_wrong(text, message):
    with pytest.raises(CockpitConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        cockpit_config.parse(text)


def test_defaults_are_every_panel_and_the_kpis_own_thresholds():
    config = cockpit_config.parse(CONFIG)["QUAL"]
    assert not config.shows("findings_by_source") and config.shows("overdue_cars")
    assert config.headline("audit_programme_completion").target_text() == "target ≥ 80 %"
    assert cockpit_config.DEFAULT.headline("audit_programme_completion").target_text() == "target ≥ 95 %"


def test_a_configured_cockpit_hides_panels_and_uses_its_thresholds(world, tmp_path):
    path = tmp_path / "cockpits.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = dataclasses.replace(world.settings, dashboards=dataclasses.replace(
        world.settings.dashboards, cockpit_config=str(path)))
    from auth_test_support import make_app
    app = make_app(settings, world.engine)
    client = app.test_client()
    assert login(client, "qa@nam.example", environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code == 303
    tree = cockpit_tree(client, app.extensions["dash_app"], f"/maintenance/{AMO}/quality")
    ids = {json.dumps(node["props"].get("id"), sort_keys=True) for node in walk_components(tree)}
    assert '"kpi-findings_by_source"' not in ids and '"kpi-overdue_cars"' in ids
    assert not any("findings_by_source" in i for i in ids)
    card = next(node for node in walk_components(tree)
                if node["props"].get("id") == "kpi-audit_programme_completion")
    assert "target ≥ 80 %" in json.dumps(card, ensure_ascii=False)
    assert next(node for node in walk_components(tree) if node["props"].get("id") == "my-open-items")


def test_a_bad_configuration_file_stops_the_app_at_start(world, tmp_path):
    path = tmp_path / "cockpits.toml"
    path.write_text("[QUAL]\nhide = ['nothing_like_it']", encoding="utf-8")
    settings = dataclasses.replace(world.settings, dashboards=dataclasses.replace(
        world.settings.dashboards, cockpit_config=str(path)))
    from auth_test_support import make_app
    with pytest.raises(CockpitConfigError, match="nothing_like_it"):
        make_app(settings, world.engine)


def test_my_open_items_are_the_records_waiting_on_me(world):
    with world.engine.connect() as connection:
        owner, count = connection.execute(sa.text(
            "SELECT c.owner_user_id, count(*) FROM cars c WHERE c.amo_id = :amo AND c.status <> 'CLOSED' "
            "AND c.voided_at IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1"), {"amo": world.amo_id}).one()
        me = SimpleNamespace(user_id=owner, amo_id=world.amo_id, role="quality", department_code="QUAL")
        found = dict((item.kind, rows) for item, rows in open_items.of_user(connection, me))
        expected = set(connection.execute(sa.text(
            "SELECT id FROM cars WHERE owner_user_id = :me AND status <> 'CLOSED' AND voided_at IS NULL"),
            {"me": owner}).scalars())
    assert {row["id"] for row in found["cars"]} == expected and len(expected) == count
    panel = json.dumps(open_items.panel(AMO, [(open_items.OPEN_ITEMS[0], found["cars"])]).to_plotly_json(),
                       default=lambda component: component.to_plotly_json())
    assert f"/maintenance/{AMO}/cars/" in panel and "CARs you own" in panel
