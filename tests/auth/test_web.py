"""Web hardening: CSRF, cookies, security headers, secret key, error pages (checklist C21, C27,
F48, F50, G54)."""

from __future__ import annotations

import json

import pytest
from auth_test_support import callback_body, csrf_of, login, make_app, make_user

from auth.errors import InsecureConfiguration
from auth.secret_key import resolve_secret_key

INBOX = "..inbox-list.children...inbox-state.data.."
PAGE = "/maintenance/AMO1/production"


@pytest.fixture
def member(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    return client


def test_csrf_on_login_form(app, pg_engine):
    """F48: login POST without, or with a wrong, CSRF token is refused (login CSRF)."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    client.get("/login")
    data = {"username": "alice@amo1.example", "password": "correct horse battery staple"}
    assert client.post("/login", data=data).status_code == 403
    assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 403
    assert app.test_client().post("/login", data={**data, "csrf_token": csrf_of(client)}).status_code == 403


def test_csrf_on_dash_callbacks_and_logout(app, member):
    """F48: missing or wrong X-CSRFToken, cross-site or foreign-origin requests, text/plain → 403."""
    dash_app = app.extensions["dash_app"]
    body = callback_body(dash_app, INBOX)
    token = csrf_of(member)
    assert member.post("/_dash-update-component", json=body).status_code == 403
    assert member.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "x"}).status_code == 403
    cross = {"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"}
    assert member.post("/_dash-update-component", json=body, headers=cross).status_code == 403
    foreign = {"X-CSRFToken": token, "Origin": "https://evil.example"}
    assert member.post("/_dash-update-component", json=body, headers=foreign).status_code == 403
    plain = member.post("/_dash-update-component", data=json.dumps(body), content_type="text/plain",
                        headers={"X-CSRFToken": token})
    assert plain.status_code == 403
    assert member.post("/logout").status_code == 403
    assert member.get(PAGE).status_code == 200  # still signed in: the forged logout did nothing
    ok = member.post("/_dash-update-component", json=body,
                     headers={"X-CSRFToken": token, "Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"})
    assert ok.status_code == 200


def test_state_never_changes_on_get(app, member):
    assert member.get("/logout").status_code in (404, 405)
    assert member.get(PAGE).status_code == 200


def test_cookie_flags(settings, pg_engine, amo_id):
    """C21: HttpOnly + SameSite=Lax session cookie, Secure and __Host- prefix over HTTPS, no Domain."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    app = make_app(settings.replace(base_url="https://amoscope.example"), pg_engine)
    client = app.test_client()
    response = login(client, "alice@amo1.example", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(cookie for cookie in cookies if cookie.startswith("__Host-amoscope="))
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in session_cookie
    assert "Domain" not in session_cookie
    plain = make_app(settings, pg_engine).test_client()
    response = login(plain, "alice@amo1.example")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(cookie for cookie in cookies if cookie.startswith("amoscope_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


WEAK_KEYS = ["", "changeme", "short-key", "a" * 40, "\x02\x01thisismyscretkey\x01\x02\\e\\y\\y\\h"]


def test_weak_secret_key_refuses_to_start(settings, pg_engine):
    """C27: outside the demo the app does not start with a missing, default or weak key."""
    for key in WEAK_KEYS:
        with pytest.raises(InsecureConfiguration, match="AMOSCOPE_SECRET_KEY"):
            make_app(settings.replace(secret_key=key), pg_engine)


def test_demo_runs_without_a_key_but_never_with_a_known_one():
    assert len(resolve_secret_key("", demo=True)) >= 32
    with pytest.raises(InsecureConfiguration):
        resolve_secret_key("changeme", demo=True)


def test_forged_cookie_is_rejected(settings, pg_engine, amo_id):
    """C27: a cookie signed with another key is ignored (anonymous)."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    other = make_app(settings.replace(secret_key="another-secret-key-" + "0123456789abcdef" * 2), pg_engine)
    client = other.test_client()
    login(client, "alice@amo1.example")
    forged = client.get_cookie("amoscope_session").value
    victim = make_app(settings, pg_engine).test_client()
    victim.set_cookie("amoscope_session", forged)
    assert victim.get(PAGE).status_code == 302


def _assert_security_headers(response, *, authenticated: bool):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
    assert headers["Referrer-Policy"]
    if authenticated:
        assert headers["Cache-Control"] == "no-store"


def test_security_headers_on_every_response_kind(app, member):
    """F50: HTML, JSON dispatch, static, 404, 401/403 and redirects all carry the headers."""
    dash_app = app.extensions["dash_app"]
    responses = {
        "page": member.get(PAGE),
        "dispatch": member.post("/_dash-update-component",
                                json=callback_body(dash_app, INBOX),
                                headers={"X-CSRFToken": csrf_of(member)}),
        "layout": member.get("/_dash-layout"),
        "not found": member.get("/no/such/page"),
        "forbidden": member.get("/maintenance/AMO1/admin"),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 200, 404, 403]
    for response in responses.values():
        _assert_security_headers(response, authenticated=True)
    anonymous = app.test_client()
    static = anonymous.get("/assets/bootstrap.min.css")
    suites = [path for path in dash_app._collect_and_register_resources(dash_app.scripts.get_all_scripts())
              if "_dash-component-suites" in path]
    suite = anonymous.get(suites[0])
    for response in (static, suite, anonymous.get("/login"), anonymous.get(PAGE), anonymous.get("/healthz")):
        assert response.status_code in (200, 302)
        _assert_security_headers(response, authenticated=False)


def test_errors_disclose_nothing(app, member, monkeypatch):
    """G54: an exception inside a callback gives a generic message with a reference, no traceback."""
    dash_app = app.extensions["dash_app"]
    feed = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
    body = callback_body(dash_app, feed,
                         values={"url.pathname": PAGE, "feed-cursor.data": {"txid": 0, "id": 0}})
    engine = app.extensions["amoscope_dashboards"].engine
    engine.dispose()
    with engine.begin() as connection:  # a real fault: the table the callback reads is gone
        connection.exec_driver_sql("ALTER TABLE activity_events RENAME TO activity_events_moved")
    response = member.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(member)})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "activity_events" not in text and "SELECT" not in text
    assert response.get_json()["request_id"] == response.headers["X-Request-Id"]
