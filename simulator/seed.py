"""Seeding an empty operational database with the synthetic AMO, in one transaction."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from simulator.history import build_history, scale_named
from simulator.loader import advance_sequences, load_events, load_table
from simulator.views import SessionStream
from simulator.world import GeneratorError, World
from warehouse.schema import activity_events, audit_events, metadata, users

MIN_VIEW_SHARE = 0.1  # even the demo shows people logging in and looking at records


@dataclass(frozen=True)
class SeedReport:
    """What a seed wrote: rows per table, the event totals and how long it took."""

    scale: str
    seed: int
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return self.rows.get("audit_events", 0) + self.rows.get("activity_events", 0)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def database_is_empty(engine: Engine) -> bool:
    """True when the migrated schema holds no rows at all; a GeneratorError if it is not migrated."""
    with engine.connect() as connection:
        present = set(sa.inspect(connection).get_table_names())
        missing = [table.name for table in metadata.sorted_tables if table.name not in present]
        if missing:
            raise GeneratorError(
                f"the database has no table {missing[0]!r}: migrate it first (amoscope db upgrade)"
            )
        for table in metadata.sorted_tables:
            if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return False
    return True


def _rows_present(engine: Engine) -> str:
    with engine.connect() as connection:
        counts = {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (metadata.tables["amos"], users, audit_events)
        }
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def seed_database(
    engine: Engine, *, scale: str = "demo", seed: int = 1, as_of: date | None = None
) -> SeedReport:
    """Fill an empty, migrated database with two AMOs' three years of history ending at ``as_of``
    (at 00:00 UTC that day; default today), so the demo always looks current.

    Same ``scale``, ``seed`` and ``as_of`` give identical rows in every table. Refuses (with a
    GeneratorError, touching nothing) a database that already holds data.
    """
    started = time.perf_counter()
    plan = scale_named(scale)
    as_of = as_of or datetime.now(UTC).date()
    if not database_is_empty(engine):
        raise GeneratorError(
            f"the database already holds data ({_rows_present(engine)}); seed only fills an empty database: "
            "point AMOSCOPE_DATABASE_URL at a new one, or empty it with 'amoscope db downgrade base' "
            "and 'amoscope db upgrade'"
        )
    world, people = build_history(plan, seed, as_of)
    domain_events = world.event_count()
    views = SessionStream(world, people, max(plan.events - domain_events, int(plan.events * MIN_VIEW_SHARE)))
    world.audit.sort()
    world.activity.sort()
    rows: dict[str, int] = {}
    try:
        _load(engine, world, views, rows)
    except (sa.exc.DBAPIError, psycopg.Error) as error:  # COPY talks to psycopg directly
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise GeneratorError(
            f"loading the seed failed ({reason}); the database was left as it was"
        ) from error
    return SeedReport(scale, seed, as_of, rows, round(time.perf_counter() - started, 2))


def _load(engine: Engine, world: World, views: SessionStream, rows: dict[str, int]) -> None:
    """Every table, then the events in time order, in one transaction."""
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name in world.tables:
                rows[table.name] = load_table(connection, table, world.tables[table.name])
        rows["audit_events"] = load_events(
            connection, audit_events, heapq.merge(world.audit, views, key=lambda event: event[0])
        )
        rows["activity_events"] = load_events(connection, activity_events, world.activity)
        if views.last_login:
            connection.execute(
                users.update()
                .where(users.c.id == sa.bindparam("user_id"))
                .values(last_login_at=sa.bindparam("at")),
                [{"user_id": user_id, "at": at} for user_id, at in sorted(views.last_login.items())],
            )
        advance_sequences(connection)
