"""``amoscope demo``: the whole system on an embedded SQLite database, served by gunicorn."""

from __future__ import annotations

import logging
import os
import threading

import click

from amoscope import web_server
from amoscope.demo import DEMO_FOLDER, greeting, prepare, start_background, write_logins_file
from amoscope.runtime import check_archive_writable, open_engine
from dashboards import create_app, warm_up
from simulator import resume_point
from warehouse.clock import WALL_CLOCK, SimulatedClock

DEMO_CACHE_DIR = str(DEMO_FOLDER / "cache")
# The demo's logins are random 96-bit passwords, issued anew at every start: the lighter of the
# two OWASP-compliant argon2id profiles makes the eleven of them in a second instead of seven.
DEMO_HASH_COST = "owasp-minimum"
THREADS = 8


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the dashboards on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--days-per-minute", type=click.FloatRange(min=0),
              help="Speed of the live simulator's clock in simulated days per real minute (0: no "
                   "simulator; default: AMOSCOPE_SIMULATOR_DAYS_PER_MINUTE).")
@click.option("--verbose", is_flag=True, help="Log every request and the background work (INFO).")
@click.pass_obj
def demo(settings, host: str, port: int, days_per_minute: float | None, verbose: bool) -> None:
    """Migrate, seed (when empty), archive, then serve the dashboards with live activity.

    Uses AMOSCOPE_DATABASE_URL and AMOSCOPE_ARCHIVE_URL (default: ./var) and keeps the
    warehouse's event cache in ./var/cache unless AMOSCOPE_WAREHOUSE_CACHE_DIR says otherwise,
    so record timelines are fast as in a deployment. The logins are printed last and written to
    ./var/demo-logins.txt. Ctrl-C stops it.
    """
    try:  # before the slow part: a busy port fails at once
        listener = web_server.claim_listener(host, port)
    except web_server.PortInUse as error:
        raise click.ClickException(str(error)) from None
    if not verbose:
        logging.getLogger().setLevel(logging.WARNING)
    settings = settings.replace(demo=True, warehouse_cache_dir=settings.warehouse_cache_dir or DEMO_CACHE_DIR)
    if "AMOSCOPE_PASSWORD_HASH_PROFILE" not in os.environ:
        settings = settings.replace(password_hash_profile=DEMO_HASH_COST)
    check_archive_writable(settings)
    engine = open_engine(settings, pool_size=THREADS + 2)
    logins = prepare(settings, engine, click.echo)
    speed = settings.simulator.simulator_days_per_minute if days_per_minute is None else days_per_minute
    # the dashboards read the AMO on the simulator's clock, so "overdue" means overdue then
    clock = SimulatedClock(resume_point(engine), speed=speed * 24 * 60) if speed > 0 else None
    app = create_app(settings.dashboards, engine, clock=clock or WALL_CLOCK)
    url = f"http://{host}:{port}/login"
    logins_file = write_logins_file(logins, url)
    engine.dispose(close=False)  # the worker process opens its own connections
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def worker_ready() -> None:
        threads.extend(start_background(settings, engine, stop, clock=clock))
        warm_up.start(app)
        click.echo(greeting(url, logins, logins_file))

    def worker_exit() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        engine.dispose()

    web_server.run(app, bind=f"fd://{listener.fileno()}", workers=1, threads=THREADS, access_log=verbose,
                   quiet=not verbose, on_worker_ready=worker_ready, on_worker_exit=worker_exit)
    click.echo("demo stopped")
