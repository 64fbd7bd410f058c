"""What a live-feed poll with nothing new costs PostgreSQL, counted through the real app on its
real engine: statements (SQLAlchemy's cursor events) and round trips (libpq's protocol trace of
every pooled connection: one ``ReadyForQuery`` ends each), so a ping, a BEGIN or a ROLLBACK
counts too. And a connection the server dropped fails one request (503), not the pool.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import typing

import psycopg
import pytest
import sqlalchemy as sa
from auth_test_support import FEED, FEED_PAGE, FEED_POLL, call, member_with_one_feed_event, step_poll_sessions

from auth.web_sessions import POLL_SESSION_SECONDS

INBOX = "..inbox-list.children...inbox-state.data.."


class Wire:
    """Statements and round trips of an engine, counted while :meth:`watch` is open."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.connections, self.statements = engine, [], []
        self.traces: list[tuple[psycopg.Connection, typing.IO[bytes]]] | None = None  # None: not watching
        self.files = contextlib.ExitStack()
        engine.dispose()  # from now on every connection of the pool is one we saw open
        sa.event.listen(engine.pool, "connect", self._connected)
        sa.event.listen(engine, "before_cursor_execute", self._executing)

    def close(self) -> None:
        sa.event.remove(self.engine.pool, "connect", self._connected)
        sa.event.remove(self.engine, "before_cursor_execute", self._executing)

    def _connected(self, dbapi_connection, _record) -> None:
        self.connections.append(dbapi_connection)
        if self.traces is not None:  # opened while watching
            self._trace(dbapi_connection)

    def _executing(self, _connection, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def _trace(self, dbapi_connection: psycopg.Connection) -> None:
        trace = self.files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by watch()
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        self.traces.append((dbapi_connection, trace))

    @contextlib.contextmanager
    def watch(self):
        """Yield a list that holds, once the block ends, every message the app sent the server."""
        sent: list[str] = []
        self.statements.clear()
        self.traces = []
        with self.files:
            for dbapi_connection in self.connections:
                if not dbapi_connection.closed:
                    self._trace(dbapi_connection)
            try:
                yield sent
            finally:
                for dbapi_connection, trace in self.traces:
                    dbapi_connection.pgconn.untrace()  # flushes the trace
                    trace.seek(0)
                    sent.extend(trace.read().decode().splitlines())
                self.traces = None


def round_trips(sent: list[str]) -> int:
    """Each exchange with the server ends with its ReadyForQuery."""
    return sum("\tReadyForQuery\t" in line for line in sent)


def queries(sent: list[str]) -> list[str]:
    """What the app asked: simple queries (BEGIN, ROLLBACK, a ping) and parsed or bound statements."""
    return [line.split("\t", 3)[3] for line in sent
            if line.startswith("F") and line.split("\t")[2] in ("Query", "Parse", "Bind")]


@pytest.fixture
def wire(pg_engine):
    counter = Wire(pg_engine)
    yield counter
    counter.close()


@pytest.fixture
def polling(app, dash_app, pg_engine, amo_id):
    """A signed-in member with a feed cursor at the newest event; the poll's session clock."""
    clock = step_poll_sessions(app)
    client, cursor = member_with_one_feed_event(app, dash_app, pg_engine, amo_id)
    shown = {"feed-cursor.data": cursor, "inbox-state.data": None}

    def poll(output: str = FEED):
        """One tick's callback with what the browser holds; a 200 updates it (a 204: no news)."""
        response = call(client, dash_app, output, changed=FEED_POLL,
                        values={"url.pathname": FEED_PAGE, **shown})
        if response.status_code == 200:
            for component, update in response.get_json()["response"].items():
                shown.update({f"{component}.{prop}": value for prop, value in update.items()
                              if f"{component}.{prop}" in shown})
        return response

    assert poll(INBOX).status_code == 200  # the inbox's first answer: what it shows
    return poll, clock


def test_a_no_news_poll_is_one_statement_and_one_round_trip(wire, polling):
    poll, clock = polling
    for _ in range(8):  # past psycopg's prepare threshold: the statements are prepared by now
        assert poll().status_code == 204
        assert poll(INBOX).status_code == 204

    for output in (FEED, INBOX):
        with wire.watch() as sent:
            assert poll(output).status_code == 204  # nothing new
        assert len(wire.statements) == 1, wire.statements
        assert round_trips(sent) == 1, sent
        assert not any(query.startswith(('"BEGIN', '"ROLLBACK', '"COMMIT', '"select 1"'))
                       for query in queries(sent)), sent

    clock.advance(POLL_SESSION_SECONDS)  # the remembered session check is too old now
    with wire.watch() as sent:
        assert poll().status_code == 204
    assert len(wire.statements) == 2, wire.statements  # the session check, then the feed
    assert round_trips(sent) == 2, sent


def _terminate_backends(pg_url: str) -> None:
    """End every other backend of the app's database, as a restart or failover would, and wait
    until they are gone."""
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with admin.connect() as connection:
        ended = connection.execute(sa.text(f"SELECT count(pg_terminate_backend(pid)) {others}")).scalar_one()
        while connection.execute(sa.text(f"SELECT count(*) {others}")).scalar_one():
            time.sleep(0.05)
    admin.dispose()
    assert ended >= 1


def test_a_dropped_connection_fails_one_poll_and_the_pool_recovers(polling, pg_url):
    poll, _clock = polling
    assert poll().status_code == 204
    _terminate_backends(pg_url)
    failed = poll()
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"
    assert "try again" in failed.get_json()["error"]
    assert [poll().status_code for _ in range(3)] == [204] * 3
    assert poll(INBOX).status_code == 204
