"""At most N console queries per user at a time, counted in the operational database.

The web app runs several worker processes (and the CLI runs beside them), so a count in one
process's memory lets a user run N queries per process. Each running query holds one row of
``console_slots`` instead: the slot numbers 0..N-1 of a user are a primary key, so a query that
finds every number taken is refused, whichever process it runs in, on PostgreSQL and SQLite
alike (a unique key needs no locking of ours). A row carries a lease: a worker that died
mid-query frees its slot once the lease ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.errors import ConsoleBusy
from warehouse.schema import console_slots


@dataclass(frozen=True)
class Slot:
    user_key: str
    number: int
    holder: str


class ConsoleSlots:
    """The ``limit`` slots of each user in the ``console_slots`` table."""

    def __init__(self, engine: Engine, limit: int, *, lease_seconds: float) -> None:
        self.engine = engine
        self.limit = limit
        self.lease = timedelta(seconds=lease_seconds)

    def acquire(self, user_id: int | None) -> Slot:
        """A free slot of ``user_id`` (None: the command line); :class:`ConsoleBusy` if all are taken."""
        key = "cli" if user_id is None else f"user:{user_id}"
        now = datetime.now(UTC)
        with self.engine.begin() as connection:  # leases of queries whose worker died
            connection.execute(sa.delete(console_slots).where(console_slots.c.user_key == key,
                                                              console_slots.c.expires_at < now))
        holder = str(uuid.uuid4())
        for number in range(self.limit):
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.insert(console_slots).values(
                        user_key=key, slot=number, holder=holder, expires_at=now + self.lease))
            except sa.exc.IntegrityError:
                continue
            return Slot(key, number, holder)
        raise ConsoleBusy(f"you already have {self.limit} console queries running; wait for one to finish")

    def release(self, slot: Slot) -> None:
        """Free ``slot`` (only if this query still holds it)."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(console_slots).where(
                console_slots.c.user_key == slot.user_key, console_slots.c.slot == slot.number,
                console_slots.c.holder == slot.holder))
