"""Refuse to start while an account has a well-known default login (ASVS 6.3.2; Metabase
CVE-2023-38646): an active account named like ``admin`` whose password is ``admin``,
``password``, ``changeme``… The first admin is made with ``amoscope users create`` instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.errors import InsecureConfiguration
from auth.passwords import verify_password
from warehouse.schema import users

DEFAULT_NAMES = ("admin", "administrator", "root", "superuser", "demo", "test", "user", "guest")
DEFAULT_PASSWORDS = ("admin", "administrator", "password", "changeme", "change-me", "admin123",
                     "password1", "123456", "12345678", "root", "toor", "demo", "test", "guest")


def accounts_with_default_passwords(connection: Connection) -> list[str]:
    """Usernames of active default-named accounts whose password is a well-known default."""
    rows = connection.execute(
        sa.select(users.c.username, users.c.password_hash)
        .where(users.c.is_active.is_(True), users.c.password_hash.is_not(None))
    ).all()
    return [username for username, stored in rows
            if username.split("@", 1)[0].lower() in DEFAULT_NAMES
            and any(verify_password(stored, password)[0] for password in DEFAULT_PASSWORDS)]


def refuse_default_credentials(connection: Connection) -> None:
    """Raise :class:`InsecureConfiguration` naming the accounts to fix, if any."""
    found = accounts_with_default_passwords(connection)
    if found:
        raise InsecureConfiguration(
            f"account(s) {', '.join(found)} still use a well-known default password; disable them or "
            "reset their password with `amoscope users reset-password` before starting"
        )
