"""The theme a user chose, kept per account: ``POST /preferences/theme`` (signed in, CSRF token,
light or dark, else 400 saying so, audited) and the cookie set from it at every login."""

from __future__ import annotations

import pytest
from auth_test_support import csrf_of, login, make_user, sql_count

from auth.preferences import theme_of

THEME = "/preferences/theme"


def _stored(pg_engine, user_id: int):
    with pg_engine.connect() as connection:
        return theme_of(connection, user_id)


def _theme_cookie(response) -> str | None:
    """The Set-Cookie header of the theme cookie, if the response has one."""
    return next((header for header in response.headers.getlist("Set-Cookie")
                 if header.startswith("amoscope_theme=")), None)


@pytest.fixture
def member(app, pg_engine):
    user_id = make_user(pg_engine, "m@amo1.example", "member", "PROD")
    client = app.test_client()
    assert login(client, "m@amo1.example").status_code == 303
    return user_id, client


def test_the_choice_is_stored_and_set_as_the_cookie(member, pg_engine):
    user_id, client = member
    assert _stored(pg_engine, user_id) is None
    response = client.post(THEME, json={"theme": "dark"}, headers={"X-CSRFToken": csrf_of(client)})
    assert response.status_code == 204
    assert _stored(pg_engine, user_id) == "dark"
    assert _theme_cookie(response).startswith("amoscope_theme=dark;")
    response = client.post(THEME, data={"theme": "light", "csrf_token": csrf_of(client)})  # a form works too
    assert response.status_code == 204
    assert _stored(pg_engine, user_id) == "light"


def test_signed_out_or_without_the_csrf_token_nothing_is_stored(app, member, pg_engine):
    user_id, client = member
    anonymous = app.test_client()
    assert anonymous.post(THEME, json={"theme": "dark"}, headers={"X-CSRFToken": csrf_of(anonymous)}
                          ).status_code == 401
    assert client.post(THEME, json={"theme": "dark"}).status_code == 403
    assert client.post(THEME, json={"theme": "dark"}, headers={"X-CSRFToken": "forged"}).status_code == 403
    assert client.post(THEME, json={"theme": "dark"}, headers={
        "X-CSRFToken": csrf_of(client), "Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert _stored(pg_engine, user_id) is None


@pytest.mark.parametrize("body", [{"json": {"theme": "blue"}}, {"json": {}}, {"json": ["dark"]},
                                  {"json": {"theme": ["dark"]}}, {"data": "not json",
                                                                   "content_type": "application/json"},
                                  {"data": {"theme": "DARK"}}])
def test_a_bad_value_is_a_400_that_says_what_is_allowed(member, pg_engine, body):
    user_id, client = member
    token = csrf_of(client)
    if isinstance(body.get("data"), dict):
        body = {"data": {**body["data"], "csrf_token": token}}
    response = client.post(THEME, headers={"X-CSRFToken": token}, **body)
    assert response.status_code == 400
    assert "The theme must be one of: light, dark." in response.get_data(as_text=True)
    assert _stored(pg_engine, user_id) is None
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'INPUT_REJECTED' "
                                "AND reason LIKE '%theme%'") == 1


def test_login_gives_any_browser_the_stored_choice_or_none(app, member, pg_engine):
    _user_id, client = member
    client.post(THEME, json={"theme": "dark"}, headers={"X-CSRFToken": csrf_of(client)})
    elsewhere = app.test_client()
    response = login(elsewhere, "m@amo1.example", environ_base={"REMOTE_ADDR": "10.8.0.2"})
    assert response.status_code == 303
    assert _theme_cookie(response).startswith("amoscope_theme=dark;")

    make_user(pg_engine, "n@amo1.example", "member", "PROD")
    shared = app.test_client()
    shared.set_cookie("amoscope_theme", "dark")  # the previous user's choice in a shared browser
    response = login(shared, "n@amo1.example", environ_base={"REMOTE_ADDR": "10.8.0.3"})
    assert response.status_code == 303
    assert "Max-Age=0" in _theme_cookie(response), "never chose: the system's preference decides"
    assert shared.get_cookie("amoscope_theme") is None
