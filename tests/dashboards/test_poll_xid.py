"""A live-feed poll consumes no PostgreSQL transaction id and writes nothing (checked in every
transaction the app ends while it answers polls, on its own engine)."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from auth_test_support import call, login, make_user

from warehouse.events import record_activity

PRODUCTION = "/maintenance/AMO1/production"
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
POLL = ["feed-interval.n_intervals"]


@pytest.fixture
def assigned_xids(pg_engine):
    """Transaction ids assigned to any transaction of ``pg_engine`` as it ends (commit, rollback
    or the pool's reset), read with ``pg_current_xact_id_if_assigned()``, which assigns none."""
    seen: list[int] = []

    def check(dbapi_connection) -> None:
        if dbapi_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            return  # no transaction open, so none holds an id
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
            value = cursor.fetchone()[0]
        if value is not None:
            seen.append(int(value))

    listeners = [(pg_engine, "commit", lambda conn: check(conn.connection.dbapi_connection)),
                 (pg_engine, "rollback", lambda conn: check(conn.connection.dbapi_connection)),
                 (pg_engine.pool, "reset", lambda dbapi_connection, *_: check(dbapi_connection))]
    for target, name, listener in listeners:
        sa.event.listen(target, name, listener)
    yield seen
    for target, name, listener in listeners:
        sa.event.remove(target, name, listener)


def test_a_poll_takes_no_transaction_id(app, dash_app, pg_engine, amo_id, assigned_xids):
    make_user(pg_engine, "prod@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "prod@amo1.example")
    with pg_engine.begin() as connection:
        department = connection.execute(
            sa.text("SELECT id FROM departments WHERE code = 'PROD'")).scalar_one()
        record_activity(connection, amo_id=amo_id, department_id=department, kind="WO_OPENED",
                        summary="WO-1 opened")
    first = call(client, dash_app, FEED, changed=POLL, values={"url.pathname": PRODUCTION})
    cursor = first.get_json()["response"]["feed-cursor"]["data"]

    # The check can fail: reading the current transaction id assigns one, and the hook sees it.
    assigned_xids.clear()
    with pg_engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_current_xact_id()"))
    assert len(assigned_xids) == 1

    assigned_xids.clear()
    for _ in range(5):
        poll = call(client, dash_app, FEED, changed=POLL,
                    values={"url.pathname": PRODUCTION, "feed-cursor.data": cursor})
        assert poll.status_code == 204  # nothing new
        inbox = call(client, dash_app, "..inbox-list.children...inbox-state.data..", changed=POLL)
        assert inbox.status_code in (200, 204)
    stale = call(client, dash_app, FEED, changed=POLL,  # a cursor from the future is reset
                 values={"url.pathname": PRODUCTION, "feed-cursor.data": {"txid": 2**40, "id": 1}})
    assert "WO-1 opened" in stale.get_data(as_text=True)
    assert assigned_xids == []
