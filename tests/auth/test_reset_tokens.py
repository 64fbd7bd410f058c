"""Password reset by token (checklist B13–B20), through the real pages."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor

from auth_test_support import PASSWORD, csrf_of, login, make_user, sql_count

TOKEN_IN_LINK = re.compile(r"/reset/([A-Za-z0-9_-]+)")


def _request_reset(client, username: str, **kwargs):
    page = client.get("/forgot", **kwargs).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/forgot", data={"username": username, "csrf_token": token}, **kwargs)


def _token_from_inbox(engine) -> str:
    with engine.connect() as connection:
        body = connection.exec_driver_sql("SELECT body FROM notifications WHERE kind = 'PASSWORD_RESET' "
                                          "ORDER BY id DESC LIMIT 1").scalar_one()
    return TOKEN_IN_LINK.search(body).group(1)


NEW_PASSWORD = "my new passphrase"


def _complete(client, token: str, password: str = NEW_PASSWORD):
    client.get(f"/reset/{token}")
    return client.post(f"/reset/{token}", data={"password": password, "csrf_token": csrf_of(client)})


def test_token_strength_and_storage(app, pg_engine):
    """B13/B18: 256-bit token, stored only as its SHA-256; the link uses the configured base URL."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    _request_reset(app.test_client(), "alice@amo1.example", headers={"Host": "evil.example"})
    token = _token_from_inbox(pg_engine)
    assert len(token) >= 43  # token_urlsafe(32): 256 bits
    with pg_engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM password_reset_tokens").scalar_one()
        body = connection.exec_driver_sql("SELECT body FROM notifications").scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert "evil.example" not in body and "http://127.0.0.1:8050/reset/" in body


def test_forgot_password_does_not_enumerate(app, pg_engine):
    """A6: the same answer whether or not the account exists; at most 3 requests an hour."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    known = _request_reset(app.test_client(), "alice@amo1.example")
    unknown = _request_reset(app.test_client(), "nobody@amo1.example")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    client = app.test_client()
    assert [_request_reset(client, "alice@amo1.example").status_code for _ in range(3)] == [200, 200, 429]


def test_reset_completes_without_login_and_ends_sessions(app, pg_engine):
    """B17: the reset sets the password, does not log in, and ends every session."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    signed_in = app.test_client()
    login(signed_in, "alice@amo1.example")
    client = app.test_client()
    _request_reset(client, "alice@amo1.example")
    response = _complete(client, _token_from_inbox(pg_engine))
    assert response.status_code == 303 and response.headers["Location"] == "/login?reset=done"
    assert client.get("/maintenance/AMO1/production").status_code == 302  # not logged in
    assert signed_in.get("/maintenance/AMO1/production").status_code == 302  # old session ended
    assert login(app.test_client(), "alice@amo1.example", PASSWORD).status_code == 401
    assert login(app.test_client(), "alice@amo1.example", "my new passphrase").status_code == 303
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'PASSWORD_RESET' "
                                "AND outcome = 'SUCCESS' AND after ? 'password_changed_at'") == 1


def test_reset_token_reused_expired_tampered(app, pg_engine):
    """B14/B15: a used, expired or altered token is refused with the same generic message."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    _request_reset(client, "alice@amo1.example")
    token = _token_from_inbox(pg_engine)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _complete(client, tampered).status_code == 400
    assert _complete(client, token).status_code == 303
    reused = _complete(client, token)
    assert reused.status_code == 400 and "invalid or has expired" in reused.get_data(as_text=True)
    _request_reset(client, "alice@amo1.example")
    expired = _token_from_inbox(pg_engine)
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE password_reset_tokens "
                                   "SET expires_at = now() - interval '1 second'")
    assert client.get(f"/reset/{expired}").status_code == 400
    assert _complete(client, expired).status_code == 400


def test_newer_request_invalidates_older_token(app, pg_engine):
    """B16."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    _request_reset(client, "alice@amo1.example")
    first = _token_from_inbox(pg_engine)
    _request_reset(client, "alice@amo1.example")
    assert _complete(client, first).status_code == 400
    assert _complete(client, _token_from_inbox(pg_engine)).status_code == 303


def test_rejected_password_keeps_the_token(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    _request_reset(client, "alice@amo1.example")
    token = _token_from_inbox(pg_engine)
    assert _complete(client, token, "short").status_code == 400
    assert _complete(client, token).status_code == 303


def test_parallel_uses_of_one_token_exactly_one_succeeds(app, pg_engine):
    """B15: 20 parallel submissions of one token: exactly 1 success."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    _request_reset(app.test_client(), "alice@amo1.example")
    token = _token_from_inbox(pg_engine)
    clients = []
    for _ in range(20):
        client = app.test_client()
        client.get(f"/reset/{token}")
        clients.append(client)

    def submit(client):
        return client.post(f"/reset/{token}", data={"password": "parallel passphrase",
                                                    "csrf_token": csrf_of(client)}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(submit, clients))
    assert statuses.count(303) == 1 and statuses.count(400) == 19
    assert sql_count(pg_engine, "SELECT count(*) FROM password_reset_tokens WHERE used_at IS NOT NULL") == 1


def test_reset_page_leaks_no_token(app, pg_engine):
    """B19: no referrer, no caching on the reset page."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    _request_reset(client, "alice@amo1.example")
    response = client.get(f"/reset/{_token_from_inbox(pg_engine)}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
