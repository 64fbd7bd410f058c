"""User accounts: creation, lookup and the audit image of a user row.

Usernames are e-mail addresses, stored lower-cased. ``password_hash`` never leaves this
package: it is left out of audit images and of every listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.errors import ActionRefused, UnknownUser
from auth.passwords import DEFAULT_PROFILE, hash_password
from auth.policy import ROLES
from warehouse.events import RequestContext, record_activity, record_audit
from warehouse.schema import amos, departments, roles, users

ROLE_DESCRIPTIONS = {
    "superuser": ("Superuser", "Every admin right, plus role changes and other admins."),
    "admin": ("Administrator", "The user command center of one AMO."),
    "quality": ("Quality & Compliance analyst", "The QMS cockpit and every department's data."),
    "auditor": ("Auditor", "Read-only: the archive console and its evidence."),
    "member": ("Department member", "The dashboards of the user's own department."),
}
# Columns never written into audit images or shown anywhere.
SECRET_COLUMNS = frozenset({"password_hash", "change_txid"})


def normalise_username(username: str) -> str:
    """The account key of a login name: trimmed and lower-cased."""
    return (username or "").strip().lower()


@dataclass(frozen=True)
class Account:
    """A user row with the codes of its AMO, department and role."""

    id: int
    username: str
    full_name: str
    amo_id: int
    amo_code: str
    department_id: int
    department_code: str
    role: str
    is_active: bool
    session_version: int
    password_hash: str | None
    password_changed_at: datetime | None


def _account_query():
    return (
        sa.select(users.c.id, users.c.username, users.c.full_name, users.c.amo_id,
                  amos.c.code.label("amo_code"), users.c.department_id,
                  departments.c.code.label("department_code"), roles.c.code.label("role"),
                  users.c.is_active, users.c.session_version, users.c.password_hash,
                  users.c.password_changed_at)
        .join(amos, amos.c.id == users.c.amo_id)
        .join(departments, departments.c.id == users.c.department_id)
        .join(roles, roles.c.id == users.c.role_id)
    )


def find_account(connection: Connection, *, username: str | None = None,
                 user_id: int | None = None) -> Account | None:
    """The account with this username or id, or None."""
    query = _account_query()
    if user_id is not None:
        query = query.where(users.c.id == user_id)
    else:
        query = query.where(users.c.username == normalise_username(username or ""))
    row = connection.execute(query).mappings().first()
    return Account(**row) if row else None


def user_image(connection: Connection, user_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The full user row (less secrets) as the audit ``after`` image; ``lock`` holds it FOR UPDATE."""
    query = sa.select(users).where(users.c.id == user_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    if row is None:
        raise UnknownUser(f"There is no user with id {user_id}.")
    return {key: value for key, value in row.items() if key not in SECRET_COLUMNS}


def admin_department_id(connection: Connection, amo_id: int) -> int | None:
    """The ADMIN department of an AMO: the live feed where account changes show."""
    return connection.execute(
        sa.select(departments.c.id).where(departments.c.amo_id == amo_id, departments.c.code == "ADMIN")
    ).scalar()


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The audit ``before`` image: the previous values of the fields that changed only."""
    return {key: value for key, value in before.items() if after.get(key) != value}


def ensure_roles(connection: Connection) -> dict[str, int]:
    """Create any missing row of the ``roles`` table; return role code → id."""
    existing = dict(connection.execute(sa.select(roles.c.code, roles.c.id)).all())
    for code in ROLES:
        if code not in existing:
            name, description = ROLE_DESCRIPTIONS[code]
            existing[code] = connection.execute(
                roles.insert().values(code=code, name=name, description=description).returning(roles.c.id)
            ).scalar_one()
    return existing


def create_user(
    connection_or_engine: Connection | Engine,
    *,
    email: str,
    role: str,
    amo_code: str,
    department_code: str | None = None,
    full_name: str | None = None,
    password: str | None = None,
    password_profile: str = DEFAULT_PROFILE,
    context: RequestContext | None = None,
) -> int:
    """Create a user (audited: CREATE of ``users`` plus a ``user.created`` activity); return its id.

    ``department_code`` defaults to ADMIN for admins and superusers, QUAL for quality analysts.
    Without ``password`` the account cannot log in until a password reset.
    """
    if isinstance(connection_or_engine, Engine):
        with connection_or_engine.begin() as connection:
            return create_user(connection, email=email, role=role, amo_code=amo_code,
                               department_code=department_code, full_name=full_name,
                               password=password, password_profile=password_profile, context=context)
    connection = connection_or_engine
    context = context or RequestContext(auth_method="CLI")
    username = normalise_username(email)
    if "@" not in username or any(ch.isspace() for ch in username):
        raise ActionRefused(f"{email!r} is not an e-mail address.")
    if role not in ROLES:
        raise ActionRefused(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    department_code = (department_code or {"superuser": "ADMIN", "admin": "ADMIN",
                                           "quality": "QUAL", "auditor": "QUAL"}.get(role, "")).upper()
    if not department_code:
        raise ActionRefused("A member needs a department (--department CODE).")
    amo_id = connection.execute(sa.select(amos.c.id).where(amos.c.code == amo_code)).scalar()
    if amo_id is None:
        raise UnknownUser(f"There is no AMO with code {amo_code!r}.")
    department_id = connection.execute(
        sa.select(departments.c.id).where(departments.c.amo_id == amo_id,
                                          departments.c.code == department_code)
    ).scalar()
    if department_id is None:
        raise UnknownUser(f"AMO {amo_code} has no department {department_code!r}.")
    if connection.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise ActionRefused(f"A user {username} already exists.")
    role_id = ensure_roles(connection)[role]
    now = datetime.now(UTC)
    password_hash = hash_password(password, password_profile) if password is not None else None
    user_id = connection.execute(
        users.insert().values(
            amo_id=amo_id, department_id=department_id, role_id=role_id, username=username,
            email=username, full_name=full_name or username.split("@")[0],
            password_hash=password_hash, password_changed_at=now if password_hash else None,
            created_by=context.actor_user_id, updated_by=context.actor_user_id,
        ).returning(users.c.id)
    ).scalar_one()
    after = user_image(connection, user_id)
    record_audit(connection, context, "CREATE", amo_id=amo_id, entity_type="users", entity_id=user_id,
                 entity_version=after["row_version"], department_id=department_id, after=after,
                 reason=f"account created with role {role}")
    record_activity(connection, amo_id=amo_id, kind="user.created",
                    department_id=admin_department_id(connection, amo_id),
                    entity_type="users", entity_id=user_id, actor_user_id=context.actor_user_id,
                    summary=f"Account {username} created ({role}).")
    return user_id
