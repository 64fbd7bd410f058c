"""ETL throughput and memory against PostgreSQL's own COPY, measured in the same run.

    .venv/bin/python -m benchmarks.etl_archive [--rows 5000000] [--repeat 3]
                                               [--admin-url postgresql+psycopg://…/test]

Makes a throwaway database, fills ``audit_events`` with ``--rows`` events (~200-byte JSON
payloads, spread over 12 months) by INSERT … SELECT generate_series, then measures:

* baseline: ``COPY audit_events TO STDOUT (FORMAT binary)`` read to the end and discarded;
* full archive: ``amoscope etl run --table audit_events`` in a child process, end to end
  (extract, hash, Parquet written and committed; the run itself in the forked worker process
  the command uses), with the peak RSS of the worker (the larger of the two processes);
* incremental: 10,000 new events, then one more run (in a worker process, as the command does,
  timed around the run alone).

The baseline and the full archive are measured in ``--repeat`` interleaved rounds, and the table
shows the median round of each (every round's time in the notes). It prints each figure's ratio
to the COPY baseline of this run, and the CPU seconds behind the two big figures: the PostgreSQL
backend's for that COPY and for the ETL's read (read from /proc, so only when the server runs on
this machine) and the ETL run's own (all threads of the worker, imports excluded). The ETL's
server and client CPU over the two cores bound its wall time from below, whatever the
scheduling; the table shows that bound too, and the CPU time the hypervisor stole meanwhile.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import sqlalchemy as sa

from amoscope import migrate
from amoscope.settings import Settings
from etl.isolation import isolated
from etl.run import run_once
from etl.source import APPLICATION_NAME
from warehouse.database import create_engine

FILL_SQL = """
INSERT INTO audit_events (event_id, occurred_at, amo_id, actor_user_id, actor_role, auth_method, ip,
                          action, outcome, entity_type, entity_id, entity_version, workflow_phase,
                          department_id, changed_fields, before, after, reason)
SELECT md5(g::text)::uuid::text,
       timestamptz '2025-11-01 00:00+00' + (g * interval '1 second') * (31536000.0 / :total),
       NULL, 1 + g % 250, 'member', 'SESSION', '10.1.' || (g % 250) || '.' || (g % 200),
       (ARRAY['CREATE','UPDATE','STATE_CHANGE','SIGN','VIEW'])[1 + g % 5], 'SUCCESS',
       (ARRAY['cars','findings','work_orders','task_cards','defects'])[1 + g % 5], (g % 50000)::text,
       1 + g % 9, 'OPEN', 1 + g % 9, '["status","due_date"]'::jsonb,
       jsonb_build_object('status', 'OPEN', 'due_date', '2026-01-15'),
       jsonb_build_object('status', 'IN_WORK', 'due_date', '2026-02-15', 'note',
                          'Root cause confirmed by quality; corrective action plan accepted ' || g),
       CASE WHEN g % 4 = 0 THEN 'extension agreed with the department' END
FROM generate_series(:first, :last) AS g
"""
# As ``amoscope etl run`` does it: the run in a forked worker process (etl.isolation).
ETL_CHILD = """
import json, resource, time
from amoscope.settings import Settings
from amoscope.runtime import open_engine
from etl.isolation import isolated
from etl.run import run_once
settings = Settings.from_env()
engine = open_engine(settings)
start, cpu = time.perf_counter(), time.process_time()
report = isolated(engine, lambda: run_once(settings.etl, engine, tables=["audit_events"]))
worker = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rows": report.rows, "seconds": time.perf_counter() - start,
                  "cpu": time.process_time() - cpu + worker.ru_utime + worker.ru_stime}))
"""


def fill(engine: sa.Engine, first: int, last: int, total: int) -> None:
    step = 1_000_000
    for low in range(first, last + 1, step):
        with engine.begin() as connection:
            connection.execute(sa.text(FILL_SQL), {"first": low, "last": min(last, low + step - 1),
                                                   "total": total})


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) of a local server process so far; None if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def etl_backend_cpu_seconds(url: str, child: subprocess.Popen) -> float | None:
    """CPU seconds of the ETL's PostgreSQL backends (found by their application_name; ADBC also
    opens a short one to read type metadata), sampled until the run ends; None if unreadable.
    The last sample of each can miss its final ≤ 50 ms."""
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    seconds: dict[int, float] = {}
    with psycopg.connect(plain, autocommit=True) as connection:
        while child.poll() is None:
            for (pid,) in connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                    "AND datname = current_database()", (APPLICATION_NAME,)).fetchall():
                cpu = backend_cpu_seconds(pid)
                if cpu is not None:
                    seconds[pid] = cpu
            time.sleep(0.05)
    return sum(seconds.values()) if seconds else None


def copy_binary(url: str) -> tuple[int, float, float | None]:
    """Bytes read, seconds, and the backend's CPU seconds of one COPY binary of the table."""
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    size = 0
    with psycopg.connect(plain) as connection, connection.cursor() as cursor:
        pid = connection.info.backend_pid
        cpu_before = backend_cpu_seconds(pid)
        start = time.perf_counter()
        with cursor.copy("COPY audit_events TO STDOUT (FORMAT binary)") as copy:
            for chunk in copy:
                size += len(chunk)
        seconds = time.perf_counter() - start
        cpu_after = backend_cpu_seconds(pid)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return size, seconds, cpu


def stolen_cpu_seconds() -> float:
    """CPU time the hypervisor gave to others (``steal`` in /proc/stat): on a shared virtual
    machine it makes single timings wander, so the table reports it."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def full_run(url: str, archive: str) -> dict:
    """One full archive into ``archive`` by a child process as ``amoscope etl run`` makes it:
    rows, in-run seconds and client CPU, the process's wall time and its backends' CPU."""
    environment = {**os.environ, "AMOSCOPE_DATABASE_URL": url, "AMOSCOPE_ARCHIVE_URL": archive,
                   "AMOSCOPE_LOG_LEVEL": "WARNING"}
    wall = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", ETL_CHILD], env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server_cpu = etl_backend_cpu_seconds(url, child)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - wall
    if child.returncode:
        raise SystemExit(f"the ETL run failed:\n{stderr}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "wall": wall, "server_cpu": server_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved rounds of COPY and full archive; each figure is the median round's")
    parser.add_argument("--admin-url", default=os.environ.get(
        "AMOSCOPE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()

    name = f"amoscope_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    archive = tempfile.mkdtemp(prefix="amoscope-bench-archive-")
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        start = time.perf_counter()
        fill(engine, 1, args.rows, args.rows)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE audit_events"))
        print(f"filled {args.rows:,} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)

        # Interleaved rounds, each figure the median round's: the machine's speed drifts by
        # ± 10 % from minute to minute, so one round of each can mislead.
        copies, fulls = [], []
        stolen = stolen_cpu_seconds()
        for _ in range(args.repeat):
            copies.append(copy_binary(url))
            shutil.rmtree(archive)
            os.mkdir(archive)
            fulls.append(full_run(url, archive))
        stolen = stolen_cpu_seconds() - stolen
        copy_rounds = " / ".join(f"{seconds:.2f}" for _, seconds, _ in copies)
        etl_rounds = " / ".join(f"{run['seconds']:.2f}" for run in fulls)
        copies.sort(key=lambda copy: copy[1])
        copy_bytes, copy_seconds, copy_cpu = copies[len(copies) // 2]
        full = sorted(fulls, key=lambda run: run["seconds"])[len(fulls) // 2]
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        fill(engine, args.rows + 1, args.rows + 10_000, args.rows)
        settings = Settings.from_env({}, database_url=url, archive_url=archive)
        start = time.perf_counter()
        incremental = isolated(engine, lambda: run_once(settings.etl, engine, tables=["audit_events"]))
        incremental_seconds = time.perf_counter() - start
        archive_bytes = sum(os.path.getsize(os.path.join(folder, file))
                            for folder, _, files in os.walk(archive) for file in files)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        shutil.rmtree(archive, ignore_errors=True)

    copy_rate = args.rows / copy_seconds
    server_cpu = "server CPU not readable" if copy_cpu is None else f"server CPU {copy_cpu:.1f} s"
    # The ETL's backend and its client share the two cores: their CPU over two bounds the run's time.
    floor = ""
    if full["server_cpu"] is not None:
        floor_seconds = (full["server_cpu"] + full["cpu"]) / 2
        floor = (f"; server CPU {full['server_cpu']:.1f} s, so at best {floor_seconds:.1f} s "
                 f"({copy_seconds / floor_seconds:.2f}x) on two cores")
    rows = [
        ("COPY … TO STDOUT (FORMAT binary)", args.rows, copy_seconds, "",
         f"{copy_bytes / 2**20:,.0f} MiB read; {server_cpu}; rounds {copy_rounds} s"),
        ("etl run, full (in-run time)", full["rows"], full["seconds"], "", f"rounds {etl_rounds} s"),
        ("etl run, full (process, end to end)", full["rows"], full["wall"], f"{peak_mib:,.0f} MiB",
         f"{archive_bytes / 2**20:,.0f} MiB of Parquet; client CPU {full['cpu']:.1f} s{floor}"),
        ("etl run, incremental", incremental.rows, incremental_seconds, "", ""),
    ]
    print(f"adbc-driver-postgresql {importlib.metadata.version('adbc-driver-postgresql')}, "
          f"{os.cpu_count()} CPUs, {stolen:.1f} s of CPU stolen by the hypervisor during the rounds")
    print(f"{'measurement':38} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'vs COPY':>8} "
          f"{'peak RSS':>10}  note")
    for label, count, seconds, peak, note in rows:
        rate = count / seconds
        print(f"{label:38} {count:>10,} {seconds:>8.2f} {rate:>10,.0f} {rate / copy_rate:>7.2f}x "
              f"{peak:>10}  {note}")


if __name__ == "__main__":
    main()
