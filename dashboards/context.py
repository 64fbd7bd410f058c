"""Per-request access for page callbacks: the engine, the settings and the signed-in user.

Scope always comes from here (the session), never from callback inputs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import flask
from flask_login import current_user
from sqlalchemy.engine import Engine

from auth.actors import Actor
from auth.web_sessions import request_context
from dashboards.settings import DashboardsSettings
from warehouse import Warehouse
from warehouse.clock import WALL_CLOCK, Clock
from warehouse.database import autocommit

EXTENSION = "amoscope_dashboards"
WAREHOUSE = "amoscope_warehouse"
_warehouse_lock = threading.Lock()


@dataclass(frozen=True)
class AppContext:
    """What ``create_app`` gives every page: one engine, the settings and the clock ("now")."""

    engine: Engine
    settings: DashboardsSettings
    clock: Clock = WALL_CLOCK

    @cached_property
    def reader(self) -> Engine:
        """The engine's pool without transactions (:func:`warehouse.database.autocommit`)."""
        return autocommit(self.engine)


def app_context() -> AppContext:
    return flask.current_app.extensions[EXTENSION]


def engine() -> Engine:
    return app_context().engine


def reader() -> Engine:
    """For reads that need no transaction (the live panel's polls): no BEGIN, no ROLLBACK."""
    return app_context().reader


def warehouse() -> Warehouse:
    """The warehouse read for the signed-in user's AMO: every page's warehouse read (lists,
    history, KPIs, exports, the console) goes through it, so none filters by AMO itself."""
    return shared_warehouse().for_amo(user().amo_id)


def shared_warehouse() -> Warehouse:
    """The app's one Warehouse (DuckDB connection, manifest cache), opened on first use, unscoped.

    Opened lazily so an app whose pages never read the archive does not need one. Pages use
    :func:`warehouse`; only a superuser's explicit all-AMO console query reads this one.
    """
    extensions = flask.current_app.extensions
    with _warehouse_lock:
        if WAREHOUSE not in extensions:
            context = app_context()
            extensions[WAREHOUSE] = Warehouse(context.settings.warehouse, engine(), clock=context.clock)
        return extensions[WAREHOUSE]


def user():
    """The signed-in user of this request (the guard has already refused anonymous requests)."""
    if not current_user.is_authenticated:
        flask.abort(401)
    return current_user


def actor() -> Actor:
    """The signed-in user as the actor of command-center actions."""
    return Actor.from_session(user().session, request_context(), app_context().settings.auth.base_url)
