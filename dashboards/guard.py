"""The deny-by-default guard every request passes before Flask or Dash handles it.

* Public: the login pages, static files of Dash and of the app, and the health check.
* Dash callbacks: signed in, a body that parses (else 400), the callback's output id in the
  policy table for the user's role (``auth.policy.CALLBACKS``; anything else, including garbled
  ids, is 403), and a body that fits the callback's declaration (:mod:`dashboards.dispatch`;
  else 422).
* The user's own preferences (``POST /preferences/theme``): signed in (else 401).
* Pages: signed in (else a redirect to login); a link of an earlier form is redirected to its
  route; otherwise the shell is served with the status of :func:`dashboards.routes.resolve`
  (404 unknown, 403 refused, each drawn inside the shell by the router).
* Dash's dev-tool routes are not served at all, nor the full plotly.js bundle (pages use the
  partial one of :mod:`dashboards.bundles`).

Refusals are audited as AUTHZ_DENIED, malformed input as INPUT_REJECTED.
"""

from __future__ import annotations

import flask
from dash import Dash
from dash.exceptions import DependencyException
from flask_login import current_user

from auth.edge import BadInput
from auth.policy import may_call
from auth.preferences import THEME_PATH
from auth.redirects import login_url
from auth.sessions import end_reason
from auth.views import landing_path
from auth.web import error_response, refuse_input
from auth.web_sessions import DASH_DISPATCH_PATH, request_context
from dashboards import dispatch
from dashboards.bundles import FULL_PLOTLY_PATH
from dashboards.context import engine
from dashboards.paths import PREFIX
from dashboards.routes import legacy_target, resolve
from warehouse.events import record_audit

PUBLIC_ENDPOINTS = frozenset({"auth.login_form", "auth.login_submit", "auth.logout", "auth.forgot_form",
                              "auth.forgot_submit", "auth.reset", "healthz", "static"})
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
DISABLED_PATHS = ("/_reload-hash", "/_mcp", "/_alive_", FULL_PLOTLY_PATH)
# Open to any signed-in user: Dash's own, and the user's preferences (auth.preferences).
SIGNED_IN_PATHS = frozenset({"/_dash-layout", "/_dash-dependencies", THEME_PATH})


def init_app(server: flask.Flask, app: Dash) -> None:
    """Install the guard and the health check on ``server``."""
    server.add_url_rule("/healthz", "healthz", lambda: ("ok", 200, {"Content-Type": "text/plain"}))
    server.before_request(check_request)
    server.after_request(set_page_status)
    # Dash refuses a component-suite path it never registered with this exception: a 404.
    server.register_error_handler(DependencyException, lambda _error: error_response(404))


def check_request():
    path = flask.request.path
    if path.startswith(DISABLED_PATHS):
        return error_response(404)
    if flask.request.endpoint in PUBLIC_ENDPOINTS or path.startswith(PUBLIC_PREFIXES):
        return None
    if not current_user.is_authenticated:
        if path.startswith("/_dash"):
            return _signed_out()
        if flask.request.method != "GET":
            return error_response(401)
        return flask.redirect(login_url(path, flask.request.query_string))
    if path == DASH_DISPATCH_PATH:
        return _check_callback()
    if path in SIGNED_IN_PATHS:
        return None
    if path == "/":
        return flask.redirect(landing_path(current_user))
    return _check_page(path)


SIGNED_OUT_MESSAGES = {
    "REVOKED": "Your session was ended by an administrator, or your password was changed.",
    "DISABLED": "Your account has been disabled.",
    "IDLE": "You were signed out after a while without activity.",
    "ABSOLUTE": "Your session reached its time limit.",
    "LOGOUT": "You signed out, perhaps in another tab.",
}
SIGNED_OUT_DEFAULT = "Your session has ended."


def _signed_out():
    """401 for a Dash request with no live session, saying why (the page shows it in a modal)."""
    response = error_response(401)
    key = flask.session.get("_user_id")
    reason = None
    if isinstance(key, str):
        with engine().connect() as connection:
            reason = end_reason(connection, key)
    payload = response.get_json()
    payload.update(signed_out=reason or "UNKNOWN",
                   message=SIGNED_OUT_MESSAGES.get(reason, SIGNED_OUT_DEFAULT))
    response.set_data(flask.json.dumps(payload))
    return response


def _check_callback():
    """Readable JSON (400), a callback the role may call (403), a body that fits it (422)."""
    try:
        body = dispatch.parse(flask.request.get_data(cache=True))
    except BadInput as bad:
        return refuse_input(bad)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str) or not may_call(current_user.role, output):
        return _deny(f"callback {str(output)[:200]!r}")
    problem = dispatch.problem(flask.current_app.extensions["dash_app"].callback_map, body)
    if problem:
        return refuse_input(problem, f" {output}")
    return None


def _check_page(path: str):
    """Page loads: an earlier link form is redirected; otherwise the shell is served with the
    status :func:`dashboards.routes.resolve` gives (the router draws the same answer inside it)."""
    if flask.request.method != "GET" or not path.startswith(PREFIX):
        return error_response(404)
    target = legacy_target(path, flask.request.args)
    if target is not None:
        return flask.redirect(target)
    with engine().connect() as connection:
        status = resolve(connection, current_user, path).status
    if status == 403:
        _audit_denial(f"page {path}")
    flask.g.page_status = status
    return None


def set_page_status(response: flask.Response) -> flask.Response:
    """The shell of a refused or unknown page answers 403 or 404, not 200."""
    status = flask.g.get("page_status", 200)
    if status != 200 and response.status_code == 200:
        response.status_code = status
    return response


def _deny(what: str):
    _audit_denial(what)
    return error_response(403)


def _audit_denial(what: str) -> None:
    user = current_user
    with engine().begin() as connection:
        record_audit(connection, request_context(), "AUTHZ_DENIED", amo_id=user.amo_id, outcome="DENIED",
                     department_id=user.department_id, reason=f"{user.role} may not use {what}")
