"""Flask-Login wired to the server-side sessions of :mod:`auth.sessions`.

The signed Flask cookie carries only the random session key (as Flask-Login's user id) and
the CSRF token; every request looks the key up in ``user_sessions``. Dash interval polling is
not user activity: a callback fired only by ``dcc.Interval`` ticks does not move the idle
clock, so an unattended dashboard still times out.

A background poll may use a check of the same session made at most
:data:`POLL_SESSION_SECONDS` ago in this process (:class:`PollSessionCache`): an open tab polls
every few seconds, and the check would otherwise be a round trip of every poll. So a revoked,
disabled or expired session keeps its polls answered for at most that long; anything a user
does (a page, a click, a form) is always checked against the database (docs/security.md).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import flask
from flask_login import LoginManager, UserMixin, current_user

from auth.edge import MAX_BODY_BYTES, storable
from auth.sessions import SessionUser, load_session
from warehouse.database import autocommit
from warehouse.events import RequestContext

DASH_DISPATCH_PATH = "/_dash-update-component"
POLL_SESSION_SECONDS = 5.0


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """Flask-Login's view of a live session: ``get_id`` is the session key, not the user id."""

    session: SessionUser

    def get_id(self) -> str:
        return self.session.session_key

    def __getattr__(self, name: str):
        return getattr(self.session, name)


class PollSessionCache:
    """Session checks that background polls may reuse for ``seconds`` (per process, bounded).

    Only a live session is kept, keyed by its session key; a check that finds the session ended
    drops it at once. ``clock`` is monotonic seconds.
    """

    def __init__(self, seconds: float = POLL_SESSION_SECONDS, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.max_entries, self.clock = seconds, max_entries, clock
        self._checked: dict[str, tuple[float, SessionUser]] = {}
        self._lock = threading.Lock()

    def get(self, session_key: str) -> SessionUser | None:
        """The session as a check found it less than ``seconds`` ago, or None."""
        with self._lock:
            entry = self._checked.get(session_key)
        if entry is None or self.clock() - entry[0] >= self.seconds:
            return None
        return entry[1]

    def put(self, session_key: str, user: SessionUser | None) -> None:
        """Remember a check that just found ``user`` (None: the session has ended, forget it)."""
        with self._lock:
            self._checked.pop(session_key, None)
            if user is None:
                return
            while len(self._checked) >= self.max_entries:  # the oldest check goes first
                del self._checked[next(iter(self._checked))]
            self._checked[session_key] = (self.clock(), user)


def init_login_manager(server: flask.Flask, engine, *, idle: timedelta, absolute: timedelta,
                       poll_sessions: PollSessionCache) -> LoginManager:
    """Install Flask-Login on ``server`` with a loader that checks the session row every request
    (a background poll: at most every ``poll_sessions.seconds``)."""
    manager = LoginManager()
    manager.session_protection = None  # our server-side session check is stronger
    manager.init_app(server)
    reader = autocommit(engine)  # one statement (two when it touches or ends the session)

    @manager.user_loader
    def load_user(session_key: str) -> SignedInUser | None:
        poll = is_background_poll(flask.request)
        user = poll_sessions.get(session_key) if poll else None
        if user is None:
            with reader.connect() as connection:
                user = load_session(connection, session_key, idle=idle, absolute=absolute, touch=not poll)
            poll_sessions.put(session_key, user)
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
