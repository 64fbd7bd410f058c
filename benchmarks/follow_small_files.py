"""Small files under follow mode: an hour of 5-second ETL runs over a live AMO, with and without
automatic compaction.

    .venv/bin/python -m benchmarks.follow_small_files [--runs 720] [--rate 1.0] [--seed 1]

Seeds a SQLite database once with the demo AMO (three years of history), then, for each mode on
a copy of it and a fresh archive: the initial load (one ``etl run``), then ``--runs`` runs of
``etl run --follow`` (``etl.follow.follow``, the code the command runs) with five seconds' worth
of live changes (``--rate`` per second, the simulator's) committed between two runs. The changes
are made in the pause between runs instead of sleeping, so an hour of 5-second runs takes
minutes and every run sees exactly five seconds of changes. Modes:

* ``no compaction``: ``AMOSCOPE_ETL_COMPACT_AFTER_BATCHES=0``, only the partitioning helps;
* ``compaction``: the default thresholds (a table after 50 new batches, files under 100,000 rows).

For the archive after the initial load and after each hour it prints the committed data files
(count, total size, size percentiles, files under 64 KiB) and the time ``archive verify`` takes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from amoscope import migrate
from amoscope.settings import Settings
from etl.follow import follow
from etl.run import run_once
from simulator.seed import seed_database
from simulator.simulate import CHANGES
from warehouse.archive import committed_files, open_store
from warehouse.archive.layout import ARCHIVED_TABLES
from warehouse.archive.verify import verify_archive
from warehouse.database import create_engine

RUN_SECONDS = 5  # AMOSCOPE_ETL_INTERVAL_SECONDS's default


class FiveSecondsOfChanges(threading.Event):
    """The stop event ``follow`` pauses on between runs: each pause commits the next five seconds
    of live changes instead of sleeping, and after ``runs`` runs the event sets itself."""

    def __init__(self, engine: sa.Engine, runs: int, rate: float, seed: int):
        super().__init__()
        self.engine, self.runs = engine, runs
        self.per_pause = round(rate * RUN_SECONDS)
        self.rng = random.Random(seed)
        self.done = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.done += 1
        if self.done >= self.runs:
            self.set()
            return True
        functions, weights = zip(*CHANGES, strict=True)
        for _ in range(self.per_pause):
            with self.engine.begin() as connection:
                self.rng.choices(functions, weights)[0](connection, self.rng)
        return False


def file_stats(archive: Path) -> dict:
    """Committed data files of every table: count, sizes, and how long a full verify takes."""
    store = open_store(str(archive))
    sizes = sorted(f.entry.size for name in ARCHIVED_TABLES for f in committed_files(store, name))
    started = time.perf_counter()
    report = verify_archive(store)
    verify_seconds = time.perf_counter() - started
    deciles = statistics.quantiles(sizes, n=10) if len(sizes) > 1 else sizes * 9
    verdict = "OK" if report.ok else f"{len(report.problems)} problems"
    return {"files": len(sizes), "mib": sum(sizes) / 2**20, "p10": deciles[0],
            "median": statistics.median(sizes), "p90": deciles[-1], "max": sizes[-1],
            "small": sum(size < 64 * 1024 for size in sizes), "manifests": report.manifests,
            "verify": f"{verdict} in {verify_seconds:.1f} s"}


def hour_of_follow(seeded: Path, folder: Path, compact_after: int, runs: int, rate: float, seed: int):
    database = folder / "amoscope.db"
    shutil.copyfile(seeded, database)
    settings = Settings.from_env({}, database_url=f"sqlite:///{database}",
                                 archive_url=str(folder / "archive"), etl_compact_after_batches=compact_after)
    engine = create_engine(settings.database_url)
    run_once(settings.etl, engine)
    initial = file_stats(folder / "archive")
    started = time.perf_counter()
    follow(settings.etl, engine, RUN_SECONDS, FiveSecondsOfChanges(engine, runs, rate, seed))
    followed = time.perf_counter() - started
    engine.dispose()
    return initial, file_stats(folder / "archive"), followed


def kib(size: float) -> str:
    return f"{size / 1024:,.0f} KiB" if size < 2**20 else f"{size / 2**20:,.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=720, help="follow runs, 5 s apart (720: one hour)")
    parser.add_argument("--rate", type=float, default=1.0, help="live changes per second")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amoscope-follow-") as scratch:
        seeded = Path(scratch) / "seeded.db"
        engine = create_engine(f"sqlite:///{seeded}")
        migrate.upgrade(engine)
        seed_database(engine, scale="demo", seed=options.seed)
        engine.dispose()
        rows = []
        for mode, compact_after in (("no compaction", 0), ("compaction", 50)):
            folder = Path(scratch) / mode.replace(" ", "-")
            folder.mkdir()
            initial, hour, seconds = hour_of_follow(seeded, folder, compact_after, options.runs, options.rate,
                                                    options.seed)
            if not rows:
                rows.append(("after the initial load", initial, None))
            rows.append((f"after {options.runs} runs, {mode}", hour, seconds))
    minutes = options.runs * RUN_SECONDS / 60
    print(f"{options.runs} follow runs ({minutes:.0f} min of 5-second runs) at {options.rate} changes/s, "
          "demo AMO on SQLite\n")
    print("| archive | files | total | p10 | median | p90 | max | files < 64 KiB | manifests | verify "
          "| wall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for label, stats, seconds in rows:
        print(f"| {label} | {stats['files']:,} | {stats['mib']:.1f} MiB | {kib(stats['p10'])} | "
              f"{kib(stats['median'])} | {kib(stats['p90'])} | {kib(stats['max'])} | {stats['small']:,} | "
              f"{stats['manifests']:,} | {stats['verify']} | "
              f"{'' if seconds is None else f'{seconds:.0f} s'} |")


if __name__ == "__main__":
    main()
