"""Default or seed accounts (checklist A10): the app refuses to start while one exists."""

from __future__ import annotations

import pytest
from auth_test_support import make_app, make_user

from auth.errors import InsecureConfiguration
from auth.passwords import hasher


def _set_raw_password(engine, username: str, password: str) -> None:
    """A hash as another system could have left it (our own policy would refuse these)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE users SET password_hash = %s WHERE username = %s",
                                   (hasher("owasp-minimum").hash(password), username))


def test_startup_fails_while_a_default_credential_exists(settings, pg_engine, amo_id):
    make_user(pg_engine, "admin@amo1.example", "admin")
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    _set_raw_password(pg_engine, "admin@amo1.example", "admin")
    _set_raw_password(pg_engine, "alice@amo1.example", "password")  # weak, but not a default account
    with pytest.raises(InsecureConfiguration, match="admin@amo1.example"):
        make_app(settings, pg_engine)
    _set_raw_password(pg_engine, "admin@amo1.example", "a properly random passphrase")
    assert make_app(settings, pg_engine).test_client().get("/healthz").status_code == 200
