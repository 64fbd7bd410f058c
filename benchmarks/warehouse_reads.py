"""Warehouse read path on a large archive, each figure beside the same query on PostgreSQL.

Builds a PostgreSQL database with N activity events (24 months, 9 departments, 200,000
entities; PostgreSQL keeps its indexes), archives them with the ETL, then measures warm p50/p95
of each read two ways in the same run:

* the warehouse (DuckDB over the manifest-listed Parquet files and the event cache built from
  them before measuring; an empty operational database stands for the hot tail after the
  retention prune), and
* the same query on the full PostgreSQL table.

Targets (issue #4): replay page (50 events after a cursor in the middle) p50 ≤ 10 ms; one
entity's timeline p50 ≤ 50 ms; department KPI aggregate p50 ≤ 100 ms and ≥ 10× faster than
PostgreSQL; cockpit snapshot ≤ 300 ms. Prints a table; asserts nothing. From the repository root::

    .venv/bin/python -m benchmarks.warehouse_reads [--events 10000000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from amoscope import migrate
from amoscope.settings import Settings
from etl.run import run_once
from warehouse import Warehouse
from warehouse.cursor import Position, ReplayCursor, encode_replay
from warehouse.database import create_engine

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = datetime(2024, 11, 1, tzinfo=UTC)
ENTITIES = 200_000
CHUNK = 100_000  # one short transaction each: the commit horizon of other sessions keeps moving
KINDS = ["card.closed", "crs.issued", "part.issued", "finding.raised", "car.closed", "tool.returned",
         "defect.deferred", "wo.opened"]


def _admin() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _create_database(name: str) -> str:
    with _admin().connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO amos (code, name) VALUES ('BENCH', 'Benchmark AMO')"))
        for code in ("QUAL", "PLAN", "PROD", "REL", "SAFE", "STOR", "ENG", "WKSP", "ADMIN"):
            connection.execute(sa.text("INSERT INTO departments (amo_id, code, name) VALUES (1, :c, :n)"),
                               {"c": code, "n": code})
    engine.dispose()
    return url


def _load(url: str, events: int) -> int:
    """N events written server-side in time order over 24 months; returns the txid spread.

    Their ``txid`` values are spread below the cluster's current commit horizon (as if written
    by that many earlier transactions), or the ETL would rightly hold them back as not committed.
    """
    engine = create_engine(url)
    with engine.connect() as connection:
        spread = connection.execute(
            sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 13")).scalar_one()
    span = 730 * 86400 / events
    kinds = "ARRAY[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    for first in range(1, events + 1, CHUNK):
        last = min(first + CHUNK - 1, events)
        with engine.begin() as connection:
            connection.execute(sa.text(f"""
                INSERT INTO activity_events (txid, event_id, occurred_at, amo_id, department_id, kind,
                                             entity_type, entity_id, summary, actor_user_id)
                SELECT 3 + (i - 1)::bigint * :spread / :events,
                       substr(md5(i::text), 1, 8) || '-' || substr(md5(i::text), 9, 4) || '-7' ||
                           substr(md5(i::text), 14, 3) || '-8' || substr(md5(i::text), 18, 3) || '-' ||
                           substr(md5(i::text), 21, 12),
                       :start + make_interval(secs => i * :span),
                       1, 1 + i % 9, ({kinds})[1 + i % 8], 'cars', ((i::bigint * 7919) % {ENTITIES})::text,
                       'event ' || i, 1 + i % 500
                FROM generate_series(:first, :last) AS i"""),
                {"start": START, "span": span, "first": first, "last": last, "spread": spread,
                 "events": events})
        if last % 1_000_000 == 0 or last == events:
            print(f"  loaded {last:,} events", flush=True)
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE activity_events"))
        connection.commit()
    engine.dispose()
    return spread


def _timed(action, rounds: int) -> tuple[float, float]:
    action()  # warm
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=30, help="measurements per row")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    full_name, empty_name = f"amoscope_bench_{tag}", f"amoscope_bench_{tag}_hot"
    folder = tempfile.mkdtemp(prefix="amoscope-bench-")
    cache = tempfile.mkdtemp(prefix="amoscope-bench-cache-")
    try:
        started = time.perf_counter()
        full_url = _create_database(full_name)
        empty_url = _create_database(empty_name)
        spread = _load(full_url, args.events)
        print(f"loaded {args.events:,} events into PostgreSQL in {time.perf_counter() - started:.0f} s",
              flush=True)
        full = create_engine(full_url)
        started = time.perf_counter()
        run_once(Settings.from_env({}, database_url=full_url, archive_url=folder).etl, full,
                 tables=["activity_events"])
        print(f"archived them in {time.perf_counter() - started:.0f} s", flush=True)
        _measure(args, full, empty_url, folder, cache, spread)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        with _admin().connect() as connection:
            for name in (full_name, empty_name):
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _measure(args, full: sa.Engine, empty_url: str, folder: str, cache: str, spread: int) -> None:
    settings = Settings.from_env({}, database_url=empty_url, archive_url=folder, warehouse_cache_dir=cache)
    wh = Warehouse.open(settings.warehouse)
    started = time.perf_counter()
    wh.sources.cache.refresh()  # a server builds it in the background, reading the archive meanwhile
    size = wh.sources.cache.path.stat().st_size / 2**20
    print(f"built the event cache in {time.perf_counter() - started:.0f} s ({size:.0f} MiB)", flush=True)
    cluster = wh.sources.hot.cluster_id()
    rng = random.Random(7)
    middle = args.events // 2

    def middle_position() -> Position:
        i = middle + rng.randrange(-1000, 1000)
        return Position(3 + (i - 1) * spread // args.events, i)

    def replay_archive():
        cursor = encode_replay(ReplayCursor("activity", cluster, middle_position()))
        wh.replay("activity", after=cursor, limit=50)

    replay_sql = sa.text(
        "SELECT * FROM activity_events WHERE (txid, id) > (:t, :i) ORDER BY txid, id LIMIT 50")

    def replay_pg():
        position = middle_position()
        with full.connect() as connection:
            connection.execute(replay_sql, {"t": position.txid, "i": position.id}).all()

    timeline_sql = sa.text("SELECT * FROM activity_events WHERE entity_type = 'cars' AND entity_id = :e "
                           "ORDER BY occurred_at, id")

    def timeline_archive():
        wh.timeline("cars", str(rng.randrange(ENTITIES)))

    def timeline_pg():
        with full.connect() as connection:
            connection.execute(timeline_sql, {"e": str(rng.randrange(ENTITIES))}).all()

    as_of = START.replace(year=START.year + 2)
    kpi_sql = sa.text("""
        SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, kind, count(*), max(occurred_at)
        FROM activity_events
        WHERE amo_id = 1 AND department_id = :d AND occurred_at <= :now
          AND occurred_at > :now - INTERVAL '12 months'
        GROUP BY 1, 2 ORDER BY 1, 2""")

    def kpi_archive():
        wh.kpi.activity_volume(amo_id=1, department_id=1 + rng.randrange(9), as_of=as_of)

    def kpi_pg():
        with full.connect() as connection:
            connection.execute(kpi_sql, {"d": 1 + rng.randrange(9), "now": as_of}).all()

    def cockpit():
        wh.kpi.cockpit_snapshot("PROD", amo_id=1, department_id=1 + rng.randrange(9), as_of=as_of)

    rows = []
    for name, ours, theirs, target in (
        ("replay page (50 after a middle cursor)", replay_archive, replay_pg, "p50 ≤ 10 ms"),
        ("entity timeline", timeline_archive, timeline_pg, "p50 ≤ 50 ms"),
        ("department KPI aggregate (activity_volume)", kpi_archive, kpi_pg, "p50 ≤ 100 ms, ≥ 10× PG"),
        ("cockpit snapshot (PROD, 8 KPIs)", cockpit, None, "≤ 300 ms"),
    ):
        p50, p95 = _timed(ours, args.rounds)
        pg50 = _timed(theirs, args.rounds)[0] if theirs else None
        rows.append((name, p50, p95, pg50, target))
        print(f"  measured {name}", flush=True)
    wh.close()
    files = wh.sources.catalog.files("activity_events")
    archived = sum(f.rows for f in files)
    print(f"\n{archived:,} archived events of {args.events:,}, {len(files)} Parquet files, "
          f"{args.rounds} warm rounds\n")
    print("| read | warehouse p50 ms | p95 ms | PostgreSQL p50 ms | PG ÷ warehouse | target |")
    print("|---|---:|---:|---:|---:|---|")
    for name, p50, p95, pg50, target in rows:
        pg = f"{pg50:.1f}" if pg50 is not None else "—"
        ratio = f"{pg50 / p50:.2f}" if pg50 is not None else "—"
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {pg} | {ratio} | {target} |")


if __name__ == "__main__":
    main()
