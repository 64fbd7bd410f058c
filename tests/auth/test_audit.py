"""Audit completeness and log hygiene (checklist G55–G57): every security event is exactly one
audit row with time, actor, target, outcome, source IP and request id; no secret reaches a log."""

from __future__ import annotations

import logging
import re
import uuid

from auth_test_support import PASSWORD, call, csrf_of, login, make_user

APPLY = "..admin-result.children...admin-form-key.data...admin-refresh.data.."


def _rows(engine, action, after_id=0):
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT occurred_at, actor_user_id, entity_id, outcome, ip, request_id, reason "
            "FROM audit_events WHERE action = %s AND id > %s", (action, after_id)).mappings().all()


def _last_id(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_events").scalar_one()


def _reset_token(engine) -> str:
    with engine.connect() as connection:
        body = connection.exec_driver_sql("SELECT body FROM notifications "
                                          "ORDER BY id DESC LIMIT 1").scalar_one()
    return re.search(r"/reset/([A-Za-z0-9_-]+)", body).group(1)


EVENTS = {  # in an order where each step leaves the next one possible
    "LOGIN": lambda app, engine: login(app.test_client(), "alice@amo1.example"),
    "LOGIN_FAILED": lambda app, engine: login(app.test_client(), "alice@amo1.example", "wrong password!"),
    "LOGOUT": lambda app, engine: _logout(app),
    "AUTHZ_DENIED": lambda app, engine: _member(app).get("/maintenance/AMO1/admin"),
    "PASSWORD_RESET_REQUEST": lambda app, engine: _forgot(app),
    "PASSWORD_RESET": lambda app, engine: _reset(app, engine),
    "ADMIN_DISABLE": lambda app, engine: _disable_from_page(app),
}


def _member(app):
    client = app.test_client()
    login(client, "alice@amo1.example")
    return client


def _logout(app):
    client = _member(app)
    client.post("/logout", data={"csrf_token": csrf_of(client)})


def _forgot(app):
    client = app.test_client()
    client.get("/forgot")
    client.post("/forgot", data={"username": "alice@amo1.example", "csrf_token": csrf_of(client)})


def _reset(app, engine):
    _forgot(app)
    client = app.test_client()
    token = _reset_token(engine)
    client.get(f"/reset/{token}")
    client.post(f"/reset/{token}", data={"password": "fresh passphrase 1", "csrf_token": csrf_of(client)})


def _disable_from_page(app):
    client = app.test_client()
    login(client, "boss@amo1.example")
    values = {"admin-apply.n_clicks": 1, "admin-users.selectedRows": [{"id": 2}],
              "admin-reason.value": "left", "admin-action.value": "user.disable",
              "admin-form-key.data": uuid.uuid4().hex}  # the form's idempotency key is the request id
    assert call(client, app.extensions["dash_app"], APPLY, values=values,
                changed=["admin-apply.n_clicks"]).status_code == 200


def test_audit_completeness(app, pg_engine):
    """Each security event writes exactly one audit row with time, actor, target, outcome, IP
    and request id."""
    make_user(pg_engine, "boss@amo1.example", "admin")
    alice = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    assert alice == 2
    for action, cause in EVENTS.items():
        since = _last_id(pg_engine)
        cause(app, pg_engine)
        rows = _rows(pg_engine, action, since)
        assert len(rows) == 1, (action, rows)
        row = rows[0]
        assert row["occurred_at"] is not None and row["outcome"] in {"SUCCESS", "FAILURE", "DENIED"}
        assert row["ip"] == "127.0.0.1" and re.fullmatch(r"[0-9a-f]{32}", row["request_id"] or ""), action
        if action not in {"LOGIN_FAILED", "PASSWORD_RESET_REQUEST"}:
            assert row["actor_user_id"] is not None, action
        if action != "AUTHZ_DENIED":
            assert row["entity_id"] == str(alice), action


def test_no_secrets_in_logs(app, pg_engine, caplog):
    """G56: the password, the reset token and the session cookie never appear in a log line."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    login(client, "alice@amo1.example", PASSWORD)
    login(app.test_client(), "alice@amo1.example", "canary-wrong-password")
    cookie = client.get_cookie("amoscope_session").value
    _reset(app, pg_engine)
    token = _reset_token(pg_engine)
    client.post("/logout")  # refused (no CSRF token): that refusal is logged
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "refused POST /logout" in text
    for secret in (PASSWORD, "canary-wrong-password", "fresh passphrase 1", token, cookie):
        assert secret not in text


def test_log_injection_stays_one_record(app, pg_engine):
    """G57: a user name with CR/LF is stored as data in one audit row, not as a forged line."""
    forged = "bob\r\n2026-01-01 admin login OK"
    login(app.test_client(), forged, "whatever password")
    rows = _rows(pg_engine, "LOGIN_FAILED")
    assert len(rows) == 1 and "\\r\\n" in rows[0]["reason"]
