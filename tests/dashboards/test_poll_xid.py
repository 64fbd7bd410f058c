"""A live-feed poll consumes no PostgreSQL transaction id and writes nothing (checked in every
transaction the app ends while it answers polls, on its own engine)."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from auth_test_support import FEED, FEED_PAGE, FEED_POLL, call, member_with_one_feed_event


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
    client, cursor = member_with_one_feed_event(app, dash_app, pg_engine, amo_id)

    # The check can fail: reading the current transaction id assigns one, and the hook sees it.
    assigned_xids.clear()
    with pg_engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_current_xact_id()"))
    assert len(assigned_xids) == 1

    assigned_xids.clear()
    for _ in range(5):
        poll = call(client, dash_app, FEED, changed=FEED_POLL,
                    values={"url.pathname": FEED_PAGE, "feed-cursor.data": cursor})
        assert poll.status_code == 204  # nothing new
        inbox = call(client, dash_app, "..inbox-list.children...inbox-state.data..", changed=FEED_POLL)
        assert inbox.status_code in (200, 204)
    stale = call(client, dash_app, FEED, changed=FEED_POLL,  # a cursor from the future is reset
                 values={"url.pathname": FEED_PAGE, "feed-cursor.data": {"txid": 2**40, "id": 1}})
    assert "WO-1 opened" in stale.get_data(as_text=True)
    assert assigned_xids == []
