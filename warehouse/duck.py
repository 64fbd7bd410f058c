"""The DuckDB gate: every DuckDB connection of the warehouse is made here.

DuckDB would otherwise download and load extensions at run time, which a hangar firewall (and
our CI) does not allow, and would scan any Python variable whose name matches a table in a
query. Both are off. A connection costs tens of milliseconds to open, so :class:`DuckGate` keeps
one open and hands each thread its own cursor (DuckDB cursors are not safe to share).
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

# Settings that hold for every connection, sandboxed or not.
BASE_CONFIG: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "python_enable_replacements": False,
}
# Set once connected (not accepted at connect time).
SESSION_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET parquet_metadata_cache = true",  # committed archive files never change
)


def connect(*, threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection with :data:`BASE_CONFIG` and optional resource limits."""
    config = dict(BASE_CONFIG)
    if threads is not None:
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    connection = duckdb.connect(":memory:", config=config)
    for statement in SESSION_SETTINGS:
        connection.execute(statement)
    return connection


class DuckGate:
    """One long-lived in-memory DuckDB and a cursor per thread.

    Example::

        gate = DuckGate()
        gate.cursor().sql("SELECT 42").fetchall()   # [(42,)]
    """

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self._connection = connect(threads=threads, memory_limit=memory_limit)
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the shared database (created on first use, then reused)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = self._connection.cursor()
                self._cursors.append(cursor)
            self._local.cursor = cursor
        return cursor

    def close(self) -> None:
        """Close every cursor and the connection; the gate cannot be used afterwards."""
        with self._lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            self._connection.close()
