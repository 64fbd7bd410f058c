"""Flask-Login wired to the server-side sessions of :mod:`auth.sessions`.

The signed Flask cookie carries only the random session key (as Flask-Login's user id) and
the CSRF token; every request looks the key up in ``user_sessions``. Dash interval polling is
not user activity: a callback fired only by ``dcc.Interval`` ticks does not move the idle
clock, so an unattended dashboard still times out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import flask
from flask_login import LoginManager, UserMixin, current_user

from auth.edge import MAX_BODY_BYTES, storable
from auth.sessions import SessionUser, load_session
from warehouse.events import RequestContext

DASH_DISPATCH_PATH = "/_dash-update-component"


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """Flask-Login's view of a live session: ``get_id`` is the session key, not the user id."""

    session: SessionUser

    def get_id(self) -> str:
        return self.session.session_key

    def __getattr__(self, name: str):
        return getattr(self.session, name)


def init_login_manager(server: flask.Flask, engine, *, idle: timedelta, absolute: timedelta) -> LoginManager:
    """Install Flask-Login on ``server`` with a loader that checks the session row every request."""
    manager = LoginManager()
    manager.session_protection = None  # our server-side session check is stronger
    manager.init_app(server)

    @manager.user_loader
    def load_user(session_key: str) -> SignedInUser | None:
        with engine.begin() as connection:
            user = load_session(connection, session_key, idle=idle, absolute=absolute,
                                touch=not is_background_poll(flask.request))
        return SignedInUser(user) if user else None

    return manager


def is_background_poll(request: flask.Request) -> bool:
    """True for a Dash callback triggered only by ``dcc.Interval`` ticks (not user activity)."""
    if request.path != DASH_DISPATCH_PATH or request.method != "POST":
        return False
    if request.content_length is None or request.content_length > MAX_BODY_BYTES:
        return False  # refused by the edge check; reading it would fail here
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except (ValueError, RecursionError):
        return False
    changed = body.get("changedPropIds") if isinstance(body, dict) else None
    if not isinstance(changed, list):
        return False
    return bool(changed) and all(str(prop).endswith(".n_intervals") for prop in changed)


def request_context() -> RequestContext:
    """Who acts and from where, for audit rows written during this request."""
    user = current_user if current_user and current_user.is_authenticated else None
    return RequestContext(
        actor_user_id=user.user_id if user else None,
        actor_role=user.role if user else None,
        auth_method="SESSION" if user else "ANONYMOUS",
        session_id=str(user.session_id) if user else None,
        request_id=flask.g.get("request_id"),
        ip=flask.request.remote_addr,
        user_agent=storable(flask.request.user_agent.string or "")[:512],
    )
