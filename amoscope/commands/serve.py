"""``amoscope serve``: the dashboards behind gunicorn (threaded workers), or Flask's server with --dev."""

from __future__ import annotations

import click
from gunicorn.app.base import BaseApplication

from amoscope.runtime import open_engine
from auth.errors import InsecureConfiguration
from dashboards import create_app


class _Gunicorn(BaseApplication):
    """Gunicorn configured from code: the app is built once and shared by the forked workers."""

    def __init__(self, wsgi_app, options: dict) -> None:
        self._wsgi_app = wsgi_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._wsgi_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker.")
@click.option("--dev", is_flag=True, help="Flask's development server in one process (never in production).")
@click.pass_obj
def serve(settings, host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Serve the dashboards and the login pages."""
    engine = open_engine(settings, pool_size=threads)
    try:
        app = create_app(settings.dashboards, engine)
    except InsecureConfiguration as error:
        raise click.ClickException(str(error)) from None
    if dev:
        app.run(host=host, port=port, debug=False, threaded=True)
        return
    # Forked workers must not share the parent's database connections.
    engine.dispose(close=False)
    _Gunicorn(app, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                    "worker_class": "gthread", "accesslog": "-", "timeout": 60}).run()
