"""The deny-by-default guard: the role × page × callback matrix, coverage of the policy table,
hidden-callback invocation, department IDOR, route coverage, disabled Dash features
(checklist D28–D30, D37, D38)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from auth_test_support import call, call_until, callback_body, csrf_of, login, make_amo, make_user, sql_count

from auth.policy import CALLBACKS, PAGES, may_call, may_open_page
from dashboards.routes import ROUTES
from warehouse.events import record_activity

PEOPLE = {  # username → (role, department)
    "root@amo1.example": ("superuser", None),
    "boss@amo1.example": ("admin", None),
    "qa@amo1.example": ("quality", None),
    "audit@amo1.example": ("auditor", None),
    "prod@amo1.example": ("member", "PROD"),
    "stores@amo1.example": ("member", "STOR"),
}
DEPARTMENT_OF = {"superuser": "ADMIN", "admin": "ADMIN", "quality": "QUAL", "auditor": "QUAL"}


@pytest.fixture
def clients(app, pg_engine):
    result = {}
    for n, (username, (role, department)) in enumerate(PEOPLE.items()):
        make_user(pg_engine, username, role, department)
        client = app.test_client()
        assert login(client, username, environ_base={"REMOTE_ADDR": f"10.2.0.{n + 1}"}).status_code == 303
        result[username] = client
    return result


def _department(username: str) -> str:
    role, department = PEOPLE[username]
    return department or DEPARTMENT_OF[role]


def test_every_callback_and_page_has_a_policy_entry(dash_app):
    """D29: a callback or routed page without a policy row fails this test."""
    # Callbacks that run in the browser only (clientside) are never dispatched: the guard refuses them.
    served = {output for output, spec in dash_app.callback_map.items() if "callback" in spec}
    assert served <= set(CALLBACKS), served - set(CALLBACKS)
    assert set(ROUTES) <= set(PAGES), set(ROUTES) - set(PAGES)


FIXED_ROUTES = [pattern for pattern in ROUTES if "<" not in pattern]


def test_role_page_matrix(app, clients, pg_engine):
    """Forbidden → 403 (audited), drawn inside the shell; allowed → the page; other AMO → 403."""
    denied = 0
    for username, client in clients.items():
        role = PEOPLE[username][0]
        for slug in [*FIXED_ROUTES, "nonsense"]:
            response = client.get(f"/maintenance/AMO1/{slug}")
            assert "_dash-config" in response.get_data(as_text=True)  # the shell, whatever the answer
            if slug not in ROUTES:
                assert response.status_code == 404
            elif may_open_page(role, _department(username), slug):
                assert response.status_code == 200, (username, slug)
            else:
                assert response.status_code == 403, (username, slug)
                denied += 1
        assert client.get("/maintenance/AMO2/production").status_code == 403
        denied += 1
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'") == denied
    anonymous = app.test_client()
    for slug in FIXED_ROUTES:
        response = anonymous.get(f"/maintenance/AMO1/{slug}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={quote(f'/maintenance/AMO1/{slug}', safe='')}"


def test_hidden_page_callback_invocation(app, dash_app, clients, pg_engine):
    """D28: every callback a role may not call → 403, no side effect, one audit row each;
    every callback it may call works."""
    target = sql_count(pg_engine, "SELECT id FROM users WHERE username = 'stores@amo1.example'")
    values = {"url.pathname": "/maintenance/AMO1/production", "admin-users.selectedRows": [{"id": target}],
              "admin-action.value": "user.disable", "admin-reason.value": "hostile takeover",
              "admin-apply.n_clicks": 1}
    for username, client in clients.items():
        role = PEOPLE[username][0]
        before = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'")
        forbidden = 0
        for output, spec in dash_app.callback_map.items():
            if "callback" not in spec:
                continue  # runs in the browser only
            if output.startswith("..admin-result") and may_call(role, output):
                continue  # the allowed apply is exercised in test_pages
            response = call(client, dash_app, output, values=values)
            if may_call(role, output):
                assert response.status_code in (200, 204), (username, output)
            else:
                assert response.status_code == 403, (username, output)
                assert "hostile" not in response.get_data(as_text=True)
                forbidden += 1
        after = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'")
        assert after - before == forbidden
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0


def test_unknown_or_garbled_callback_ids_are_refused(clients, dash_app):
    client = clients["boss@amo1.example"]
    for output in ("nope.children", "", "..admin-users.rowData...nope.x..", "admin-users.rowData "):
        body = callback_body(dash_app, "admin-users.rowData")
        body["output"] = output
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(client)})
        assert response.status_code == 403
    response = client.post("/_dash-update-component", json=["not", "a", "dict"],
                           headers={"X-CSRFToken": csrf_of(client)})
    assert response.status_code == 403


def test_department_idor_through_callback_inputs(clients, dash_app, pg_engine, amo_id):
    """D30: a member who asks for another department's feed still gets only their own."""
    with pg_engine.begin() as connection:
        for code, summary in (("PROD", "Work order WO-1 closed"), ("STOR", "Part P-9 issued from bond")):
            department_id = connection.exec_driver_sql(
                "SELECT id FROM departments WHERE code = %s", (code,)).scalar_one()
            record_activity(connection, amo_id=amo_id, kind="test.event", summary=summary,
                            department_id=department_id)
    feed = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
    member = clients["prod@amo1.example"]
    response = call_until(member, dash_app, feed, "WO-1",
                          values={"url.pathname": "/maintenance/AMO1/stores", "feed-chips.value": []})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "WO-1" in text and "P-9" not in text
    admin = clients["boss@amo1.example"]  # an admin follows the whole AMO
    text = call_until(admin, dash_app, feed, "P-9", values={"url.pathname": "/maintenance/AMO1/stores",
                                                            "feed-chips.value": []}).get_data(as_text=True)
    assert "P-9" in text and "WO-1" in text


def test_router_refuses_pages_the_role_may_not_open(clients, dash_app):
    """The client-side router checks the policy too (a URL change without a page load)."""
    member = clients["prod@amo1.example"]
    text = call(member, dash_app, "page-content.children",
                values={"url.pathname": "/maintenance/AMO1/admin"}).get_data(as_text=True)
    assert "You do not have access" in text and "admin-users" not in text


def test_other_amo_data_is_invisible(app, dash_app, pg_engine, clients):
    make_amo(pg_engine, "AMO2")
    make_user(pg_engine, "eve@amo2.example", "member", "PROD", amo="AMO2")
    text = call(clients["boss@amo1.example"], dash_app, "admin-users.rowData").get_data(as_text=True)
    assert "prod@amo1.example" in text and "eve@amo2.example" not in text


def test_route_coverage(app):
    """D37: without a session every route is a redirect to login or 401, but the allowlist."""
    allowlist = {"/login", "/forgot", "/reset/<token>", "/healthz", "/static/<path:filename>",
                 "/assets/<path:filename>", "/_favicon.ico",
                 "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"}
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.rule in allowlist:
            continue
        path = rule.rule.replace("<path:path>", "maintenance/AMO1/admin")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers={"X-CSRFToken": "x"})
            assert response.status_code in (302, 401, 403, 404), (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login")
    health = client.get("/healthz")
    assert health.get_data(as_text=True) == "ok"


def test_dash_features_that_must_stay_off(app, dash_app, clients):
    """D38: no MCP endpoint, no dev tools, no reload hash, no websocket callbacks."""
    client = clients["root@amo1.example"]
    for path in ("/_mcp", "/_reload-hash", "/_alive_x"):
        assert client.get(path).status_code == 404
    assert dash_app._enable_mcp is False
    assert not dash_app._dev_tools.ui and not dash_app._dev_tools.hot_reload
    assert not app.debug
