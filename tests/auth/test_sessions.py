"""Sessions end on the server: disable, revoke, password change, idle and absolute timeouts
(checklist C23–C25)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from auth_test_support import call, login, make_user, sql_count, step_poll_sessions

from auth.command_center import Actor, perform
from auth.reset_tokens import complete_reset, issue_token
from auth.web_sessions import POLL_SESSION_SECONDS
from warehouse.events import SYSTEM

PAGE = "/maintenance/AMO1/production"
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."


def _signed_in_clients(app, username: str, count: int) -> list:
    clients = []
    for n in range(count):
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"10.1.{n // 200}.{n % 200 + 1}"}
        assert login(client, username, environ_base=environ).status_code == 303
        clients.append(client)
    return clients


def _still_working(clients) -> int:
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda client: client.get(PAGE).status_code, clients))
    return sum(status == 200 for status in statuses)


def _end_by_password_reset(engine, user_id):
    with engine.begin() as connection:
        token = issue_token(connection, user_id, requested_by=None, ip=None, base_url="https://a.example")
    complete_reset(engine, token, "another good passphrase", SYSTEM, profile="owasp-minimum")


ENDINGS = {
    "disable": lambda engine, user_id, actor: perform(engine, actor, "user.disable", user_id,
                                                      "left the company"),
    "revoke": lambda engine, user_id, actor: perform(engine, actor, "user.revoke_sessions", user_id,
                                                     "lost laptop"),
    "password_change": lambda engine, user_id, actor: _end_by_password_reset(engine, user_id),
    "admin_reset": lambda engine, user_id, actor: perform(engine, actor, "user.reset_password", user_id,
                                                          "suspected phishing"),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_disable_user_ends_all_concurrent_sessions(app, pg_engine, ending):
    """C23/C24: after the change commits, 0 of 50 concurrent sessions of the user still work."""
    user_id = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    make_user(pg_engine, "bob@amo1.example", "member", "PROD")
    bystander = _signed_in_clients(app, "bob@amo1.example", 1)
    clients = _signed_in_clients(app, "alice@amo1.example", 50)
    assert _still_working(clients) == 50
    ENDINGS[ending](pg_engine, user_id, Actor.system("https://amoscope.example"))
    assert _still_working(clients) == 0
    assert _still_working(bystander) == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions WHERE user_id = :u AND ended_at IS NULL",
                     u=user_id) == 0


def test_idle_timeout_is_not_reset_by_interval_polling(app, pg_engine):
    """C25: dcc.Interval ticks are not activity; a session idle for over 30 minutes ends."""
    clock = step_poll_sessions(app)
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    poll = {"values": {"url.pathname": PAGE}, "changed": ["feed-interval.n_intervals"]}

    def idle_for(minutes: int) -> None:
        with pg_engine.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE user_sessions SET last_seen_at = now() - interval '{minutes} minutes'")

    idle_for(20)
    assert call(client, app.extensions["dash_app"], FEED, **poll).status_code == 200
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions "
                                "WHERE last_seen_at < now() - interval '19 minutes'") == 1
    idle_for(31)
    clock.advance(POLL_SESSION_SECONDS)  # polls reuse a session check for at most this long
    assert call(client, app.extensions["dash_app"], FEED, **poll).status_code == 401
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions WHERE end_reason = 'IDLE'") == 1


def test_a_revoked_session_stops_polls_within_the_bound(app, pg_engine):
    """A poll may reuse a check of its session for POLL_SESSION_SECONDS (docs/security.md): a
    revoked session's polls end once that has passed, and anything the user does ends at once."""
    clock = step_poll_sessions(app)
    user_id = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    dash_app = app.extensions["dash_app"]
    poll = {"values": {"url.pathname": PAGE}, "changed": ["feed-interval.n_intervals"]}
    clicking, watching = _signed_in_clients(app, "alice@amo1.example", 2)
    for client in (clicking, watching):
        assert call(client, dash_app, FEED, **poll).status_code == 200  # checked, and remembered
    perform(pg_engine, Actor.system("https://a.example"), "user.revoke_sessions", user_id, "lost laptop")

    assert call(clicking, dash_app, FEED, **poll).status_code == 200  # the remembered check
    chips = call(clicking, dash_app, FEED, values={"url.pathname": PAGE}, changed=["feed-chips.value"])
    assert chips.status_code == 401  # a user's action is checked at once
    assert call(clicking, dash_app, FEED, **poll).status_code == 401  # and its polls with it

    clock.advance(POLL_SESSION_SECONDS - 1)
    assert call(watching, dash_app, FEED, **poll).status_code == 200  # still within the bound
    clock.advance(1)
    ended = call(watching, dash_app, FEED, **poll)
    assert ended.status_code == 401
    assert ended.get_json()["signed_out"] == "REVOKED"


def test_user_activity_moves_the_idle_clock(app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE user_sessions SET last_seen_at = now() - interval '29 minutes'")
    assert client.get(PAGE).status_code == 200
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions "
                                "WHERE last_seen_at > now() - interval '1 minute'") == 1


def test_a_burst_of_requests_writes_the_activity_once(app, pg_engine):
    """A page's callbacks in quick succession move the idle clock with one write, not one each."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE user_sessions SET last_seen_at = now() - interval '10 minutes'")
    seen = []
    for _ in range(3):
        assert client.get(PAGE).status_code == 200
        with pg_engine.connect() as connection:
            seen.append(connection.exec_driver_sql("SELECT last_seen_at FROM user_sessions").scalar_one())
    assert seen[0] == seen[1] == seen[2]  # the first request wrote it, the next two found it fresh
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions "
                                "WHERE last_seen_at > now() - interval '1 minute'") == 1


def test_absolute_timeout(app, pg_engine):
    """C25: a session older than 8 hours ends even while in use."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE user_sessions "
                                   "SET created_at = now() - interval '8 hours 1 minute'")
    assert client.get(PAGE).status_code == 302
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions WHERE end_reason = 'ABSOLUTE'") == 1


def test_role_change_rotates_sessions(app, pg_engine):
    """A11: a privilege change ends the sessions that carried the old role."""
    user_id = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "alice@amo1.example")
    perform(pg_engine, Actor.system("https://a.example"), "user.set_role", user_id, "promoted",
            params={"role": "quality"})
    assert client.get(PAGE).status_code == 302
    assert login(app.test_client(), "alice@amo1.example").headers["Location"] == "/maintenance/AMO1/quality"
