"""``amoscope demo``: the whole system in one process on an embedded SQLite database."""

from __future__ import annotations

import signal
import threading

import click
from werkzeug.serving import make_server

from amoscope.demo import login_table, prepare, start_background
from amoscope.runtime import check_archive_writable, open_engine
from dashboards import create_app
from simulator import resume_point
from warehouse.clock import WALL_CLOCK, SimulatedClock

DEMO_CACHE_DIR = "var/cache"


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the dashboards on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--days-per-minute", type=click.FloatRange(min=0),
              help="Speed of the live simulator's clock in simulated days per real minute (0: no "
                   "simulator; default: AMOSCOPE_SIMULATOR_DAYS_PER_MINUTE).")
@click.pass_obj
def demo(settings, host: str, port: int, days_per_minute: float | None) -> None:
    """Migrate, seed (when empty), archive, then serve the dashboards with live activity.

    Uses AMOSCOPE_DATABASE_URL and AMOSCOPE_ARCHIVE_URL (default: ./var) and keeps the
    warehouse's event cache in ./var/cache unless AMOSCOPE_WAREHOUSE_CACHE_DIR says otherwise,
    so record timelines are fast as in a deployment. Ctrl-C stops it.
    """
    settings = settings.replace(demo=True, warehouse_cache_dir=settings.warehouse_cache_dir or DEMO_CACHE_DIR)
    check_archive_writable(settings)
    engine = open_engine(settings, pool_size=10)
    logins = prepare(settings, engine, click.echo)
    speed = settings.simulator.simulator_days_per_minute if days_per_minute is None else days_per_minute
    # the dashboards read the AMO on the simulator's clock, so "overdue" means overdue then
    clock = SimulatedClock(resume_point(engine), speed=speed * 24 * 60) if speed > 0 else None
    app = create_app(settings.dashboards, engine, clock=clock or WALL_CLOCK)
    server = make_server(host, port, app, threaded=True)
    stop = threading.Event()
    threads = start_background(settings, engine, stop, clock=clock)

    def shut_down(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    click.echo(f"\nAMOscope demo at http://{host}:{port}/login  (Ctrl-C stops it)\n")
    click.echo("Demo logins (new passwords at every start):")
    click.echo(login_table(logins) + "\n", nl=True)
    server.serve_forever()
    for thread in threads:
        thread.join(timeout=30)
    engine.dispose()
    click.echo("demo stopped")
