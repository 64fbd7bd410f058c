"""One ETL-side writer at a time per operational database (runs, prune, compaction).

PostgreSQL: a session advisory lock (released by the server if the process dies). SQLite: an
exclusive ``flock`` on a file beside the database (released by the kernel if the process dies).
Orphan cleanup relies on it: files are only removed while no other run can be writing them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from etl.errors import LockedError

ADVISORY_LOCK_KEY = int.from_bytes(b"AMOSCETL", "big")


@contextlib.contextmanager
def archive_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold the ETL lock of the database behind ``engine``, or raise :class:`LockedError`."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            acquired = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": ADVISORY_LOCK_KEY}).scalar_one()
            connection.commit()
            if not acquired:
                raise LockedError("another ETL run, prune or compaction is working on this database; "
                                  "wait for it to finish (only one may run at a time)")
            try:
                yield
            finally:
                with contextlib.suppress(sa.exc.DBAPIError):
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                    connection.commit()
        return
    lock_path = Path(f"{engine.url.database}.etl-lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another ETL run, prune or compaction holds {lock_path}; "
                              "wait for it to finish (only one may run at a time)") from None
        yield
    finally:
        os.close(descriptor)
