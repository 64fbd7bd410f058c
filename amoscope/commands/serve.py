"""``amoscope serve``: the dashboards behind gunicorn (threaded workers), or Flask's server with --dev."""

from __future__ import annotations

import click

from amoscope import web_server
from amoscope.runtime import open_engine
from auth.errors import InsecureConfiguration
from dashboards import create_app, warm_up


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="One log line per request on stdout.")
@click.option("--dev", is_flag=True, help="Flask's development server in one process (never in production).")
@click.pass_obj
def serve(settings, host: str, port: int, workers: int, threads: int, access_log: bool, dev: bool) -> None:
    """Serve the dashboards and the login pages."""
    engine = open_engine(settings, pool_size=threads)
    try:
        app = create_app(settings.dashboards, engine)
    except InsecureConfiguration as error:
        raise click.ClickException(str(error)) from None
    if dev:
        app.run(host=host, port=port, debug=False, threaded=True)
        return
    try:
        listener = web_server.claim_listener(host, port)
    except web_server.PortInUse as error:
        raise click.ClickException(str(error)) from None
    # Forked workers must not share the parent's database connections.
    engine.dispose(close=False)
    web_server.run(app, bind=f"fd://{listener.fileno()}", workers=workers, threads=threads,
                   access_log=access_log, on_worker_ready=lambda: warm_up.start(app))
