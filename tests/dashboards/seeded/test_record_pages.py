"""A record page for every entity type, on seeded data: its label and state in the header, its
fields in words, links both ways (what it names, what names it), a timeline with who and why,
the checksum status of attachments, and every view audited as VIEW."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from auth_test_support import call

from dashboards import links, records
from dashboards.paths import record_path
from tests.dashboards.seeded_support import AMO, walk_components
from warehouse.events import RequestContext, record_audit
from warehouse.schema import metadata

BODY = "entity-body.children"
ADMIN = "boss@nam.example"


def _page(client, dash_app, kind: str, record_id: int):
    response = call(client, dash_app, BODY, values={"url.pathname": f"/maintenance/{AMO}/{kind}/{record_id}"})
    assert response.status_code == 200
    return response.get_json()["response"]["entity-body"]["children"]


def _by_id(tree, node_id: str):
    return next((node for node in walk_components(tree) if node["props"].get("id") == node_id), None)


def _text(node) -> str:
    return json.dumps(node, ensure_ascii=False)


def admin_of(world):
    """The AMO's admin as ``records.fetch`` sees a user: every record of the AMO."""
    return SimpleNamespace(amo_id=world.amo_id, role="admin", department_code="ADMIN")


def _richest(world, kind: str) -> int:
    """A record of the AMO with the most audit events and links set (the most to show)."""
    admin = admin_of(world)
    table = metadata.tables[kind]
    with world.engine.connect() as connection:
        candidates = [row["id"]
                      for row in records.fetch(connection, admin, kind, [], where=sa.true(), limit=200)]
        assert candidates, f"the demo data has no {kind}"
        counts = dict(connection.execute(sa.text(
            "SELECT entity_id, count(*) FROM audit_events WHERE entity_type = :kind GROUP BY entity_id"),
            {"kind": kind}).all())
        references = list(links.references(kind))
        set_links = {}
        if references:
            rows = connection.execute(sa.select(table.c.id, *[table.c[c] for c in references])
                                      .where(table.c.id.in_(candidates))).all()
            set_links = {row[0]: sum(value is not None for value in row[1:]) for row in rows}
    return max(candidates, key=lambda i: (set_links.get(i, 0), counts.get(str(i), 0), -i))


def _audits(world, action: str, email: str) -> list[dict]:
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT a.entity_type, a.entity_id FROM audit_events a JOIN users u ON u.id = a.actor_user_id "
            "WHERE a.action = :action AND u.email = :email ORDER BY a.id"),
            {"action": action, "email": email}).mappings()]


@pytest.mark.parametrize("kind", sorted(records.KINDS))
def test_every_entity_type_has_a_record_page(world, clients, dash_app, kind):
    record_id = _richest(world, kind)
    views_before = len(_audits(world, "VIEW", ADMIN))
    tree = _page(clients[ADMIN], dash_app, kind, record_id)
    declaration = records.KINDS[kind]
    title = _text(_by_id(tree, "entity-title"))
    assert declaration.singular in title
    if declaration.status:
        assert _by_id(tree, "entity-status") is not None, "the header shows the record's state"
    fields = _text(_by_id(tree, "entity-fields"))
    assert '"_id"' not in fields and "change_txid" not in fields and "password_hash" not in fields
    for column, target in links.references(kind).items():  # what it names: labelled links
        with world.engine.connect() as connection:
            value = connection.execute(sa.select(metadata.tables[kind].c[column])
                                       .where(metadata.tables[kind].c.id == record_id)).scalar()
        if value is not None:
            assert f'"href": "{record_path(AMO, target, value)}"' in fields, column
    assert len(_audits(world, "VIEW", ADMIN)) == views_before + 1
    assert _audits(world, "VIEW", ADMIN)[-1] == {"entity_type": kind, "entity_id": str(record_id)}


@pytest.mark.parametrize(("kind", "back"), [
    ("cars", "car_attachments"), ("findings", "cars"), ("aircraft", "defects"), ("aircraft", "work_orders"),
    ("tools", "tool_calibrations"), ("tools", "tool_usage"), ("work_orders", "task_cards"),
    ("stock_items", "part_movements"), ("users", "training_records"), ("directives", "directive_compliance"),
])
def test_records_pointing_back_are_listed_as_links(world, clients, dash_app, kind, back):
    column = next(c for c, target in links.references(back).items() if target == kind)
    with world.engine.connect() as connection:
        children = records.fetch(connection, admin_of(world), back, [], where=sa.true(), limit=2000)
    named = [row for row in children if row.get(column) is not None]
    assert named, f"the demo data has no {back} naming a {kind}"
    record_id = max({row[column] for row in named}, key=lambda i: sum(row[column] == i for row in named))
    child = min(row["id"] for row in named if row[column] == record_id)
    tree = _page(clients[ADMIN], dash_app, kind, record_id)
    groups = [node for node in walk_components(tree) if node["props"].get("data-kind") == back]
    assert groups, f"{kind} {record_id} does not list its {back}"
    assert f'"href": "{record_path(AMO, back, child)}"' in _text(groups)


def test_the_timeline_says_who_changed_the_state_and_why(world, clients, dash_app):
    """A CAR reopened with a reason (a state change with a reason, as the workflow writes it)."""
    with world.engine.begin() as connection:
        car_id, image = connection.execute(sa.text(
            "SELECT c.id, (SELECT a.after FROM audit_events a WHERE a.entity_type = 'cars' "
            "AND a.entity_id = c.id::text AND a.after IS NOT NULL ORDER BY a.id DESC LIMIT 1) "
            "FROM cars c WHERE c.amo_id = :amo AND c.status = 'CLOSED' ORDER BY c.id DESC LIMIT 1"),
            {"amo": world.amo_id}).one()
        actor, name = connection.execute(sa.text(
            "SELECT id, full_name FROM users WHERE amo_id = :amo AND email = 'qa@nam.example'"),
            {"amo": world.amo_id}).one()
        quality = RequestContext(actor_user_id=actor, actor_role="quality", auth_method="PASSWORD")
        reopened = {**image, "status": "IMPLEMENTED"}
        record_audit(connection, quality, "STATE_CHANGE", amo_id=world.amo_id, entity_type="cars",
                     entity_id=car_id, before=image, after=image, reason="No change: not in the timeline")
        record_audit(connection, quality, "STATE_CHANGE", amo_id=world.amo_id, entity_type="cars",
                     entity_id=car_id, before=image, after=reopened,
                     reason="Effectiveness check failed: reopened")
        record_audit(connection, quality, "STATE_CHANGE", amo_id=world.amo_id, entity_type="cars",
                     entity_id=car_id, before=reopened, after=image, reason="Reopened by mistake")
    tree = _by_id(_page(clients[ADMIN], dash_app, "cars", car_id), "entity-timeline")
    timeline = _text(tree)
    actors = [_text(node) for node in walk_components(tree)
              if "entity-actor" in str(node["props"].get("className"))]
    assert any('"by "' in actor and f'"{name}"' in actor for actor in actors)
    assert f"/maintenance/{AMO}/admin/users/{actor}" in timeline  # the admin reader gets a link
    assert "Reason: Effectiveness check failed: reopened" in timeline
    assert "Closed → Implemented" in timeline and "Implemented → Closed" in timeline
    assert "not in the timeline" not in timeline


def test_an_attachment_shows_its_stored_checksum_and_integrity(world, clients, dash_app):
    with world.engine.connect() as connection:
        attachment_id, sha256, car_id = connection.execute(sa.text(
            "SELECT a.id, a.sha256, a.car_id FROM car_attachments a JOIN cars c ON c.id = a.car_id "
            "WHERE c.amo_id = :amo AND a.verify_status = 'MISMATCH' LIMIT 1"), {"amo": world.amo_id}).one()
    tree = _page(clients[ADMIN], dash_app, "car_attachments", attachment_id)
    integrity = _by_id(tree, "entity-integrity")
    assert integrity["props"]["color"] == "danger" and sha256 in _text(integrity)
    assert "Mismatch" in _text(integrity)
    assert f'"href": "{record_path(AMO, "cars", car_id)}"' in _text(_by_id(tree, "entity-fields"))


def test_a_member_sees_no_people_pages_and_nothing_of_another_department(world, clients, dash_app):
    with world.engine.connect() as connection:
        user_id = connection.execute(sa.text("SELECT id FROM users WHERE amo_id = :amo LIMIT 1"),
                                     {"amo": world.amo_id}).scalar_one()
    assert "There is no such record" in _text(_page(clients["prod@nam.example"], dash_app, "users", user_id))
    assert "There is no such record" not in _text(_page(clients[ADMIN], dash_app, "users", user_id))
