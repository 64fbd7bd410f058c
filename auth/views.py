"""The plain Flask pages of authentication: login, logout, forgot password, reset password.

Not Dash callbacks: they work without JavaScript and keep their own CSRF field. Login answers
a redirect to the landing page (or a safe ``next``), 401 with the form on any failure, and 429
with ``Retry-After`` when rate limited.
"""

from __future__ import annotations

import flask
from flask_login import current_user, login_user, logout_user

from auth import csrf
from auth.edge import BadInput
from auth.errors import InvalidResetToken, PasswordRejected, RateLimited
from auth.login import GENERIC_FAILURE, LoginFailed, authenticate
from auth.policy import landing_slug
from auth.preferences import apply_at_login
from auth.redirects import safe_next
from auth.reset_tokens import check_token, complete_reset, request_reset
from auth.sessions import SessionUser, end_session
from auth.web_sessions import SignedInUser, request_context
from warehouse.events import record_audit

blueprint = flask.Blueprint("auth", __name__, template_folder="templates")
RESET_SENT = "If that account exists, a reset link is on its way. It is valid for 30 minutes."


def _config():
    return flask.current_app.extensions["amoscope_auth"]


def landing_path(user) -> str:
    """``/maintenance/<amo>/<slug>``: where this user lands after login."""
    return f"/maintenance/{user.amo_code}/{landing_slug(user.role, user.department_code)}"


def _page(template: str, status: int = 200, **values) -> flask.Response:
    html = flask.render_template(template, csrf_token=csrf.csrf_token(),
                                 stylesheets=_config().stylesheets, script=_config().script, **values)
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/login")
def login_form():
    next_value = flask.request.args.get("next", "")
    if current_user.is_authenticated:
        return flask.redirect(safe_next(next_value, landing_path(current_user)))
    message = "Your password is set. Sign in with it." if flask.request.args.get("reset") == "done" else None
    return _page("login.html", title="Sign in", next=next_value, message=message, message_kind="success")


@blueprint.post("/login")
def login_submit():
    config = _config()
    form = flask.request.form
    next_value = form.get("next", "")
    try:
        result = authenticate(config.engine, form.get("username", ""), form.get("password", ""),
                              request_context(), profile=config.password_profile)
    except RateLimited as limited:
        response = _page("login.html", 429, title="Sign in", next=next_value, message=str(limited))
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    except LoginFailed:
        return _page("login.html", 401, title="Sign in", next=next_value, message=GENERIC_FAILURE)
    except BadInput as bad:
        return _page("login.html", bad.status, title="Sign in", next=next_value, message=str(bad))
    # A new session: nothing of the pre-login cookie survives (session fixation, login CSRF).
    flask.session.clear()
    account = result.account
    user = SessionUser(session_id=result.session_id, session_key=result.session_key, user_id=account.id,
                       username=account.username, full_name=account.full_name, role=account.role,
                       amo_id=account.amo_id, amo_code=account.amo_code, department_id=account.department_id,
                       department_code=account.department_code)
    login_user(SignedInUser(user))
    flask.session.permanent = True
    csrf.rotate_token()
    response = flask.redirect(safe_next(next_value, landing_path(user)), code=303)
    with config.engine.connect() as connection:  # the theme chosen in any browser is this one's
        apply_at_login(response, connection, account.id, secure=config.secure_cookies)
    return response


@blueprint.post("/logout")
def logout():
    if current_user.is_authenticated:
        context = request_context()
        with _config().engine.begin() as connection:
            end_session(connection, current_user.session_key, "LOGOUT")
            record_audit(connection, context, "LOGOUT", amo_id=current_user.amo_id, entity_type="users",
                         entity_id=current_user.user_id, department_id=current_user.department_id)
        logout_user()
    flask.session.clear()
    return flask.redirect("/login", code=303)


@blueprint.get("/forgot")
def forgot_form():
    return _page("forgot.html", title="Forgot your password?")


@blueprint.post("/forgot")
def forgot_submit():
    config = _config()
    try:
        request_reset(config.engine, flask.request.form.get("username", ""), request_context(),
                      base_url=config.base_url, profile=config.password_profile)
    except RateLimited as limited:
        response = _page("forgot.html", 429, title="Forgot your password?", message=str(limited))
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    except BadInput as bad:
        return _page("forgot.html", bad.status, title="Forgot your password?", message=str(bad))
    return _page("forgot.html", title="Forgot your password?", message=RESET_SENT, message_kind="info")


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    config = _config()
    try:
        if flask.request.method == "GET":
            check_token(config.engine, token)
            response = _page("reset.html", title="Choose a new password", form=True)
        else:
            complete_reset(config.engine, token, flask.request.form.get("password", ""), request_context(),
                           profile=config.password_profile)
            response = flask.redirect("/login?reset=done", code=303)
    except PasswordRejected as rejected:
        response = _page("reset.html", 400, title="Choose a new password", form=True, message=str(rejected))
    except RateLimited as limited:
        response = _page("reset.html", 429, title="Choose a new password", form=True, message=str(limited))
        response.headers["Retry-After"] = str(limited.retry_after)
    except InvalidResetToken as invalid:
        response = _page("reset.html", 400, title="Choose a new password", form=False, message=str(invalid))
    # The token is in the URL: never send it on as a referrer, never cache the page.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
