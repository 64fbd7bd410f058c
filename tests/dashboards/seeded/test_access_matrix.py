"""The access rules as one matrix (checklist D28–D31, D34): role × AMO (own or the other) × every
routed page, every Dash callback and every export → allowed or refused, the expectation computed
from the policy table (``auth.policy``) and from SQL over the seeded data, never from the code
under test.

Each callback gets bodies naming the other AMO's paths, record ids and user ids as well as its
own; a callback, a routed page or a record kind this file does not know fails
``test_the_matrix_covers_every_callback_page_and_kind``, so nothing new joins the app without
its row here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from auth_test_support import csrf_of, login, make_user

from auth.policy import (
    CALLBACKS,
    DATA_SCOPES,
    DEPARTMENT_SLUGS,
    PAGES,
    SLUG_DEPARTMENTS,
    may_call,
    may_open_page,
)
from dashboards import cockpits, records
from dashboards.routes import PARAMETERS, ROUTES
from tests.dashboards.seeded_support import AMO

# One persona per role, and members of a department with a cockpit of its own (PROD), of one whose
# cockpit drills into kinds without a department column (STOR), and of the two whose pages show
# every department (QUAL, ADMIN). Their own accounts: the views and exports they make are theirs.
PERSONAS = {
    "matrix-root@nam.example": ("superuser", "ADMIN"), "matrix-boss@nam.example": ("admin", "ADMIN"),
    "matrix-qa@nam.example": ("quality", "QUAL"), "matrix-audit@nam.example": ("auditor", "QUAL"),
    "matrix-prod@nam.example": ("member", "PROD"), "matrix-stores@nam.example": ("member", "STOR"),
    "matrix-qual@nam.example": ("member", "QUAL"), "matrix-office@nam.example": ("member", "ADMIN"),
}

# How a record of each kind reaches its AMO and its department, written out independently.
OWNER = {
    "findings": ("findings t", "t.amo_id", "t.department_id"),
    "cars": ("cars t", "t.amo_id", "t.department_id"),
    "audits": ("audits t", "t.amo_id", "t.auditee_department_id"),
    "safety_reports": ("safety_reports t", "t.amo_id", "t.department_id"),
    "hazards": ("hazards t", "t.amo_id", "t.department_id"),
    "aircraft": ("aircraft t", "t.amo_id", None),
    "staff_authorisations": ("staff_authorisations t JOIN users p ON p.id = t.user_id", "p.amo_id", None),
    "defects": ("defects t JOIN aircraft p ON p.id = t.aircraft_id", "p.amo_id", None),
    "operational_interruptions": ("operational_interruptions t JOIN aircraft p ON p.id = t.aircraft_id",
                                  "p.amo_id", None),
    "component_removals": ("component_removals t JOIN aircraft p ON p.id = t.aircraft_id", "p.amo_id", None),
    "directive_compliance": ("directive_compliance t JOIN aircraft p ON p.id = t.aircraft_id", "p.amo_id",
                             None),
    "work_orders": ("work_orders t", "t.amo_id", "t.department_id"),
    "task_cards": ("task_cards t JOIN work_orders p ON p.id = t.work_order_id", "p.amo_id", None),
    "stock_items": ("stock_items t", "t.amo_id", None),
    "tools": ("tools t", "t.amo_id", "t.department_id"),
    "users": ("users t", "t.amo_id", None),  # members never read people by department
    "training_records": ("training_records t JOIN users p ON p.id = t.user_id", "p.amo_id", None),
    "components": ("components t JOIN aircraft p ON p.id = t.installed_aircraft_id", "p.amo_id", None),
    "directives": ("(SELECT c.directive_id AS id, min(a.amo_id) AS amo_id FROM directive_compliance c "
                   "JOIN aircraft a ON a.id = c.aircraft_id GROUP BY c.directive_id "
                   "HAVING count(DISTINCT a.amo_id) = 1) t", "t.amo_id", None),  # those of one AMO's fleet
    "car_attachments": ("car_attachments t JOIN cars p ON p.id = t.car_id", "p.amo_id", None),
    "tool_calibrations": ("tool_calibrations t JOIN tools p ON p.id = t.tool_id", "p.amo_id", None),
    "tool_usage": ("tool_usage t JOIN tools p ON p.id = t.tool_id", "p.amo_id", None),
    "part_movements": ("part_movements t JOIN stock_items p ON p.id = t.stock_item_id", "p.amo_id", None),
}

# The page each callback belongs to (its components are drawn there).
CALLBACK_PAGES = {
    "page-content.children": "admin",
    # The live panel is in the shell of every page.
    "feed-panel.is_open": "<department>",
    "feed-chips.value": "<department>",
    "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash..": "<department>",
    "feed-pinned.children": "<department>",
    "feed-acks.data": "<department>",
    "..inbox-list.children...inbox-state.data..": "<department>",
    "..feed-unseen.data...feed-new.children...feed-jump.children...feed-jump.style..": "<department>",
    "..users-table.children...users-summary.children...users-location.search...users-page.data"
    "...users-previous.disabled...users-next.disabled..": "admin/users",
    "user-facts.children": "admin/users/<user_id>",
    "..user-activity-list.children...user-activity-cursor.data...user-activity-more.disabled..":
        "admin/users/<user_id>",
    "..user-account-list.children...user-account-cursor.data...user-account-more.disabled..":
        "admin/users/<user_id>",
    "..user-confirm-dialog.is_open...user-confirm-text.children...user-result.children...user-reason.value"
    "...user-subject.value...user-body.value...user-form-key.data...user-refresh.data..":
        "admin/users/<user_id>",
    "..history-grid-box.children...history-location.search..": "history",
    "..history-grid.getRowsResponse...history-cursors.data...history-problem.children..": "history",
    "..history-event.is_open...history-event-title.children...history-event-body.children..": "history",
    "..history-download.data...history-export-problem.children..": "history",
    "cockpit-as-of-nav.href": "<department>",
    "records-download-xlsx.data": "<entity_type>",
    "..records-subtitle.children...records-banner.children...records-grid.filterModel..": "<entity_type>",
    "records-url.search": "<entity_type>",
    "admin-users.rowData": "admin",
    "admin-kpis.children": "admin",
    "admin-schedules.rowData": "admin",
    "admin-timeline.rowData": "admin",
    "..admin-result.children...admin-form-key.data...admin-refresh.data..": "admin",
    "cockpit-body.children": "<department>",
    "cockpit-more-charts.children": "<department>",
    "cockpit-nav.href": "<department>",
    "..cockpit-report-download.data...cockpit-report-error.children..": "quality",
    "..records-grid.rowData...records-grid.columnDefs...records-title.children..": "<entity_type>",
    "records-nav.href": "<entity_type>",
    "records-download.data": "<entity_type>",
    "entity-body.children": "<entity_type>/<id>",
    "entity-reverify-result.children": "<entity_type>/<id>",
    "console-result.children": "console",
    "console-grid.getRowsResponse": "console",
}
LIST = "..records-grid.rowData...records-grid.columnDefs...records-title.children.."
EXPORT = "records-download.data"
ENTITY = "entity-body.children"
COCKPIT = "cockpit-body.children"
MORE_CHARTS = "cockpit-more-charts.children"
ADMIN_APPLY = "..admin-result.children...admin-form-key.data...admin-refresh.data.."
REPORT = "..cockpit-report-download.data...cockpit-report-error.children.."


@dataclass(frozen=True)
class Sample:
    id: int
    amo_id: int
    department: str | None


@dataclass
class Tenants:
    own_id: int
    other_id: int
    other_code: str
    samples: dict[str, list[Sample]]
    other_users: dict[int, str]  # id → email of the other AMO's users
    own_user: int  # a user of the own AMO


@pytest.fixture(scope="module")
def personas(world, app) -> dict:
    """A signed-in client per persona."""
    clients = {}
    for n, (email, (role, department)) in enumerate(PERSONAS.items()):
        make_user(world.engine, email, role, department, amo=AMO)
        client = app.test_client()
        assert login(client, email, environ_base={"REMOTE_ADDR": f"10.8.0.{n + 1}"}).status_code == 303
        clients[email] = client
    return clients


@pytest.fixture(scope="module")
def tenants(world) -> Tenants:
    """Per kind: for both AMOs, one record of each department (two when the kind has no department
    column)."""
    with world.engine.connect() as connection:
        other_id, other_code = connection.execute(sa.text(
            "SELECT id, code FROM amos WHERE id <> :amo ORDER BY id LIMIT 1"), {"amo": world.amo_id}).one()
        samples = {}
        for kind, (source, amo, department) in OWNER.items():
            department_code = (f"(SELECT code FROM departments WHERE id = {department})" if department
                               else "NULL")
            rows = connection.execute(sa.text(
                f"SELECT id, amo_id, department FROM (SELECT t.id, {amo} AS amo_id, "
                f"{department_code} AS department, "
                f"row_number() OVER (PARTITION BY {amo}, {department or 'NULL'} ORDER BY t.id) AS n "
                f"FROM {source} WHERE {amo} IN (:own, :other)) s "
                f"WHERE n <= {1 if department else 2} ORDER BY id"),
                {"own": world.amo_id, "other": other_id}).all()
            samples[kind] = [Sample(*row) for row in rows]
            assert {s.amo_id for s in samples[kind]} == {world.amo_id, other_id}, kind
        other_users = dict(connection.execute(sa.text("SELECT id, email FROM users WHERE amo_id = :a"),
                                              {"a": other_id}).all())
        own_user = connection.execute(sa.text("SELECT min(id) FROM users WHERE amo_id = :a"),
                                      {"a": world.amo_id}).scalar_one()
    return Tenants(world.amo_id, other_id, other_code, samples, other_users, own_user)


def may_read(role: str, department: str, kind: str, sample: Sample, own_amo: int) -> bool:
    """The data scope of docs/security.md, from the policy table: the own AMO only; all of it for
    AMO-scoped roles; for a member, every record of the kinds their own cockpit drills into when
    that cockpit is theirs to open, else their own department's records."""
    if sample.amo_id != own_amo:
        return False
    if DATA_SCOPES[role] == "amo":
        return True
    own_page = DEPARTMENT_SLUGS.get(department)
    if own_page and may_open_page(role, department, own_page) and kind in {
            panel.entity for panel in cockpits.PANELS.get(department, ())}:
        return True
    return OWNER[kind][2] is not None and sample.department == department


def test_the_matrix_covers_every_callback_page_and_kind(dash_app):
    assert set(CALLBACK_PAGES) == set(dash_app.callback_map)
    assert {output for output, spec in dash_app.callback_map.items() if "callback" in spec} <= set(CALLBACKS)
    assert set(ROUTES) <= set(PAGES)
    assert set(OWNER) == set(records.KINDS)
    assert {part.strip("<>") for pattern in ROUTES for part in pattern.split("/")
            if part.startswith("<")} <= set(PARAMETERS) <= {"entity_type", "id", "user_id"}


def _paths(pattern: str, amo_code: str, tenants: Tenants) -> list[tuple[str, str | None, Sample | None]]:
    """Concrete paths of a route pattern: (path, kind, record) for every kind and every sampled
    record below the own AMO; below the other AMO's code, one record of each kind."""
    base = f"/maintenance/{amo_code}"
    if pattern == "<entity_type>":
        return [(f"{base}/{kind}", kind, None) for kind in OWNER]
    if pattern == "<entity_type>/<id>":
        return [(f"{base}/{kind}/{sample.id}", kind, sample) for kind, found in tenants.samples.items()
                for sample in (found if amo_code == AMO else found[:1])]
    if pattern.endswith("<user_id>"):
        users = ((tenants.own_user, tenants.own_id), (min(tenants.other_users), tenants.other_id))
        return [(f"{base}/{pattern.replace('<user_id>', str(user))}", "users", Sample(user, amo, None))
                for user, amo in users]
    assert "<" not in pattern, f"no concrete paths for the route {pattern}"
    return [(f"{base}/{pattern}", None, None)]


def test_role_amo_page_matrix(personas, tenants):
    """Every persona × every routed page (every kind, every sampled record) × own and other AMO."""
    cross_tenant = 0
    for email, client in personas.items():
        role, department = PERSONAS[email]
        for pattern in ROUTES:
            for amo_code in (AMO, tenants.other_code):
                for path, kind, sample in _paths(pattern, amo_code, tenants):
                    status = client.get(path).status_code
                    if amo_code != AMO:
                        expected = 403
                        cross_tenant += 1
                    elif not may_open_page(role, department, pattern):
                        expected = 403
                    elif sample is None:
                        expected = 200
                    elif sample.amo_id != tenants.own_id:
                        expected = 404  # another AMO's id looks like no id at all
                        cross_tenant += 1
                    elif pattern.endswith("<user_id>"):
                        expected = 200  # a user page: the page rule is the whole rule
                    else:
                        expected = 200 if may_read(role, department, kind, sample, tenants.own_id) else 403
                    assert status == expected, (email, path)
    assert cross_tenant >= 196


def _body(dash_app, output: str, values: dict) -> dict:
    spec = dash_app.callback_map[output]

    def dependency(item):
        key = f"{item['id']}.{item['property']}"
        if item["id"].startswith("{"):
            return values.get(key, [])
        return {"id": item["id"], "property": item["property"], "value": values.get(key)}

    inputs = [dependency(item) for item in spec["inputs"]]
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    changed = [f"{i['id']}.{i['property']}" for i in inputs if isinstance(i, dict)]
    for item in inputs:
        if isinstance(item, list):
            changed += [f"{json.dumps(one['id'], sort_keys=True, separators=(',', ':'))}.{one['property']}"
                        for one in item]
    return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0], "inputs": inputs,
            "state": [dependency(item) for item in spec.get("state", [])], "changedPropIds": changed}


def _call(client, dash_app, output: str, values: dict):
    return client.post("/_dash-update-component", json=_body(dash_app, output, values),
                       headers={"X-CSRFToken": csrf_of(client)})


def _forged_values(output: str, amo_code: str, department: str, tenants: Tenants) -> list[dict]:
    """Bodies for one callback: paths of ``amo_code`` and ids of both AMOs, as an attacker would."""
    base = f"/maintenance/{amo_code}"
    other_user = next(iter(tenants.other_users))
    common = {"cockpit-as-of.value": datetime.now(UTC).date().isoformat(), "feed-interval.n_intervals": 1,
              "admin-refresh.data": 1, "admin-apply.n_clicks": 1,
              "admin-users.selectedRows": [{"id": other_user}],
              "admin-action.value": "user.disable", "admin-reason.value": "matrix: another AMO's user",
              "cockpit-report-button.n_clicks": 1, "cockpit-report-half.value": "2025H1",
              "records-export.n_clicks": 1, "console-run.n_clicks": 1,
              "console-sql.value": "SELECT count(*) AS n FROM findings"}
    page = CALLBACK_PAGES[output]
    if page == "<department>":  # the QMS cockpit, and the user's own department page in their AMO
        slugs = {"quality"} if amo_code != AMO else {"quality", DEPARTMENT_SLUGS.get(department, "quality")}
        return [{**common, "url.pathname": f"{base}/{slug}"} for slug in sorted(slugs)]
    if page == "<entity_type>":  # every kind below the own code, three below the other AMO's
        kinds = list(tenants.samples) if amo_code == AMO else ["findings", "aircraft", "task_cards"]
        return [{**common, "url.pathname": f"{base}/{kind}",
                 "url.search": "?ids=" + ",".join(str(s.id) for s in tenants.samples[kind]),
                 "records-grid.cellClicked": {"rowId": str(tenants.samples[kind][-1].id)}}
                for kind in kinds]
    if page == "<entity_type>/<id>":  # one record of the other AMO per kind, and two of the own
        return [{**common, "url.pathname": f"{base}/{kind}/{sample.id}"}
                for kind, found in tenants.samples.items()
                for sample in ([s for s in found if s.amo_id != tenants.own_id][:1]
                               + (_own_pair(found, department, tenants.own_id) if amo_code == AMO else []))]
    if page.endswith("<user_id>"):
        return [{**common, "url.pathname": f"{base}/{page.replace('<user_id>', str(user))}"}
                for user in (tenants.own_user, other_user)]
    return [{**common, "url.pathname": f"{base}/{page}"}]


def _own_pair(found: list[Sample], department: str, own_amo: int) -> list[Sample]:
    """One own-AMO record of the user's department (when there is one) and one of another."""
    own = [s for s in found if s.amo_id == own_amo]
    mine = [s for s in own if s.department == department]
    return (mine[:1] + [s for s in own if s not in mine][:1]) if mine else own[:2]


def _csv_ids(response) -> set[int]:
    data = response.get_json()["response"]["records-download"]["data"]
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(data["content"]))}


def _check_allowed(output: str, response, values: dict, role: str, department: str, tenants: Tenants):
    """What an allowed callback may return: only the user's AMO, only what their scope reads."""
    text = response.get_data(as_text=True)
    assert response.status_code in (200, 204), text[:300]
    assert not any(email in text for email in tenants.other_users.values())
    assert f"/maintenance/{tenants.other_code}/" not in text
    pathname = values.get("url.pathname", "")
    kind = pathname.split("/")[3] if pathname.count("/") >= 3 else None
    if output in (LIST, EXPORT):
        expected = {s.id for s in tenants.samples[kind]
                    if may_read(role, department, kind, s, tenants.own_id)}
        if output == LIST:
            got = {row["id"] for row in response.get_json()["response"]["records-grid"]["rowData"]}
        else:
            got = _csv_ids(response) if response.status_code == 200 else set()
        assert got == expected, (kind, role, department)
    elif output == ENTITY:
        record_id = int(pathname.rsplit("/", 1)[1])
        sample = next(s for s in tenants.samples[kind] if s.id == record_id)
        readable = may_read(role, department, kind, sample, tenants.own_id)
        assert ("There is no such record" not in text) == readable, (kind, record_id, role, department)
    elif output in (COCKPIT, MORE_CHARTS):
        slug = pathname.rsplit("/", 1)[1]
        code = department if DATA_SCOPES[role] != "amo" else SLUG_DEPARTMENTS.get(slug)
        shown = code in cockpits.PANELS and may_open_page(role, department, DEPARTMENT_SLUGS[code])
        drawn = '"kpi-' if output == COCKPIT else '"cockpit-chart"'  # cards; the charts after the first row
        assert (drawn in text) == shown, (output, role, department, slug)
    elif output == ADMIN_APPLY:
        assert '"success"' not in text  # the other AMO's user is not found, nothing is done
    elif output == REPORT and response.status_code == 200:
        data = response.get_json()["response"]["cockpit-report-download"]["data"]
        assert data["filename"].startswith(f"am-half-yearly-{AMO}-")


def test_role_amo_callback_matrix(world, personas, dash_app, tenants):
    """Every persona × every callback × bodies naming the own and the other AMO: refused with 403
    when the policy says so, otherwise only the own AMO's rows within the persona's scope."""
    inactive = ("SELECT count(*) FROM users WHERE amo_id = :a AND NOT is_active")
    with world.engine.connect() as connection:
        inactive_before = connection.execute(sa.text(inactive), {"a": tenants.other_id}).scalar_one()
    cross_tenant = 0
    for email, client in personas.items():
        role, department = PERSONAS[email]
        for output in dash_app.callback_map:
            for amo_code in (AMO, tenants.other_code):
                for values in _forged_values(output, amo_code, department, tenants):
                    response = _call(client, dash_app, output, values)
                    if not may_call(role, output):
                        assert response.status_code == 403, (email, output)
                        continue
                    if "callback" not in dash_app.callback_map[output]:
                        assert response.status_code == 422  # it runs in the browser only
                        continue
                    _check_allowed(output, response, values, role, department, tenants)
                    cross_tenant += 1
    assert cross_tenant >= 196
    with world.engine.connect() as connection:
        assert connection.execute(sa.text(inactive), {"a": tenants.other_id}).scalar_one() == inactive_before


def test_a_qual_member_gets_their_department_not_the_qms_cockpit(personas, dash_app, tenants):
    """A QUAL member lands on their home page (their department's); the QMS cockpit page and
    its callback are refused them like any member of another department; findings are their
    department's only."""
    client = personas["matrix-qual@nam.example"]
    fresh_login = login(client, "matrix-qual@nam.example", environ_base={"REMOTE_ADDR": "10.8.1.1"})
    assert fresh_login.headers["Location"] == f"/maintenance/{AMO}/home"
    assert client.get(f"/maintenance/{AMO}/home").status_code == 200
    assert client.get(f"/maintenance/{AMO}/quality").status_code == 403
    body = _call(client, dash_app, COCKPIT, {"url.pathname": f"/maintenance/{AMO}/quality"})
    assert "No department cockpit here" in body.get_data(as_text=True)
    page = _call(client, dash_app, "page-content.children", {"url.pathname": f"/maintenance/{AMO}/home"})
    assert "Quality department" in page.get_data(as_text=True)
    findings = [s for s in tenants.samples["findings"] if s.amo_id == tenants.own_id]
    assert {s.department for s in findings} > {"QUAL"}
    rows = _call(client, dash_app, LIST, {"url.pathname": f"/maintenance/{AMO}/findings",
                                         "url.search": "?ids=" + ",".join(str(s.id) for s in findings)})
    got = {row["id"] for row in rows.get_json()["response"]["records-grid"]["rowData"]}
    assert got == {s.id for s in findings if s.department == "QUAL"}
