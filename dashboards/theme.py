"""Which theme a request is drawn in, for what the server draws itself (the charts' template).

The browser decides (``assets/shell.js``): the user's choice, kept in the ``amoscope_theme``
cookie for a year and for the account (set again at each login, :mod:`auth.preferences`), or
else the system's ``prefers-color-scheme``. It writes the theme in use to
the ``amoscope_theme_now`` cookie each time it applies one, so a callback draws charts in the
theme of the page that asked; charts already drawn are repainted in the browser on a switch.
"""

from __future__ import annotations

import flask

from auth.preferences import THEME_COOKIE, THEMES

IN_USE_COOKIE = "amoscope_theme_now"


def current_theme() -> str:
    """"light" or "dark": the theme of the page this request comes from (light outside a request)."""
    if not flask.has_request_context():
        return "light"
    cookies = flask.request.cookies
    for name in (IN_USE_COOKIE, THEME_COOKIE):
        if cookies.get(name) in THEMES:
            return cookies[name]
    return "light"
