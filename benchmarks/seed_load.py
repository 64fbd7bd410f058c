"""Seed-load throughput on PostgreSQL, beside a plain COPY of the same events measured in the same run.

    .venv/bin/python -m benchmarks.seed_load [--scale 1m] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Three measurements, each into a fresh migrated database:

1. baseline: the scale's audit events, generated in memory beforehand, written with one plain
   COPY into ``audit_events`` with its indexes and foreign key in place;
2. the generator's event loader on the same rows (keys, indexes and foreign keys set aside
   during the COPY and rebuilt after it);
3. the whole ``seed_database`` call: generating the history and loading every table.

Prints rows per second and the ratio to the baseline. Target: 1 million audit events in under
90 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import heapq
import os
import time
from datetime import date

import sqlalchemy as sa

from amoscope import migrate
from simulator import seed_database
from simulator.history import build_history, scale_named
from simulator.loader import load_events, load_table
from simulator.views import SessionStream
from simulator.world import AUDIT_FIELDS
from warehouse.database import create_engine
from warehouse.schema import audit_events, metadata

AS_OF = date(2026, 6, 30)
SEED = 1


def fresh_database(admin_url: str, suffix: str) -> str:
    name = f"amoscope_bench_{os.getpid()}_{suffix}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)")


def audit_rows(scale: str) -> tuple[list[dict], list[tuple]]:
    """The AMO rows the events point to, and the scale's audit events as the seed writes them."""
    plan = scale_named(scale)
    world, people = build_history(plan, SEED, AS_OF)
    views = SessionStream(world, people, max(plan.events - world.event_count(), plan.events // 10))
    world.audit.sort()
    return world.tables["amos"], list(heapq.merge(world.audit, views, key=lambda event: event[0]))


def with_amos(url: str, amos: list[dict]) -> sa.Engine:
    """An engine on ``url`` whose database holds the AMOs (the events' foreign key needs them)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        load_table(connection, metadata.tables["amos"], amos)
    return engine


def plain_copy(engine: sa.Engine, rows: list[tuple]) -> float:
    columns = ", ".join(("id",) + AUDIT_FIELDS)
    started = time.perf_counter()
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY audit_events ({columns}) FROM STDIN") as copy:
            for number, event in enumerate(rows, start=1):
                copy.write_row((number, *event[2:]))
    return time.perf_counter() - started


def loader_copy(engine: sa.Engine, rows: list[tuple]) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        load_events(connection, audit_events, rows)
    return time.perf_counter() - started


def whole_seed(url: str, scale: str) -> tuple[float, int, int]:
    engine = create_engine(url)
    started = time.perf_counter()
    report = seed_database(engine, scale=scale, seed=SEED, as_of=AS_OF)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, report.rows["audit_events"], report.total_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1m", help="demo, 1m or 10m (default 1m)")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL allowed to create and drop databases")
    args = parser.parse_args()

    print(f"generating the {args.scale} events in memory for the baseline ...", flush=True)
    amos, rows = audit_rows(args.scale)
    results = []
    for label, run in (("baseline: plain COPY, indexes kept", plain_copy),
                       ("event loader: keys and indexes rebuilt after COPY", loader_copy)):
        url = fresh_database(args.admin_url, "copy")
        engine = with_amos(url, amos)
        try:
            results.append((label, len(rows), run(engine, rows)))
        finally:
            engine.dispose()
            drop_database(args.admin_url, url)
    del rows
    url = fresh_database(args.admin_url, "seed")
    try:
        seconds, audit_count, total_rows = whole_seed(url, args.scale)
    finally:
        drop_database(args.admin_url, url)
    results.append((f"seed_database --scale {args.scale}: generate + load ({total_rows:,} rows in all)",
                    audit_count, seconds))

    baseline = results[0][1] / results[0][2]
    print(f"\n{'step':<72} {'audit rows':>11} {'seconds':>8} {'audit rows/s':>13} {'x baseline':>10}")
    for label, count, seconds in results:
        rate = count / seconds
        print(f"{label:<72} {count:>11,} {seconds:>8.1f} {rate:>13,.0f} {rate / baseline:>10.2f}")


if __name__ == "__main__":
    main()
