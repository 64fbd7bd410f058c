"""Login, logout, landing pages, session fixation and open redirects, through the real app."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from auth_test_support import PASSWORD, csrf_of, login, make_user, sql_count

LANDINGS = [
    ("superuser", None, "/maintenance/AMO1/admin"),
    ("admin", None, "/maintenance/AMO1/admin"),
    ("quality", None, "/maintenance/AMO1/quality"),
    ("auditor", None, "/maintenance/AMO1/console"),
    ("member", "PROD", "/maintenance/AMO1/production"),
    ("member", "STOR", "/maintenance/AMO1/stores"),
    ("member", "WKSP", "/maintenance/AMO1/workshops"),
]


def test_login_form_has_the_interface_fields(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in page


def test_login_redirects_to_the_landing_page(app, pg_engine):
    """Each role lands on its page (the interface other tools rely on); every login is audited."""
    for role, department, landing in LANDINGS:
        username = f"{role}.{department or 'x'}@amo1.example"
        make_user(pg_engine, username, role, department)
        response = login(app.test_client(), username)
        assert response.status_code in (302, 303)
        assert response.headers["Location"] == landing, (role, department)
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOGIN'") == len(LANDINGS)


def test_failed_login_is_401_with_the_form_and_audited(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    response = login(app.test_client(), "alice@amo1.example", "wrong password!")
    assert response.status_code == 401
    assert 'name="password"' in response.get_data(as_text=True)
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOGIN_FAILED'") == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions") == 0


def test_disabled_account_gets_the_same_answer(app, pg_engine):
    make_user(pg_engine, "gone@amo1.example", "member", "PROD")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE users SET is_active = false WHERE username = 'gone@amo1.example'")
    disabled = login(app.test_client(), "gone@amo1.example")
    unknown = login(app.test_client(), "nobody@amo1.example")
    assert disabled.status_code == unknown.status_code == 401
    assert _body(disabled) == _body(unknown)


def _body(response) -> str:
    """The page without its per-request CSRF token."""
    text = response.get_data(as_text=True)
    start = text.index('name="csrf_token" value="')
    return text[:start] + text[text.index('"', start + 25):]


def test_session_fixation_session_changes_on_login(app, pg_engine):
    """A11: a planted pre-login session is not the one the user gets; the id changes every login."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    client.get("/login")
    planted = client.get_cookie("amoscope_session").value
    seen = set()
    for _ in range(5):
        response = login(client, "alice@amo1.example")
        assert response.status_code == 303
        cookie = client.get_cookie("amoscope_session").value
        assert cookie != planted and cookie not in seen
        seen.add(cookie)
    # The planted cookie is still anonymous: it reaches nothing.
    attacker = app.test_client()
    attacker.set_cookie("amoscope_session", planted)
    assert attacker.get("/maintenance/AMO1/production").status_code == 302
    assert sql_count(pg_engine, "SELECT count(DISTINCT session_key_hash) FROM user_sessions") == 5


OPEN_REDIRECT_PAYLOADS = [
    "https://evil.com", "//evil.com", "////evil.com", "/\\evil.com", "\\/evil.com", "/%5cevil.com",
    "%2F%2Fevil.com", "https:evil.com", "http://app@evil.com", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "／／evil.com", "/..%2F%5cevil.com", "java\tscript:alert(1)",
    "ht\ntp://evil.com", "htt\rp://evil.com", "/%2F%2Fevil.com", "/%252F%252Fevil.com", " //evil.com",
]


def test_open_redirect_payloads(app, pg_engine):
    """A12: 0 of N payloads leave the origin; a local path is honoured."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    for payload in OPEN_REDIRECT_PAYLOADS:
        response = login(client, "alice@amo1.example", data={"next": payload})
        assert response.status_code == 303, payload
        assert response.headers["Location"] == "/maintenance/AMO1/production", payload
    response = login(client, "alice@amo1.example", data={"next": "/maintenance/AMO1/production?x=1"})
    assert response.headers["Location"] == "/maintenance/AMO1/production?x=1"
    for payload in OPEN_REDIRECT_PAYLOADS:  # the same payloads through the encoded login link
        client = app.test_client()
        page = client.get(f"/login?next={quote(payload, safe='')}")
        if page.status_code == 400:  # control characters in the address are refused at the edge
            assert re.search(r"[\t\r\n]", payload)
            continue
        form = page.get_data(as_text=True)
        sent = html.unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))
        assert sent == payload
        response = login(client, "alice@amo1.example", data={"next": sent},
                         environ_base={"REMOTE_ADDR": "10.12.0.2"})  # the first loop used up most of its IP
        assert response.status_code == 303, payload
        assert response.headers["Location"] == "/maintenance/AMO1/production", payload


SHARED = "/maintenance/AMO1/cars?ids=3%2C7%2C9&bar=Hangar%20S%C3%BCd%20%23%202&q=a%26b%3Dc"


def test_a_shared_link_survives_login(app, pg_engine):
    """The guard encodes the whole path and query into ``next``; after login the browser is sent
    back to exactly that path and query (``&``, ``%2C``, ``#`` and non-ASCII included)."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    redirect = client.get(SHARED)
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == f"/login?next={quote(SHARED, safe='')}"
    form = client.get(redirect.headers["Location"]).get_data(as_text=True)
    sent = html.unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))
    response = login(client, "alice@amo1.example", data={"next": sent})
    assert response.status_code == 303 and response.headers["Location"] == SHARED
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"ids": ["3,7,9"], "bar": ["Hangar Süd # 2"], "q": ["a&b=c"]}
    assert client.get(f"/login?next={quote(SHARED, safe='')}").headers["Location"] == SHARED  # signed in


def test_logout_ends_the_session_on_the_server(app, pg_engine):
    """C22: a copy of the cookie taken before logout is refused afterwards."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    copied = client.get_cookie("amoscope_session").value
    assert client.get("/maintenance/AMO1/production").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    thief = app.test_client()
    thief.set_cookie("amoscope_session", copied)
    assert thief.get("/maintenance/AMO1/production").status_code == 302
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions WHERE end_reason = 'LOGOUT'") == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOGOUT'") == 1


def test_login_with_an_old_cost_hash_rehashes(app, pg_engine):
    """A9: a hash made with other argon2 costs is replaced at the next successful login."""
    from auth.passwords import hash_password
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    old = hash_password(PASSWORD, "rfc9106")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE users SET password_hash = %s", (old,))
    assert login(app.test_client(), "alice@amo1.example").status_code == 303
    with pg_engine.connect() as connection:
        new = connection.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    assert new != old and new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.slow
def test_session_fixation_over_1000_logins(app, pg_engine):
    """A11 at full size: the session changes in 1000 of 1000 logins."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    seen = set()
    for n in range(1000):
        previous = client.get_cookie("amoscope_session")
        ip = f"10.3.{n // 25}.{n % 25}"  # stay under the per-IP limit
        response = login(client, "alice@amo1.example", environ_base={"REMOTE_ADDR": ip})
        assert response.status_code == 303
        cookie = client.get_cookie("amoscope_session").value
        assert previous is None or cookie != previous.value
        seen.add(cookie)
    assert len(seen) == 1000
