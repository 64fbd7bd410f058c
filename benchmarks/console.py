"""The archive console's cost per query and the web worker's memory, on a synthetic archive.

    .venv/bin/python -m benchmarks.console [--rows 1000000] [--repeat 5]

Writes ``audit_events`` (``--rows`` events of two AMOs) and ``cars`` with ``car_attachments``
(a child table scoped through its parent) as Parquet, then times, in this process (the "worker"):

* ``SELECT 1``: the fixed cost of a query (fork of the sandbox process, scoped views, audit row);
* a count of AMO 1's audit events, and a group-by over them, in AMO 1's scope and unscoped;
* a join of the child table to its parent in AMO 1's scope;
* ``repeat('x', 200000000)``: the time to cut it to the cell limit, and this process's peak RSS
  before and after (the sandbox process holds the 200 MB, the worker never does).

Each figure is the median of ``--repeat`` runs; the audit rows go to a throwaway SQLite file.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.console import Console
from warehouse.database import create_engine
from warehouse.events import RequestContext
from warehouse.schema import metadata
from warehouse.scope import ALL_AMOS, TenantScope

AUDITOR = RequestContext(actor_user_id=7, actor_role="auditor", auth_method="SESSION")
SUPERUSER = RequestContext(actor_user_id=1, actor_role="superuser", auth_method="SESSION")


def _archive(folder: Path, rows: int) -> dict[str, list[str]]:
    def write(name: str, table: pa.Table) -> list[str]:
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, row_group_size=100_000)
        return [str(path)]

    return {
        "audit_events": write("audit_events", pa.table({
            "id": pa.array(range(rows), pa.int64()), "amo_id": pa.array([1, 2] * (rows // 2), pa.int64()),
            "action": pa.array(["CREATE", "UPDATE", "STATE_CHANGE", "VIEW"] * (rows // 4)),
            "entity_id": pa.array([str(i % 5000) for i in range(rows)])})),
        "cars": write("cars", pa.table({"id": pa.array(range(10_000), pa.int64()),
                                        "amo_id": pa.array([1, 2] * 5000, pa.int64())})),
        "car_attachments": write("car_attachments", pa.table({
            "id": pa.array(range(30_000), pa.int64()), "car_id": pa.array([i % 10_000 for i in range(30_000)],
                                                                           pa.int64())})),
    }


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amoscope-console-bench-") as folder:
        engine = create_engine(f"sqlite:///{folder}/audit.db")
        metadata.create_all(engine)
        with engine.begin() as connection:  # the AMOs the audit rows name
            connection.execute(metadata.tables["amos"].insert(), [{"id": 1, "code": "A", "name": "AMO A"},
                                                                  {"id": 2, "code": "B", "name": "AMO B"}])
        console = Console(_archive(Path(folder), args.rows), audit_engine=engine, timeout_seconds=120,
                          memory_limit="1GB")
        amo = TenantScope.for_amo(1)
        console.query("SELECT 1", context=AUDITOR, scope=amo)  # the fork server starts once per process
        cases = [
            ("SELECT 1 (AMO 1)", "SELECT 1", AUDITOR, amo),
            ("count(*) audit_events (AMO 1)", "SELECT count(*) FROM audit_events", AUDITOR, amo),
            ("count(*) audit_events (every AMO)", "SELECT count(*) FROM audit_events", SUPERUSER, ALL_AMOS),
            ("group by action (AMO 1)", "SELECT action, count(*) FROM audit_events GROUP BY 1", AUDITOR, amo),
            ("child join parent (AMO 1)",
             "SELECT count(*) FROM car_attachments a JOIN cars c ON c.id = a.car_id", AUDITOR, amo),
        ]
        print(f"| query ({args.rows:,} audit events) | median ms |")
        print("|---|---:|")
        for label, sql, context, scope in cases:
            ms = _median_ms(lambda sql=sql, context=context, scope=scope: console.query(
                sql, context=context, scope=scope), args.repeat)
            print(f"| {label} | {ms:.0f} |")
        before = _peak_mib()
        started = time.perf_counter()
        result = console.query("SELECT repeat('x', 200000000) AS big", context=AUDITOR, scope=amo)
        took = (time.perf_counter() - started) * 1000
        print(f"| repeat('x', 200000000), cut to {len(result.table.column(0)[0].as_py()):,} characters | "
              f"{took:.0f} |")
        print(f"\nworker peak RSS: {before:.0f} MiB before the 200 MB cell, {_peak_mib():.0f} MiB after")


if __name__ == "__main__":
    main()
