"""What a user chose for the app's look, kept per account so it follows them to any browser.

Today that is the theme: ``light`` or ``dark``, or no choice (the system's
``prefers-color-scheme`` decides). The browser keeps the choice in the ``amoscope_theme``
cookie, which the pages' script reads (``dashboards/assets/shell.js``); this module keeps it on
the server too:

* ``POST /preferences/theme`` with ``{"theme": "dark"}`` (JSON, or the form field ``theme``)
  stores the signed-in user's choice: 204, or 400 saying which values are allowed. It is a
  state-changing request like any other, so it needs the CSRF token (``auth.csrf``); the
  dashboards' guard lets signed-in users alone reach it.
* :func:`apply_at_login` sets the cookie from the stored choice when a user signs in, and
  clears it when they never chose, so a choice made in one browser is the theme of the next,
  and a shared browser does not pass one user's choice on to another.
"""

from __future__ import annotations

import flask
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.engine import Connection

from auth.edge import BadInput
from warehouse.schema import user_preferences

THEMES = ("light", "dark")
THEME_COOKIE = "amoscope_theme"
THEME_PATH = "/preferences/theme"
COOKIE_SECONDS = 365 * 24 * 3600

blueprint = flask.Blueprint("preferences", __name__)


def theme_of(connection: Connection, user_id: int) -> str | None:
    """The theme ``user_id`` chose, or None when they never chose one."""
    return connection.execute(sa.select(user_preferences.c.theme)
                              .where(user_preferences.c.user_id == user_id)).scalar_one_or_none()


def save_theme(connection: Connection, user_id: int, theme: str) -> None:
    """Remember ``theme`` for ``user_id`` (one row per user, replaced on every choice)."""
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}")
    values = {"theme": theme, "updated_at": sa.func.current_timestamp()}
    updated = connection.execute(sa.update(user_preferences)
                                 .where(user_preferences.c.user_id == user_id).values(**values))
    if updated.rowcount == 0:
        connection.execute(sa.insert(user_preferences).values(user_id=user_id, **values))


def apply_at_login(response: flask.Response, connection: Connection, user_id: int, *, secure: bool) -> None:
    """Give the browser the theme the user chose, or no choice at all (see the module doc)."""
    theme = theme_of(connection, user_id)
    if theme is None:
        response.delete_cookie(THEME_COOKIE, path="/", secure=secure, samesite="Lax")
    else:
        _set_cookie(response, theme, secure=secure)


def _set_cookie(response: flask.Response, theme: str, *, secure: bool) -> None:
    # Not HttpOnly: the pages' script reads it to apply the theme before anything is drawn.
    response.set_cookie(THEME_COOKIE, theme, max_age=COOKIE_SECONDS, path="/", secure=secure,
                        httponly=False, samesite="Lax")


@blueprint.post(THEME_PATH)
def choose_theme():
    request = flask.request
    sent = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    theme = sent.get("theme") if isinstance(sent, dict) else None
    if theme not in THEMES:  # auth.web answers 400 with this message, audited as INPUT_REJECTED
        raise BadInput(f"The theme must be one of: {', '.join(THEMES)}.")
    config = flask.current_app.extensions["amoscope_auth"]
    with config.engine.begin() as connection:
        save_theme(connection, current_user.user_id, theme)
    response = flask.make_response("", 204)
    _set_cookie(response, theme, secure=config.secure_cookies)
    return response
