"""Tenant scope over the seeded two-AMO world: AMO A's sessions find zero rows of AMO B in every
archived table (child tables through their parents), through the console (library and page
callback), the CLI, lists, records, history, replay, KPIs and exports; an explicit unscoped
superuser session finds AMO B's rows, so each check can fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from auth_test_support import call, chromium, log_in_page, login, make_app, make_user, served, watch_problems  # noqa: F401
from click.testing import CliRunner
from playwright.sync_api import expect

from amoscope.cli import main
from dashboards import records
from tests.dashboards.seeded_support import AMO, result_rows, result_token, seeded_world
from warehouse import Warehouse
from warehouse.archive import ARCHIVED_TABLES, archived_tables
from warehouse.errors import WarehouseError
from warehouse.events import RequestContext
from warehouse.evidence import write_pack
from warehouse.kpi import DEPARTMENTS
from warehouse.reports import half_yearly_summary
from warehouse.schema import metadata
from warehouse.scope import LINKS, rule_of

AUDITOR = RequestContext(actor_user_id=None, actor_role="auditor", auth_method="SESSION")
SUPERUSER = RequestContext(actor_user_id=None, actor_role="superuser", auth_method="SESSION")
USERS = {"audit@nam.example": "auditor", "qa@nam.example": "quality", "boss@nam.example": "admin",
         "root@nam.example": "superuser"}

# The tenant model stated again, independently of warehouse/scope.py, as SQL over every AMO's
# rows: which rows of each table are AMO {a}'s. The console's scoped counts must equal these.
_AIRCRAFT = "(SELECT id FROM aircraft WHERE amo_id = {a})"
_COMPONENTS = (f"(SELECT id FROM components WHERE installed_aircraft_id IN {_AIRCRAFT} "
               "OR id IN (SELECT component_id FROM work_orders WHERE amo_id = {a}) "
               "OR id IN (SELECT component_id FROM stock_items WHERE amo_id = {a}) "
               f"OR id IN (SELECT component_id FROM component_removals WHERE aircraft_id IN {_AIRCRAFT}) "
               "OR id IN (SELECT replaced_by_component_id FROM component_removals "
               f"WHERE aircraft_id IN {_AIRCRAFT}))")
_COMPLIANCE = f"(aircraft_id IN {_AIRCRAFT} OR component_id IN {_COMPONENTS})"
OWN_ROWS = {
    "amos": "id = {a}",
    "part_movements": "stock_item_id IN (SELECT id FROM stock_items WHERE amo_id = {a})",
    "tool_usage": "tool_id IN (SELECT id FROM tools WHERE amo_id = {a})",
    "tool_calibrations": "tool_id IN (SELECT id FROM tools WHERE amo_id = {a})",
    "aircraft_utilisation": "aircraft_id IN (SELECT id FROM aircraft WHERE amo_id = {a})",
    "operational_interruptions": "aircraft_id IN (SELECT id FROM aircraft WHERE amo_id = {a})",
    "defects": "aircraft_id IN (SELECT id FROM aircraft WHERE amo_id = {a})",
    "component_removals": "aircraft_id IN (SELECT id FROM aircraft WHERE amo_id = {a})",
    "staff_authorisations": "user_id IN (SELECT id FROM users WHERE amo_id = {a})",
    "training_records": "user_id IN (SELECT id FROM users WHERE amo_id = {a})",
    "task_cards": "work_order_id IN (SELECT id FROM work_orders WHERE amo_id = {a})",
    "car_attachments": "car_id IN (SELECT id FROM cars WHERE amo_id = {a})",
    "components": f"id IN {_COMPONENTS}",
    "directive_compliance": _COMPLIANCE,
    "directives": f"id IN (SELECT directive_id FROM directive_compliance WHERE {_COMPLIANCE})",
}
SHARED = {"directives"}  # both AMOs' fleets have types in common: the same directive rows apply


def own_rows(table: str, amo_id: int) -> str:
    return OWN_ROWS.get(table, "amo_id = {a}").format(a=amo_id)


@pytest.fixture(scope="module")
def world(pg_template):
    world = seeded_world(pg_template)
    for email, role in USERS.items():
        with world.engine.connect() as connection:
            known = connection.execute(sa.text("SELECT count(*) FROM users WHERE email = :e"),
                                       {"e": email}).scalar()
        if not known:
            make_user(world.engine, email, role, "QUAL" if role != "admin" else "ADMIN", amo=AMO)
    return world


@pytest.fixture(scope="module")
def warehouse(world):
    warehouse = Warehouse.open(world.settings.warehouse, world.engine)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def other_amo(world) -> int:
    with world.engine.connect() as connection:
        return connection.execute(sa.text("SELECT id FROM amos WHERE id <> :a ORDER BY id LIMIT 1"),
                                  {"a": world.amo_id}).scalar_one()


@pytest.fixture(scope="module")
def tables(warehouse) -> list[str]:
    found = archived_tables(warehouse.store)
    assert len(found) >= 25
    return found


@pytest.fixture(scope="module")
def expected(warehouse, tables, world, other_amo) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows of AMO A, rows of AMO B, every row), counted in an unscoped session."""
    counts = {}
    for table in tables:
        sql = (f"SELECT count(*) FILTER (WHERE {own_rows(table, world.amo_id)}) AS a, "
               f"count(*) FILTER (WHERE {own_rows(table, other_amo)}) AS b, count(*) AS n FROM {table}")
        row = warehouse.sql(sql, context=SUPERUSER).table.to_pylist()[0]
        counts[table] = (row["a"], row["b"], row["n"])
    return counts


def test_every_archived_table_has_a_tenant_rule():
    for table in ARCHIVED_TABLES:
        rule = rule_of(table)
        columns = metadata.tables[table].c
        if rule == "links":
            for link in LINKS[table]:
                assert link.column in columns and link.parent_column in metadata.tables[link.parent].c
        assert table in OWN_ROWS or "amo_id" in columns, f"the test's own statement lacks {table}"


def test_the_other_amo_has_rows_to_miss(expected):
    """The world holds AMO B rows in nearly every table, so the zero counts below mean something."""
    missing = [table for table, (_, b, _) in expected.items() if b == 0]
    assert len(missing) <= 3, missing


def test_console_library_scoped_to_amo_a(warehouse, tables, expected, world):
    scoped = warehouse.for_amo(world.amo_id)
    for table in tables:
        own, other, every = expected[table]
        has_amo = "amo_id" in metadata.tables[table].c
        foreign = f"amo_id IS DISTINCT FROM {world.amo_id}" if has_amo else "false"
        sql = f"SELECT count(*) AS n, count(*) FILTER (WHERE {foreign}) AS foreign_rows FROM {table}"
        row = scoped.sql(sql, context=AUDITOR).table.to_pylist()[0]
        assert (row["n"], row["foreign_rows"]) == (own, 0), table
        if table not in SHARED and other:
            assert row["n"] < every, table


@pytest.fixture(scope="module")
def app(world):
    return make_app(world.settings, world.engine)


@pytest.fixture(scope="module")
def page(app):
    clients = {}
    for n, email in enumerate(USERS):
        client = app.test_client()
        assert login(client, email, environ_base={"REMOTE_ADDR": f"10.12.0.{n + 1}"}).status_code == 303
        clients[email] = client
    return app.extensions["dash_app"], clients


def _page_count(page, email: str, sql: str, *, all_amos: bool = False) -> int:
    dash_app, clients = page
    response = call(clients[email], dash_app, "console-result.children",
                    values={"console-run.n_clicks": 1, "console-sql.value": sql,
                            "console-all-amos.value": all_amos})
    assert response.status_code == 200
    return result_rows(clients[email], dash_app, result_token(response))["rowData"][0]["c0"]


@pytest.mark.parametrize("email", ["audit@nam.example", "boss@nam.example"])
def test_console_page_scoped_to_amo_a(page, tables, expected, email):
    """The page callback as NAM's auditor and admin: each table's count is AMO A's exactly; a
    forged "every AMO" tick is refused for them."""
    for table in tables:
        assert _page_count(page, email, f"SELECT count(*) FROM {table}") == expected[table][0], table
    dash_app, clients = page
    forged = call(clients[email], dash_app, "console-result.children",
                  values={"console-run.n_clicks": 1, "console-sql.value": "SELECT count(*) FROM cars",
                          "console-all-amos.value": True}).get_data(as_text=True)
    assert "only a superuser" in forged and "console-token" not in forged


def test_console_result_blocks_are_their_owners_only(page):
    """A result's rows come back a block at a time to its owner; another user's session, a
    forged or malformed token, or a request that is not a block, get nothing."""
    dash_app, clients = page
    auditor, admin = clients["audit@nam.example"], clients["boss@nam.example"]
    response = call(auditor, dash_app, "console-result.children",
                    values={"console-run.n_clicks": 1, "console-sql.value": "SELECT i FROM range(250) t(i)"})
    token = result_token(response)
    block = result_rows(auditor, dash_app, token, 100, 200)
    assert block["rowCount"] == 250 and [row["c0"] for row in block["rowData"]] == list(range(100, 200))
    assert result_rows(admin, dash_app, token) == {"rowData": [], "rowCount": 0}
    for forged in ("x" * 22, "../../etc/passwd", None, 42, token + "A"):
        assert result_rows(auditor, dash_app, forged) == {"rowData": [], "rowCount": 0}
    assert result_rows(auditor, dash_app, token, -5, 10) == {"rowData": [], "rowCount": 0}


def test_console_page_superuser_every_amo(page, tables, expected, world):
    for table in ("audit_events", "cars", "car_attachments", "task_cards", "part_movements", "users"):
        if table in tables:
            every = _page_count(page, "root@nam.example", f"SELECT count(*) FROM {table}", all_amos=True)
            assert every == expected[table][2] > expected[table][0], table
    with world.engine.connect() as connection:
        scope = connection.execute(sa.text(
            "SELECT after ->> 'scope' FROM audit_events WHERE action = 'CONSOLE_QUERY' "
            "AND actor_user_id = (SELECT id FROM users WHERE email = 'root@nam.example') "
            "ORDER BY id DESC LIMIT 1"
        )).scalar_one()
    assert scope == "ALL_AMOS"


def test_cli_scoped_to_amo_a(world, expected):
    env = {"AMOSCOPE_DATABASE_URL": world.settings.database_url, "AMOSCOPE_ARCHIVE_URL": str(world.archive),
           "AMOSCOPE_SECRET_KEY": world.settings.secret_key}
    for table in ("cars", "car_attachments", "task_cards", "components", "users", "audit_events"):
        sql = f"SELECT count(*) AS n FROM {table}"
        scoped = CliRunner().invoke(main, ["archive", "query", sql, "--amo", AMO, "--format", "csv"], env=env)
        assert scoped.exit_code == 0, scoped.output
        assert int(scoped.stdout.splitlines()[1]) == expected[table][0], table
        every = CliRunner().invoke(main, ["archive", "query", sql, "--all-amos", "--format", "csv"], env=env)
        assert int(every.stdout.splitlines()[1]) == expected[table][2], table


@pytest.mark.parametrize("stream", ["activity", "audit"])
def test_replay_and_history_scoped(warehouse, world, other_amo, stream):
    scoped = warehouse.for_amo(world.amo_id)
    page = scoped.replay(stream, limit=500)
    assert len(page.events) == 500 and set(page.events["amo_id"]) == {world.amo_id}
    second = scoped.replay(stream, after=page.next_cursor, limit=500)
    assert set(second.events["amo_id"]) <= {world.amo_id}
    assert set(warehouse.replay(stream, limit=500, amo_id=other_amo).events["amo_id"]) == {other_amo}
    history = scoped.history(stream, limit=200)
    assert set(history.events["amo_id"]) == {world.amo_id}
    assert scoped.history(stream, limit=50, amo_id=other_amo).events.empty  # a forged filter finds nothing
    assert not warehouse.history(stream, limit=50, amo_id=other_amo).events.empty


def _a_record_of(world, table: str, amo_id: int) -> int:
    with world.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT min(id) FROM {table} WHERE amo_id = :a"),
                                  {"a": amo_id}).scalar_one()


def test_timeline_and_records_scoped(warehouse, world, other_amo):
    scoped = warehouse.for_amo(world.amo_id)
    theirs = _a_record_of(world, "cars", other_amo)
    assert len(warehouse.timeline("cars", theirs)) > 0
    assert scoped.timeline("cars", theirs).empty
    ours = _a_record_of(world, "cars", world.amo_id)
    assert len(scoped.timeline("cars", ours)) == len(warehouse.timeline("cars", ours))


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_kpis_scoped_equal_amo_a_figures(warehouse, world, other_amo, department):
    """Every KPI through the scoped warehouse is AMO A's figure; asking it for AMO B is an error."""
    scoped = warehouse.for_amo(world.amo_id)
    mine = scoped.kpi.cockpit_snapshot(department)
    reference = warehouse.kpi.cockpit_snapshot(department, amo_id=world.amo_id)
    assert mine.keys() == reference.keys()
    for name in mine:
        assert mine[name].equals(reference[name]), name
    with pytest.raises(WarehouseError, match="another AMO"):
        scoped.kpi.cockpit_snapshot(department, amo_id=other_amo)


def test_kpis_as_of_scoped_equal_amo_a_figures(warehouse, world):
    """The past, rebuilt from the audit trail, is filtered by the same rules (child tables included)."""
    scoped = warehouse.for_amo(world.amo_id)
    with world.engine.connect() as connection:
        moment = connection.execute(sa.text("SELECT max(occurred_at) FROM audit_events")).scalar_one()
    as_of = moment.date()
    for department in ("ENG", "REL", "WKSP"):
        mine = scoped.kpi.cockpit_snapshot(department, as_of=as_of)
        reference = warehouse.kpi.cockpit_snapshot(department, amo_id=world.amo_id, as_of=as_of)
        for name in mine:
            assert mine[name].equals(reference[name]), (department, name)


def test_exports_scoped(warehouse, world, other_amo, tmp_path):
    scoped = warehouse.for_amo(world.amo_id)
    theirs = _a_record_of(world, "cars", other_amo)
    with pytest.raises(WarehouseError, match="no record"):
        write_pack(scoped, f"cars:{theirs}", tmp_path / "pack.zip", context=AUDITOR)
    assert not (tmp_path / "pack.zip").exists()
    with world.engine.connect() as connection:
        code = connection.execute(sa.text("SELECT code FROM amos WHERE id = :a"),
                                  {"a": other_amo}).scalar_one()
    with pytest.raises(WarehouseError, match="no AMO with the code"):
        half_yearly_summary(scoped, amo_code=code, half="2025H1")


def test_record_lists_scoped(world, other_amo):
    """The lists and exports read records through the warehouse's scope: B's ids give nothing."""
    class Quality:
        amo_id, role, department_code = world.amo_id, "quality", "QUAL"

    with world.engine.connect() as connection:
        for kind in records.KINDS.values():
            table = metadata.tables[kind.table]
            query = sa.select(table.c.id).order_by(table.c.id).limit(400)
            every = [row for (row,) in connection.execute(query)]
            fetched = records.fetch(connection, Quality, kind.table, every)
            allowed = {row for (row,) in connection.execute(sa.text(
                f"SELECT id FROM {kind.table} WHERE {own_rows(kind.table, world.amo_id)}"))}
            assert {record["id"] for record in fetched} <= allowed, kind.table


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize("email", ["audit@nam.example", "root@nam.example"])
def test_console_page_in_chromium(served, chromium, email):  # noqa: F811 - fixtures imported above
    """The page as the auditor (no "every AMO" tick) and the superuser (with it), in a browser."""
    browser_page = chromium.new_page(viewport={"width": 1280, "height": 900})
    problems = watch_problems(browser_page)
    log_in_page(browser_page, served, email)
    browser_page.wait_for_load_state("networkidle")
    browser_page.goto(f"{served}/maintenance/{AMO}/console")
    browser_page.fill("#console-sql", "SELECT car_no, status, due_date FROM cars ORDER BY car_no LIMIT 20")
    browser_page.click("#console-run")
    browser_page.wait_for_selector("#console-status", timeout=60_000)
    assert "20 rows" in browser_page.inner_text("#console-status")
    assert browser_page.is_visible("#console-all-amos") == (email == "root@nam.example")
    rows = "#console-grid .ag-center-cols-container .ag-row"
    cells = browser_page.locator(f"{rows} [col-id=c0]")  # the first block, fetched by the grid
    expect(cells.first).to_have_text(re.compile(f"^{AMO}-"), timeout=30_000)
    assert 10 <= cells.count() <= 20  # the rows in view (the grid draws what is visible)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / f"console-{email.split('@')[0]}.png"), full_page=True)
    assert problems == []
