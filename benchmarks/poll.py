"""Server time of a live-feed poll with nothing new, in process through the real app.

Builds the demo-scale AMO on PostgreSQL (as ``benchmarks/dashboards.py`` does), builds the app in
this process and, as one signed-in member on the production cockpit, posts the live panel's feed
and inbox callbacks to ``/_dash-update-component`` the way the browser does on a tick (the guard,
the session check, the dispatch, the reads; both answer 204 when nothing is new). Three kinds,
after unmeasured warm-up ticks:

* feed and inbox: the session check reused from an earlier poll (the usual tick);
* feed, session check due: every poll checks its session in the database (as one tick in
  ``POLL_SESSION_SECONDS`` does).

Prints median and p95 of wall-clock and CPU time, and the machine's load average; asserts nothing
(the statements and round trips of a poll are counted in tests/dashboards/test_poll_cost.py).
From the repository root::

    .venv/bin/python -m benchmarks.poll [--repeat 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from amoscope.settings import Settings
from benchmarks.dashboards import (
    FEED,
    INBOX,
    SECRET_KEY,
    build_world,
    callback_body,
    drop_world,
    session_cookie,
)
from dashboards import create_app
from warehouse.database import create_engine


def poll_times(client, csrf: str, output: str, state, repeat: int) -> tuple[list[float], list[float]]:
    """Milliseconds per no-news poll of ``output`` with the browser's ``state``: wall-clock time,
    and this thread's CPU time (the app's own work; on a shared machine the wall clock also
    holds the time other processes had the CPU)."""
    times, cpu = [], []
    for tick in range(repeat):
        body = callback_body(output, tick, state)
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.post("/_dash-update-component", data=body, content_type="application/json",
                               headers={"X-CSRFToken": csrf})
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
        assert response.status_code == 204, (response.status_code, response.get_data(as_text=True)[:300])
    return times, cpu


def first_state(client, csrf: str, output: str):
    """What the browser holds after the callback's first answer (a feed cursor, the inbox's ids)."""
    response = client.post("/_dash-update-component", data=callback_body(output, 0, None),
                           content_type="application/json", headers={"X-CSRFToken": csrf})
    store = "feed-cursor" if output == FEED else "inbox-state"
    return response.get_json()["response"][store]["data"]


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):7.2f} {p95:7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500, help="measured polls per kind")
    repeat = parser.parse_args().repeat
    print("building the world (demo-scale AMO) …", flush=True)
    url, _path, sessions = build_world(1)
    engine = create_engine(url)
    try:
        archive = tempfile.mkdtemp(prefix="amoscope-poll-")
        settings = Settings.from_env({}, database_url=url, archive_url=archive, secret_key=SECRET_KEY)
        app = create_app(settings.dashboards, engine)
        key, csrf = sessions[0]
        client = app.test_client()
        client.set_cookie("amoscope_session", session_cookie(key, csrf).split("=", 1)[1])
        client.set_cookie("_csrf_token", csrf)
        states = {output: first_state(client, csrf, output) for output in (FEED, INBOX)}
        for output, state in states.items():
            poll_times(client, csrf, output, state, 20)  # warm-up: pool, prepared statements
        times = {output: poll_times(client, csrf, output, state, repeat) for output, state in states.items()}
        app.extensions["amoscope_auth"].poll_sessions.seconds = 0
        due = poll_times(client, csrf, FEED, states[FEED], repeat)
    finally:
        engine.dispose()
        drop_world(url)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nno-news poll, server time in ms ({repeat} polls each; load average {load})")
    print(f"{'callback':<28} {'p50':>7} {'p95':>7} {'CPU p50':>8} {'p95':>7}")
    kinds = (("feed", times[FEED]), ("inbox", times[INBOX]), ("feed, session check due", due))
    for name, (wall, cpu) in kinds:
        print(f"{name:<28} {summary(wall)} {summary(cpu):>16}")


if __name__ == "__main__":
    main()
