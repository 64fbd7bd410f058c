"""The dashboards under load: N signed-in browsers on a cockpit, served by ``amoscope serve``.

Builds a PostgreSQL database with the demo-scale synthetic AMO, gives each simulated client a
user and a session of its own, starts ``amoscope serve`` (gunicorn, 2 workers x 8 threads), and
lets every client do what a browser on the production cockpit does: the live-feed poll every 2 s
(feed with the cursor it was given, then the notifications inbox, as Dash sends them on each
tick) and, about once a minute, a page load (the page, its layout and its callback graph).
Beside each run, a trivial Flask app served the same way answers the same requests: the floor
of gunicorn and this machine.

Prints, for N = 50, 100, 200: requests, errors, p50/p95/p99 of polls and page loads, the server's
CPU (arbiter and workers, % of one core) and RSS, and the PostgreSQL transaction ids the cluster
assigned during the run (page loads included: a page load touches its session), during a second
window of the same length where the clients only poll, and during an idle window (other
databases of the cluster assign ids too; a poll takes none, see tests/dashboards/test_poll_xid.py).
Asserts nothing. From the repository root::

    .venv/bin/python -m benchmarks.dashboards [--clients 50,100,200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import flask
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from amoscope import migrate
from auth.sessions import start_session
from auth.users import create_user
from simulator import seed_database
from warehouse.database import create_engine

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "benchmark-secret-key-" + "0123456789abcdef" * 2
POLL_SECONDS = 2.0
PAGE_LOADS_PER_MINUTE = 1.0
WARM_UP_SECONDS = 4.0
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
INBOX = "..inbox-list.children...inbox-state.data.."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ── the world: database, users, sessions ───────────────────────────────────────────────────

def build_world(clients: int) -> tuple[str, str, list[tuple[str, str]]]:
    """A seeded database; returns its URL, the cockpit path, and (session key, CSRF token) per client."""
    name = f"amoscope_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    seed_database(engine, scale="demo")
    with engine.connect() as connection:
        amo = connection.execute(sa.text("SELECT code FROM amos ORDER BY id LIMIT 1")).scalar_one()
    sessions = []
    for n in range(clients):
        user_id = create_user(engine, email=f"load{n}@bench.example", role="member", amo_code=amo,
                              department_code="PROD", password=None)
        with engine.begin() as connection:
            version = connection.execute(sa.text("SELECT session_version FROM users WHERE id = :id"),
                                         {"id": user_id}).scalar_one()
            key, _ = start_session(connection, user_id, version, ip="127.0.0.1", user_agent="benchmark")
        sessions.append((key, uuid.uuid4().hex))
    engine.dispose()
    return url, f"/maintenance/{amo}/production", sessions


def drop_world(url: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)"))


def session_cookie(session_key: str, csrf: str) -> str:
    """The signed Flask session cookie the app would have set at login."""
    app = flask.Flask("benchmark")
    app.secret_key = SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    value = serializer.dumps({"_user_id": session_key, "_fresh": True, "csrf": csrf,
                              "issued": int(time.time())})
    return f"amoscope_session={value}"


# ── the servers ────────────────────────────────────────────────────────────────────────────

def start_amoscope(url: str, archive: str, port: int, **settings: str) -> subprocess.Popen:
    """``amoscope serve`` on ``url`` and ``archive``; ``settings`` are more AMOSCOPE_* variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AMOSCOPE_")}
    env.update(AMOSCOPE_DATABASE_URL=url, AMOSCOPE_ARCHIVE_URL=archive, AMOSCOPE_SECRET_KEY=SECRET_KEY,
               AMOSCOPE_LOG_LEVEL="WARNING")
    env.update(settings)
    return subprocess.Popen([sys.executable, "-c", "from amoscope.cli import main; main()", "serve",
                             "--port", str(port), "--workers", "2", "--threads", "8", "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def start_baseline(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.dashboards", "--baseline-server", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def serve_baseline(port: int) -> None:
    """The floor: a Flask app with the same routes answering constant bodies, served the same way."""
    from amoscope import web_server

    app = flask.Flask("baseline")

    @app.post("/_dash-update-component")
    def callback():
        return {"multi": True, "response": {"feed-cursor": {"data": {"txid": 1, "id": 1}}}}

    @app.get("/<path:_path>")
    def page(_path):
        return "<!DOCTYPE html><title>baseline</title>"

    listener = web_server.claim_listener("127.0.0.1", port)
    web_server.run(app, bind=f"fd://{listener.fileno()}", workers=2, threads=8, access_log=False, quiet=True)


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start within 60 s")


def process_tree(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return [pid, *children]


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def cluster_next_xid() -> int:
    admin = sa.create_engine(ADMIN_URL, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        return connection.execute(
            sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")).scalar_one()


# ── the clients ────────────────────────────────────────────────────────────────────────────

@dataclass
class Tally:
    polls: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, measuring: bool) -> None:
        if not measuring:
            return
        with self.lock:
            (self.polls if kind == "poll" else self.pages).append(seconds)
            self.errors += 0 if ok else 1


def callback_body(output: str, tick: int, state) -> bytes:
    """The body Dash's renderer sends for the live panel's feed or inbox callback on a tick."""
    interval = {"id": "feed-interval", "property": "n_intervals", "value": tick}
    if output == FEED:
        body = {"inputs": [interval, {"id": "feed-chips", "property": "value", "value": []}],
                "state": [{"id": "feed-cursor", "property": "data", "value": state}]}
    else:
        body = {"inputs": [interval], "state": [{"id": "inbox-state", "property": "data", "value": state}]}
    outputs = [dict(zip(("id", "property"), part.split("."), strict=True))
               for part in output.strip(".").split("...")]
    body.update(output=output, outputs=outputs, changedPropIds=["feed-interval.n_intervals"])
    return json.dumps(body).encode()


def run_client(port: int, path: str, cookie: str, csrf: str, tally: Tally, start: float, measure_from: float,
               stop_at: float, rng: random.Random, page_loads: bool) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "X-CSRFToken": csrf, "Content-Type": "application/json",
               "Accept-Encoding": "br, gzip"}

    def request(kind: str, method: str, url: str, body: bytes | None = None) -> bytes | None:
        nonlocal connection
        began = time.monotonic()
        try:
            connection.request(method, url, body=body, headers=headers)
            response = connection.getresponse()
            data, status = response.read(), response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            data, status = None, 0
        tally.add(kind, time.monotonic() - began, status in (200, 204), began >= measure_from)  # 204: no news
        return data if status == 200 else None

    cursor = inbox = None
    tick = 0
    next_tick = start + rng.uniform(0, POLL_SECONDS)
    while True:
        time.sleep(max(0.0, next_tick - time.monotonic()))
        if time.monotonic() >= stop_at:
            break
        tick += 1
        if page_loads and rng.random() < PAGE_LOADS_PER_MINUTE * POLL_SECONDS / 60:
            request("page", "GET", path)
            request("page", "GET", "/_dash-layout")
            request("page", "GET", "/_dash-dependencies")
        headers["Accept-Encoding"] = "identity"  # read the JSON cursor without decoding
        data = request("poll", "POST", "/_dash-update-component", callback_body(FEED, tick, cursor))
        if data:
            with contextlib.suppress(ValueError, KeyError, TypeError):  # keep the old cursor
                cursor = json.loads(data)["response"]["feed-cursor"]["data"]
        data = request("poll", "POST", "/_dash-update-component", callback_body(INBOX, tick, inbox))
        if data:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                inbox = json.loads(data)["response"]["inbox-state"]["data"]
        headers["Accept-Encoding"] = "br, gzip"
        next_tick += POLL_SECONDS
    connection.close()


def drive(port: int, path: str, sessions: list[tuple[str, str]], seconds: float, server_pid: int,
          page_loads: bool = True) -> dict:
    """Run one client per session for ``seconds`` after the warm-up; ``page_loads`` off leaves
    only the polls."""
    tally = Tally()
    rng = random.Random(14)
    start = time.monotonic()
    measure_from = start + WARM_UP_SECONDS
    stop_at = measure_from + seconds
    threads = [threading.Thread(target=run_client, daemon=True,
                                args=(port, path, session_cookie(key, csrf), csrf, tally, start, measure_from,
                                      stop_at, random.Random(rng.random()), page_loads))
               for key, csrf in sessions]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    pids = process_tree(server_pid)
    cpu_before, xid_before = cpu_seconds(pids), cluster_next_xid()
    time.sleep(max(0.0, stop_at - time.monotonic()))
    cpu, xids, rss = cpu_seconds(pids) - cpu_before, cluster_next_xid() - xid_before, rss_mib(pids)
    for thread in threads:
        thread.join(timeout=60)
    return {"tally": tally, "cpu": 100 * cpu / seconds, "rss": rss, "xids": xids}


def quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0] * 1000,) * 3 if values else (float("nan"),) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="50,100,200", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        serve_baseline(args.baseline_server)
        return
    counts = [int(part) for part in args.clients.split(",")]
    print(f"building the world (demo-scale AMO, {max(counts)} users with a session each) …", flush=True)
    url, path, sessions = build_world(max(counts))
    archive = tempfile.mkdtemp(prefix="amoscope-bench-archive-")
    rows = []
    try:
        for name, start in (("amoscope serve", lambda port: start_amoscope(url, archive, port)),
                            ("Flask baseline", start_baseline)):
            port = _free_port()
            server = start(port)
            try:
                wait_until_up(port, server)
                for count in counts:
                    xid_idle = cluster_next_xid()
                    time.sleep(args.seconds)
                    idle_xids = cluster_next_xid() - xid_idle
                    clients = sessions[:count]
                    result = drive(port, path, clients, args.seconds, server.pid)
                    polls_only = drive(port, path, clients, args.seconds, server.pid, page_loads=False)
                    rows.append((name, count, result, idle_xids, polls_only["xids"]))
                    tally = result["tally"]
                    print(f"  {name} N={count}: {len(tally.polls)} polls, {tally.errors} errors", flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        drop_world(url)
    print(f"\n{args.seconds:.0f} s measured per run after {WARM_UP_SECONDS:.0f} s warm-up; "
          "a tick is the feed poll then the inbox poll; pages = page + layout + dependencies")
    header = (f"{'server':<15} {'N':>4} {'requests':>8} {'errors':>6} {'poll p50':>9} {'p95':>7} {'p99':>7} "
              f"{'page p50':>9} {'p95':>7} {'CPU %':>6} {'RSS MiB':>8} {'xids run':>9} {'polls only':>10} "
              f"{'idle':>5}")
    print(header)
    print("-" * len(header))
    for name, count, result, idle_xids, poll_xids in rows:
        tally = result["tally"]
        poll = quantiles(tally.polls)
        page = quantiles(tally.pages)
        print(f"{name:<15} {count:>4} {len(tally.polls) + len(tally.pages):>8} {tally.errors:>6} "
              f"{poll[0]:>8.1f}ms {poll[1]:>5.1f}ms {poll[2]:>5.1f}ms {page[0]:>7.1f}ms {page[1]:>5.1f}ms "
              f"{result['cpu']:>6.0f} {result['rss']:>8.0f} {result['xids']:>9} {poll_xids:>10} "
              f"{idle_xids:>5}")


if __name__ == "__main__":
    main()
