"""Bad input is a clear 4xx, never a 500: login, reset and Dash dispatch validate at the edge,
and refusals are counted by the rate limits and audited (checklist A1, G54, G55)."""

from __future__ import annotations

import json

import pytest
from auth_test_support import callback_body, csrf_of, login, make_user, sql_count

from auth import edge

PAGE = "/maintenance/AMO1/production"
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
LIST = "..records-grid.rowData...records-grid.columnDefs...records-title.children.."


def _audits(pg_engine, action: str) -> int:
    return sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = :a", a=action)


def _attempts(pg_engine, path: str) -> int:
    return sql_count(pg_engine, "SELECT count(*) FROM login_attempts WHERE path = :p", p=path)


@pytest.fixture
def member(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    assert login(client, "alice@amo1.example").status_code == 303
    return client


def _post_login(client, **data):
    return client.post("/login", data={"csrf_token": csrf_of(client), "password": "x", **data})


def test_nul_in_the_login_username_is_400_counted_and_audited(app, pg_engine):
    client = app.test_client()
    client.get("/login")
    for username in ("alice\x00@amo1.example", "bob\x07", "x" * 300):
        response = _post_login(client, username=username)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "username" in text and "Traceback" not in text and 'name="password"' in text
    assert _attempts(pg_engine, "login") == 3
    reasons = [row for (row,) in _rows(pg_engine, "SELECT reason FROM audit_events "
                                                  "WHERE action = 'LOGIN_FAILED' ORDER BY id")]
    assert len(reasons) == 3 and all(reason.startswith("refused input") for reason in reasons)
    assert "\x00" not in "".join(reasons) and "alice\ufffd@amo1.example" in reasons[0]


def _rows(pg_engine, query: str):
    with pg_engine.connect() as connection:
        return connection.exec_driver_sql(query).all()


def test_malformed_logins_hit_the_per_ip_limit(app, pg_engine):
    """A1/A2: NUL usernames are attempts like any other, so the 31st a minute gets 429."""
    client = app.test_client()
    client.get("/login")
    statuses = [_post_login(client, username=f"user{n}\x00").status_code for n in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429


def test_an_overlong_password_is_refused_before_hashing(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    client.get("/login")
    response = _post_login(client, username="alice@amo1.example",
                           password="p" * (edge.MAX_PASSWORD_INPUT + 1))
    assert response.status_code == 400 and "password is longer" in response.get_data(as_text=True)
    assert _attempts(pg_engine, "login") == 1


def test_nul_in_the_reset_username_is_400_counted_and_audited(app, pg_engine):
    client = app.test_client()
    client.get("/forgot")
    response = client.post("/forgot", data={"csrf_token": csrf_of(client), "username": "alice\x00"})
    assert response.status_code == 400 and "control characters" in response.get_data(as_text=True)
    assert _attempts(pg_engine, "reset-request") == 1
    assert _audits(pg_engine, "PASSWORD_RESET_REQUEST") == 1


def test_failed_resets_are_counted_per_ip(app, pg_engine):
    client = app.test_client()
    client.get("/login")
    statuses = [client.post(f"/reset/{'t' * n}", data={"csrf_token": csrf_of(client),
                                                        "password": "a long enough password"}).status_code
                for n in range(1, 32)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
    assert _attempts(pg_engine, "reset") == 30


@pytest.mark.parametrize("path", ["/login%00", "/maintenance/AMO1/production%00", "/reset/ab%00cd",
                                  "/login?next=%00", "/login?next=/x%0d%0aSet-Cookie:x=1"])
def test_control_characters_in_the_address_are_400(app, pg_engine, path):
    response = app.test_client().get(path)
    assert response.status_code == 400
    assert _audits(pg_engine, "INPUT_REJECTED") == 1


def test_a_non_ascii_csrf_token_is_a_403_not_a_500(app, member, dash_app):
    client = app.test_client()
    client.get("/login")
    forged = {"username": "a", "password": "b", "csrf_token": "é✓"}
    assert client.post("/login", data=forged).status_code == 403
    body = callback_body(dash_app, "..inbox-list.children...inbox-state.data..")
    assert member.post("/_dash-update-component", json=body,
                       headers={"X-CSRFToken": "\u00e9t\u00e9"}).status_code == 403


@pytest.mark.parametrize("path", ["/_dash-component-suites/dash/x.js", "/_dash-component-suites/nope/x.js",
                                  "/_dash-component-suites/dash/../../etc/passwd",
                                  "/_dash-component-suites/dash/deps/polyfill@7.v1_0m1.js"])
def test_bogus_dash_asset_paths_are_404(app, path):
    assert app.test_client().get(path).status_code == 404


def _dispatch(client, body, **kwargs):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/_dash-update-component", data=data, content_type="application/json",
                       headers={"X-CSRFToken": csrf_of(client)}, **kwargs)


def test_malformed_dispatch_bodies_are_4xx_and_audited(member, dash_app, pg_engine):
    def body(**changes):
        result = callback_body(dash_app, LIST, values={"url.search": "?kind=cars&ids=1"})
        result.update(changes)
        return result

    valid = body()
    cases = {
        "not json": (b"{", 400),
        "5,000 deep": ('{"output": ' + "[" * 5000 + "]" * 5000 + "}", 400),
        "33 deep": (json.dumps({**valid, "x": json.loads("[" * 33 + "]" * 33)}), 422),
        "NUL in a value": (json.dumps(body(inputs=[{**valid["inputs"][0], "value": "?kind=\x00"}])), 422),
        "lone surrogate": ('{"output": "' + LIST + '", "inputs": ["\\ud800"]}', 422),
        "inputs not a list": (json.dumps(body(inputs={"a": 1})), 422),
        "dict where a string belongs": (json.dumps(body(inputs=[{**valid["inputs"][0], "value": {"a": 1}}])),
                                        422),
        "missing inputs": (json.dumps({k: v for k, v in valid.items() if k != "inputs"}), 422),
        "forged input id": (json.dumps(body(inputs=[{**valid["inputs"][0], "id": "admin-users"}])), 422),
        "outputs of another callback": (json.dumps(body(outputs={"id": "x", "property": "y"})), 422),
        "changed id not an input": (json.dumps(body(changedPropIds=["admin-users.rowData"])), 422),
        "5 MB": (json.dumps(body(inputs=[{**valid["inputs"][0], "value": "x" * 5_000_000}])), 413),
    }
    for name, (data, status) in cases.items():
        response = _dispatch(member, data)
        assert response.status_code == status, name
        assert "Traceback" not in response.get_data(as_text=True)
        assert response.get_json()["error"], name
    assert _audits(pg_engine, "INPUT_REJECTED") == len(cases)
    for output, spec in dash_app.callback_map.items():
        if "callback" not in spec:  # runs in the browser: refused, by the policy or as a 422
            assert _dispatch(member, json.dumps(callback_body(dash_app, output))).status_code in (403, 422)
    assert _dispatch(member, valid).status_code == 200


def test_every_callback_property_has_a_value_kind(dash_app):
    """A callback reading a property the dispatch check does not know fails here (and would be
    refused at run time), so its kind is decided when it is added."""
    from dashboards.dispatch import PROPERTY_KINDS
    used = {item["property"] for spec in dash_app.callback_map.values()
            for item in [*spec["inputs"], *spec.get("state", [])]}
    assert used <= set(PROPERTY_KINDS), used - set(PROPERTY_KINDS)
