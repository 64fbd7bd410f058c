"""Connections to the operational database: the one place engines are made.

SQLite (the embedded demo) gets WAL, foreign keys and a busy timeout so the simulator, the ETL
and the dashboards can share one file; PostgreSQL gets a bounded pool without pre-ping: a ping
on every checkout is a round trip on every request (a live-feed poll would pay it on each
tick). A connection the server dropped instead fails the one statement that meets it; SQLAlchemy
sees the disconnect and invalidates the pool's older connections, so the next checkout opens a
new one (the web app answers that one request 503, :mod:`auth.web`; the ETL's follow loop and
the simulator retry on their next round).

:func:`autocommit` gives the same pool without transactions, for reads that need none.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

# The commit horizon on PostgreSQL: every transaction id below it has finished, so rows with a
# smaller ``txid`` can be read without missing a late commit (DESIGN.md "Extraction cursor").
# It is the smallest id still in progress in this statement's snapshot, ignoring transactions
# of other databases of the cluster (they never write here), or the snapshot's xmax.
HORIZON_SQL = """(
  SELECT coalesce(min(xip.xid), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
  FROM (SELECT x::text::bigint AS xid FROM pg_snapshot_xip(pg_current_snapshot()) AS x) AS xip
  WHERE xip.xid % 4294967296 NOT IN (
    SELECT l.transactionid::text::bigint FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
      AND a.datname IS DISTINCT FROM current_database()))"""


class DatabaseError(RuntimeError):
    """The operational database cannot be reached or used; the message says what to do."""


def create_engine(database_url: str, *, pool_size: int = 5) -> Engine:
    """An engine for ``database_url`` with the options AMOscope relies on on each dialect."""
    try:
        url = make_url(database_url)
    except sa.exc.ArgumentError:
        raise DatabaseError(
            f"AMOSCOPE_DATABASE_URL={database_url!r} is not a database URL; "
            "use postgresql+psycopg://user@host:5432/dbname or sqlite:///path/to/file.db"
        ) from None
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _configure_sqlite)
        return engine
    if url.get_backend_name() != "postgresql":
        raise DatabaseError(
            f"AMOSCOPE_DATABASE_URL uses {url.get_backend_name()!r}; AMOscope supports postgresql and sqlite"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, pool_recycle=1800
    )


def autocommit(engine: Engine) -> Engine:
    """``engine`` (same pool) running each statement on its own, with no BEGIN and no ROLLBACK.

    For reads of one statement, or whose statements need not see one snapshot: a connection of
    the pool is switched on checkout (a client-side setting of the driver, no round trip) and
    switched back on return. Such reads take no transaction id, as any plain read.
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_reachable(engine: Engine) -> None:
    """Raise :class:`DatabaseError` naming the setting when the database does not answer."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseError(
            f"cannot reach the database of AMOSCOPE_DATABASE_URL "
            f"({engine.url.render_as_string(hide_password=True)}): {reason}. "
            "Check that the server runs and the URL is right."
        ) from None


def is_postgres(engine_or_connection) -> bool:
    return engine_or_connection.dialect.name == "postgresql"
