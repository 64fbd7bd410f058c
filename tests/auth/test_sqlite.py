"""The embedded demo runs on SQLite: login, sessions, rate limits and the command center work there too."""

from __future__ import annotations

from auth_test_support import PASSWORD, login, make_amo, make_app, make_user, settings_for_tests

from auth.command_center import Actor, perform

PAGE = "/maintenance/AMO1/production"


def test_login_session_and_disable_on_sqlite(sqlite_settings, sqlite_engine):
    make_amo(sqlite_engine)
    user_id = make_user(sqlite_engine, "alice@amo1.example", "member", "PROD")
    app = make_app(settings_for_tests(sqlite_settings), sqlite_engine)
    client = app.test_client()
    assert login(client, "alice@amo1.example", "wrong password!").status_code == 401
    assert login(client, "alice@amo1.example", PASSWORD).headers["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    perform(sqlite_engine, Actor.system("http://127.0.0.1:8050"), "user.disable", user_id, "left")
    assert client.get(PAGE).status_code == 302
    for _ in range(10):
        login(app.test_client(), "bob@amo1.example", "wrong password!")
    assert login(app.test_client(), "bob@amo1.example", "wrong password!").status_code == 429
