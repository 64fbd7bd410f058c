"""The app factory: a Flask server with authentication, the guard, and Dash mounted on it."""

from __future__ import annotations

from pathlib import Path

import flask
from sqlalchemy.engine import Engine

import auth.web
from dashboards import cockpit_config, delivery, guard, shell
from dashboards.bundles import LeanDash
from dashboards.context import EXTENSION, AppContext
from dashboards.routes import page_modules
from dashboards.settings import DashboardsSettings
from warehouse.clock import WALL_CLOCK, Clock
from warehouse.database import create_engine
from warehouse.settings import require

ASSETS = Path(__file__).parent / "assets"


def create_app(settings: DashboardsSettings, engine: Engine | None = None, *,
               clock: Clock = WALL_CLOCK) -> flask.Flask:
    """The WSGI app: login pages, the deny-by-default guard and every page of the routing table.

    ``clock`` is what the figures call now: the wall clock, or the demo's simulated clock.

    Raises :class:`auth.errors.InsecureConfiguration` when the secret key is weak outside the demo.
    """
    require(settings, DashboardsSettings, "create_app")
    cockpit_config.load(settings.cockpit_config)  # a wrong file is refused now, not on first render
    engine = engine or create_engine(settings.warehouse.database_url)
    server = flask.Flask(__name__)
    server.extensions[EXTENSION] = AppContext(engine=engine, settings=settings, clock=clock)
    auth.web.init_app(server, settings.auth, engine,
                      stylesheets=("/assets/bootstrap.min.css", "/assets/shell.css"),
                      script="/assets/shell.js", static_prefixes=delivery.STATIC_PREFIXES)
    app = LeanDash(
        __name__, server=server, url_base_pathname="/", assets_folder=str(ASSETS),
        title="AMOscope", update_title=None, suppress_callback_exceptions=True, serve_locally=True,
        compress=False, enable_mcp=False, websocket_callbacks=False, health_endpoint=None,
    )
    app.layout = shell.layout
    shell.register_callbacks(app)
    for module in page_modules():
        module.register_callbacks(app)
    guard.init_app(server, app)
    delivery.init_app(server)
    auth.web.set_script_hashes(server, list(app.csp_hashes()))
    server.extensions["dash_app"] = app
    return server
