"""``amoscope demo``: the whole system in one process on an embedded SQLite database."""

from __future__ import annotations

import signal
import threading

import click
from werkzeug.serving import make_server

from amoscope.demo import login_table, prepare, start_background
from amoscope.runtime import check_archive_writable, open_engine
from dashboards import create_app

DEMO_CACHE_DIR = "var/cache"


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the dashboards on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--simulate-rate", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Live changes per second from the simulator (0: none).")
@click.pass_obj
def demo(settings, host: str, port: int, simulate_rate: float) -> None:
    """Migrate, seed (when empty), archive, then serve the dashboards with live activity.

    Uses AMOSCOPE_DATABASE_URL and AMOSCOPE_ARCHIVE_URL (default: ./var) and keeps the
    warehouse's event cache in ./var/cache unless AMOSCOPE_WAREHOUSE_CACHE_DIR says otherwise,
    so record timelines are fast as in a deployment. Ctrl-C stops it.
    """
    settings = settings.replace(demo=True, warehouse_cache_dir=settings.warehouse_cache_dir or DEMO_CACHE_DIR)
    check_archive_writable(settings)
    engine = open_engine(settings, pool_size=10)
    logins = prepare(settings, engine, click.echo)
    app = create_app(settings.dashboards, engine)
    server = make_server(host, port, app, threaded=True)
    stop = threading.Event()
    threads = start_background(settings, engine, stop, simulate_rate=simulate_rate)

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
