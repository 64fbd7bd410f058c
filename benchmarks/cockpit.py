"""The cockpit body callback's server time, per department, without and with the snapshot cache.

Seeds the demo-scale AMO on PostgreSQL, archives it once, builds the real app twice in this
process (one with ``AMOSCOPE_KPI_CACHE_ENTRIES=0``, the baseline; one with the default cache),
signs an administrator in to each and posts the cockpit body callback to ``/_dash-update-component``
as the browser does (the guard, the session check, the snapshot, the figures, the JSON). For
every department, after one unmeasured render that warms DuckDB and the connection pool:

* baseline: renders of the uncached app;
* cold: renders of the cached app right after a domain event was written (an activity event in
  its own transaction, as the live AMO writes them), so each is a miss that reads the new data
  version and computes the snapshot;
* warm: renders of the cached app with no new data (hits).

Prints median and p95 per department and overall; asserts nothing. From the repository root::

    .venv/bin/python -m benchmarks.cockpit [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time

import sqlalchemy as sa

from amoscope.settings import Settings
from auth.policy import DEPARTMENT_SLUGS
from auth.users import create_user
from benchmarks.dashboards import SECRET_KEY, build_world, drop_world
from dashboards import create_app
from dashboards.cockpits import PANELS
from etl.run import run_once
from warehouse.database import create_engine
from warehouse.events import record_activity

EMAIL, PASSWORD = "cockpit@bench.example", "cockpit benchmark password"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A signed-in client of one app that renders a cockpit's body as Dash's renderer asks for it."""

    def __init__(self, app, amo: str) -> None:
        self.client, self.amo = app.test_client(), amo
        form = self.client.get("/login").get_data(as_text=True)
        token = CSRF_FIELD.search(form).group(1)
        signed_in = self.client.post("/login", data={"username": EMAIL, "password": PASSWORD,
                                                     "csrf_token": token})
        assert signed_in.status_code == 303, signed_in.status_code
        self.csrf = self.client.get_cookie("_csrf_token").value

    def render(self, code: str) -> float:
        """Milliseconds to answer the cockpit body callback of department ``code``."""
        path = f"/maintenance/{self.amo}/{DEPARTMENT_SLUGS[code]}"
        body = {"output": "cockpit-body.children", "outputs": {"id": "cockpit-body", "property": "children"},
                "inputs": [{"id": "url", "property": "search", "value": ""}],
                "state": [{"id": "url", "property": "pathname", "value": path}],
                "changedPropIds": ["url.search"]}
        started = time.perf_counter()
        response = self.client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": self.csrf})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return elapsed


def new_data(engine, amo_id: int) -> None:
    """One activity event in its own transaction: new domain data, a new data version."""
    with engine.begin() as connection:
        record_activity(connection, amo_id=amo_id, kind="benchmark.tick", summary="benchmark tick")


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):7.0f} {p95:7.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="renders per department and kind")
    repeat = parser.parse_args().repeat
    print("building the world (demo-scale AMO) …", flush=True)
    url, path, _ = build_world(0)
    amo = path.split("/")[2]
    archive = tempfile.mkdtemp(prefix="amoscope-bench-archive-")
    engine = create_engine(url)
    try:
        create_user(engine, email=EMAIL, role="admin", amo_code=amo, password=PASSWORD,
                    password_profile="owasp-minimum")
        settings = Settings.from_env({}, database_url=url, archive_url=archive, secret_key=SECRET_KEY,
                                     password_hash_profile="owasp-minimum")
        run_once(settings.etl, engine)
        with engine.connect() as connection:
            amo_id = connection.execute(sa.text("SELECT id FROM amos WHERE code = :code"),
                                        {"code": amo}).scalar_one()
        baseline = Browser(create_app(settings.replace(kpi_cache_entries=0).dashboards, engine), amo)
        cached = Browser(create_app(settings.dashboards, engine), amo)
        rows, totals = [], {"baseline": [], "cold": [], "warm": []}
        for code in PANELS:
            baseline.render(code), cached.render(code)  # DuckDB, pools and plotly warmed, unmeasured
            times = {"baseline": [baseline.render(code) for _ in range(repeat)], "cold": [], "warm": []}
            for _ in range(repeat):
                new_data(engine, amo_id)
                times["cold"].append(cached.render(code))
            times["warm"] = [cached.render(code) for _ in range(repeat)]
            for kind, samples in times.items():
                totals[kind] += samples
            rows.append((code, times))
            print(f"  {code} measured", flush=True)
    finally:
        engine.dispose()
        drop_world(url)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\ncockpit body callback, server time in ms ({repeat} renders each; load average {load})")
    print(f"{'department':<10} {'baseline p50':>12} {'p95':>7} {'cold p50':>8} {'p95':>7} {'warm p50':>8} "
          f"{'p95':>7}   warm ÷ baseline p50")
    for code, times in [*rows, ("all", totals)]:
        ratio = statistics.median(times["warm"]) / statistics.median(times["baseline"])
        print(f"{code:<10} {summary(times['baseline']):>20} {summary(times['cold']):>16} "
              f"{summary(times['warm']):>16}   {ratio:.2f}")


if __name__ == "__main__":
    main()
