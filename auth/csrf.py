"""CSRF protection for every state-changing request, Dash callbacks included.

The token lives in the session. Forms send it as the ``csrf_token`` field; Dash's renderer
reads the ``_csrf_token`` cookie and sends it back in the ``X-CSRFToken`` header. A request
is refused when the token is missing or wrong, when the browser says it is cross-site
(``Sec-Fetch-Site``) or the ``Origin`` is foreign, and a Dash dispatch must be JSON.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import flask

SESSION_KEY = "csrf"
COOKIE_NAME = "_csrf_token"
HEADER_NAME = "X-CSRFToken"
FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    token = flask.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        flask.session[SESSION_KEY] = token
    return token


def rotate_token() -> str:
    """A new token, at login, so a token planted before login is worthless."""
    flask.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return flask.session[SESSION_KEY]


def refusal_reason(request: flask.Request) -> str | None:
    """Why this request must be refused as a possible CSRF, or None when it may proceed."""
    if request.method in SAFE_METHODS:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site and fetch_site not in {"same-origin", "none"}:
        return f"cross-site request (Sec-Fetch-Site: {fetch_site})"
    origin = request.headers.get("Origin")
    if origin and origin != "null" and _origin(origin) != _origin(request.host_url):
        return "foreign Origin"
    if origin == "null":
        return "opaque Origin"
    if request.path.endswith("/_dash-update-component") and not request.is_json:
        return "a Dash callback must be sent as application/json"
    expected = flask.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER_NAME) or request.form.get(FORM_FIELD)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    if not expected or not sent or not hmac.compare_digest(str(sent).encode(), str(expected).encode()):
        return "missing or wrong CSRF token"
    return None


def set_cookie(response: flask.Response, *, secure: bool) -> flask.Response:
    """Mirror the session's token into the cookie Dash's renderer reads (not HttpOnly by design)."""
    token = flask.session.get(SESSION_KEY)
    if token and flask.request.cookies.get(COOKIE_NAME) != token:
        response.set_cookie(COOKIE_NAME, token, secure=secure, httponly=False, samesite="Strict", path="/")
    return response


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
