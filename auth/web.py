"""Installs authentication on a Flask server: secret key, cookies, client IP, sessions, CSRF,
security headers, the login pages and generic error pages.

The client IP comes from Werkzeug's ProxyFix with exactly ``AMOSCOPE_TRUSTED_PROXY_COUNT``
trusted hops, applied as WSGI middleware before any of our code runs; rate limits only read
``request.remote_addr``.
"""

from __future__ import annotations

import html
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import flask
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from auth import csrf, edge, preferences
from auth.default_accounts import refuse_default_credentials
from auth.headers import apply_security_headers, content_security_policy
from auth.passwords import hasher
from auth.secret_key import resolve_secret_key
from auth.settings import AuthSettings
from auth.views import blueprint
from auth.web_sessions import PollSessionCache, init_login_manager, request_context
from warehouse.events import record_audit
from warehouse.settings import require

log = logging.getLogger(__name__)
SESSION_COOKIE_SECURE_NAME = "__Host-amoscope"
SESSION_COOKIE_NAME = "amoscope_session"
# The signed session cookie is re-issued at most this often (on a page load), not on every
# response: a response that sets a cookie cannot be shared by caches and varies per request.
COOKIE_REFRESH_SECONDS = 3600
COOKIE_ISSUED_KEY = "issued"


@dataclass
class AuthConfig:
    """What the auth views need at request time (``server.extensions["amoscope_auth"]``)."""

    engine: Engine
    base_url: str
    password_profile: str
    secure_cookies: bool
    stylesheets: tuple[str, ...]
    csp: str
    static_prefixes: tuple[str, ...] = ()
    script: str | None = None
    poll_sessions: PollSessionCache = field(default_factory=PollSessionCache)


def init_app(server: flask.Flask, settings: AuthSettings, engine: Engine, *,
             stylesheets: tuple[str, ...] = (), script: str | None = None,
             static_prefixes: tuple[str, ...] = ()) -> None:
    """Configure ``server``; raises :class:`auth.errors.InsecureConfiguration` on a weak secret key
    or an account with a well-known default password.

    The login pages link ``stylesheets`` and ``script`` (the app's look and theme). Responses
    under ``static_prefixes`` (public files) never read the session, so they carry no
    cookie and no ``Vary: Cookie`` and may be cached like any static file.
    """
    require(settings, AuthSettings, "auth.web.init_app")
    hasher(settings.password_hash_profile)  # an unknown profile fails at start, not at first login
    with engine.connect() as connection:
        refuse_default_credentials(connection)
    secure = settings.base_url.lower().startswith("https://")
    server.config.update(
        SECRET_KEY=resolve_secret_key(settings.secret_key, demo=settings.demo),
        SESSION_COOKIE_NAME=SESSION_COOKIE_SECURE_NAME if secure else SESSION_COOKIE_NAME,
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_DOMAIN=None,
        MAX_CONTENT_LENGTH=edge.MAX_BODY_BYTES,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_absolute_hours),
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    if settings.trusted_proxy_count:
        count = settings.trusted_proxy_count
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0)
    server.extensions["amoscope_auth"] = AuthConfig(
        engine=engine, base_url=settings.base_url, password_profile=settings.password_hash_profile,
        secure_cookies=secure, stylesheets=tuple(stylesheets), csp=content_security_policy([]),
        static_prefixes=tuple(static_prefixes), script=script,
    )
    init_login_manager(server, engine, idle=timedelta(minutes=settings.session_idle_minutes),
                       absolute=timedelta(hours=settings.session_absolute_hours),
                       poll_sessions=server.extensions["amoscope_auth"].poll_sessions)
    server.session_interface = _SessionInterface(tuple(static_prefixes))
    server.register_blueprint(blueprint)
    server.register_blueprint(preferences.blueprint)
    server.before_request(_start_request)
    server.after_request(_finish_response)
    for status in (400, 401, 403, 404, 405, 413, 422, 429, 500):
        server.register_error_handler(status, _error_page)
    server.register_error_handler(edge.BadInput, refuse_input)  # a handler's refusal of what was sent
    server.register_error_handler(Exception, _unexpected_error)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, never saved on a static file's response.

    Flask-Login reads the session after every request, and a read alone adds ``Vary: Cookie``.
    """

    def __init__(self, static_prefixes: tuple[str, ...]) -> None:
        self.static_prefixes = static_prefixes

    def save_session(self, app, session, response) -> None:
        if flask.request.path.startswith(self.static_prefixes):
            return
        super().save_session(app, session, response)


def set_script_hashes(server: flask.Flask, script_hashes: list[str]) -> None:
    """Allow the inline scripts Dash needs (their hashes) in the CSP."""
    server.extensions["amoscope_auth"].csp = content_security_policy(script_hashes)


def _start_request():
    flask.g.request_id = uuid.uuid4().hex
    problem = edge.request_problem(flask.request)
    if problem:
        return refuse_input(problem)
    reason = csrf.refusal_reason(flask.request)
    if reason:
        log.warning("refused %s %s: %s", flask.request.method, flask.request.path, reason)
        with flask.current_app.extensions["amoscope_auth"].engine.begin() as connection:
            record_audit(connection, request_context(), "AUTHZ_DENIED", amo_id=None, outcome="DENIED",
                         reason=f"CSRF check failed on {flask.request.method} {flask.request.path}: {reason}")
        flask.abort(403)
    return None


def _finish_response(response: flask.Response) -> flask.Response:
    config = flask.current_app.extensions["amoscope_auth"]
    response.headers["X-Request-Id"] = flask.g.get("request_id", "")
    if flask.request.path.startswith(config.static_prefixes):
        return apply_security_headers(response, config.csp, authenticated=False)
    csrf.set_cookie(response, secure=config.secure_cookies)
    _refresh_cookie_when_due()
    authenticated = ("_user_id" in flask.session
                     or flask.request.path.startswith(("/login", "/reset", "/forgot")))
    return apply_security_headers(response, config.csp, authenticated=authenticated)


def refuse_input(problem: edge.BadInput, what: str = "") -> flask.Response:
    """Answer a malformed request with its 4xx and the reason, audited as INPUT_REJECTED."""
    request = flask.request
    reason = edge.storable(f"{problem} ({request.method} {request.path}{what})")[:1000]
    log.warning("refused input: %s", reason)
    context = request_context()
    user = current_user if context.actor_user_id is not None else None
    with flask.current_app.extensions["amoscope_auth"].engine.begin() as connection:
        record_audit(connection, context, "INPUT_REJECTED", amo_id=user.amo_id if user else None,
                     department_id=user.department_id if user else None, outcome="DENIED", reason=reason)
    return error_response(problem.status, str(problem))


def _refresh_cookie_when_due() -> None:
    """Re-issue the session cookie (new expiry, current key) on a page load once it is an hour old.

    Only a top-level GET of a signed-in user counts: never a callback, a poll or a file.
    """
    request = flask.request
    if request.method != "GET" or request.path.startswith("/_dash") or "_user_id" not in flask.session:
        return
    now = int(time.time())
    issued = flask.session.get(COOKIE_ISSUED_KEY)
    if not isinstance(issued, int) or now - issued >= COOKIE_REFRESH_SECONDS:
        flask.session[COOKIE_ISSUED_KEY] = now


_MESSAGES = {
    400: "The request was not understood.", 401: "Please sign in.", 403: "You do not have access to this.",
    404: "There is nothing here.", 405: "That method is not allowed here.",
    413: "The request is too large.", 422: "The request is not what this address takes.",
    429: "Too many requests. Please wait and try again.", 500: "Something went wrong on our side.",
    503: "The connection to the database was lost and is being restored. Please try again.",
}


def _error_page(error):
    status = getattr(error, "code", 500) or 500
    return error_response(status)


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return error_response(error.code or 500)
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        # The server dropped a pooled connection (restart, failover, terminated backend): the
        # pool has let go of its older connections, so the next request opens new ones.
        log.warning("database connection lost (request %s): %s", flask.g.get("request_id"),
                    str(error.orig).strip().splitlines()[0] if error.orig else error)
        response = error_response(503)
        response.headers["Retry-After"] = "1"
        return response
    log.exception("unhandled error (request %s)", flask.g.get("request_id"))
    return error_response(500)


def error_response(status: int, message: str | None = None) -> flask.Response:
    """A generic error page (or JSON for Dash) with the request id to quote; never a traceback.

    ``message`` replaces the generic text when it says what was wrong with the request (it is
    escaped: it may quote what the client sent).
    """
    message = message or _MESSAGES.get(status, _MESSAGES[500])
    request_id = flask.g.get("request_id", "")
    if flask.request.path.startswith("/_dash") or flask.request.is_json:
        response = flask.jsonify(error=message, request_id=request_id)
    else:
        response = flask.make_response(
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{status}</title></head>"
            f"<body><h1>{status}</h1><p>{html.escape(message)}</p><p>Reference: {request_id}</p>"
            "<p><a href='/'>Home</a></p></body></html>")
    response.status_code = status
    return response
