"""The user directory of one AMO: a filtered, paged users list and one user's account facts.

Every query takes the AMO from the caller (the session), so another AMO's users are never
listed and never found. Nothing here returns a secret (password hashes, session keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import departments, login_attempts, roles, staff_authorisations, user_sessions, users

PAGE_SIZE = 25
MAX_SEARCH = 100
STATUSES = {"active": "Active", "disabled": "Disabled", "left": "Left the AMO"}
LAST_LOGIN = {"7d": "Within 7 days", "30d": "Within 30 days", "over90d": "Not for 90 days or more",
              "never": "Never"}


@dataclass(frozen=True)
class UserFilter:
    """The users list's filters (each optional); unknown values were dropped by :meth:`parse`."""

    search: str = ""
    role: str = ""
    department: str = ""
    status: str = ""
    last_login: str = ""

    @classmethod
    def parse(cls, params: dict[str, str], department_codes: set[str]) -> UserFilter:
        """The filters of a URL's query string: values outside the known choices are ignored."""
        role = params.get("role", "")
        department = params.get("department", "")
        status = params.get("status", "")
        last_login = params.get("login", "")
        return cls(search=params.get("q", "").strip()[:MAX_SEARCH],
                   role=role if role in {"superuser", "admin", "quality", "auditor", "member"} else "",
                   department=department if department in department_codes else "",
                   status=status if status in STATUSES else "",
                   last_login=last_login if last_login in LAST_LOGIN else "")

    def as_query(self) -> dict[str, str]:
        values = {"q": self.search, "role": self.role, "department": self.department, "status": self.status,
                  "login": self.last_login}
        return {key: value for key, value in values.items() if value}

    def clauses(self, now: datetime) -> list[sa.ColumnElement]:
        clauses: list[sa.ColumnElement] = []
        if self.search:
            escaped = self.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            clauses.append(sa.or_(sa.func.lower(users.c.full_name).like(pattern, escape="\\"),
                                  sa.func.lower(users.c.email).like(pattern, escape="\\")))
        if self.role:
            clauses.append(roles.c.code == self.role)
        if self.department:
            clauses.append(departments.c.code == self.department)
        if self.status == "active":
            clauses.append(users.c.is_active.is_(True))
        elif self.status == "disabled":
            clauses.append(users.c.is_active.is_(False))
        elif self.status == "left":
            clauses.append(sa.and_(users.c.left_at.is_not(None), users.c.left_at <= now))
        if self.last_login in ("7d", "30d"):
            clauses.append(users.c.last_login_at >= now - timedelta(days=int(self.last_login[:-1])))
        elif self.last_login == "over90d":
            clauses.append(users.c.last_login_at < now - timedelta(days=90))
        elif self.last_login == "never":
            clauses.append(users.c.last_login_at.is_(None))
        return clauses


def _users_with_codes():
    return (users.join(departments, departments.c.id == users.c.department_id)
            .join(roles, roles.c.id == users.c.role_id))


def search_users(connection: Connection, amo_id: int, user_filter: UserFilter, *, page: int = 1,
                 page_size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], int]:
    """One page of the AMO's users matching the filter, by name, and how many match in all."""
    where = [users.c.amo_id == amo_id, *user_filter.clauses(datetime.now(UTC))]
    total = connection.execute(sa.select(sa.func.count()).select_from(_users_with_codes()).where(*where)
                               ).scalar_one()
    rows = connection.execute(
        sa.select(users.c.id, users.c.full_name, users.c.email, roles.c.code.label("role"),
                  departments.c.code.label("department"), users.c.is_active, users.c.left_at,
                  users.c.last_login_at)
        .select_from(_users_with_codes()).where(*where)
        .order_by(users.c.full_name, users.c.id).limit(page_size).offset((max(page, 1) - 1) * page_size)
    ).mappings().all()
    return [dict(row) for row in rows], total


def profile(connection: Connection, amo_id: int, user_id: int) -> dict[str, Any] | None:
    """One user of the AMO with role and department names, or None (also for another AMO's user)."""
    row = connection.execute(
        sa.select(users.c.id, users.c.username, users.c.email, users.c.full_name, users.c.employee_no,
                  users.c.job_title, users.c.is_active, users.c.disabled_at, users.c.disabled_reason,
                  users.c.left_at, users.c.mfa_enabled, users.c.password_changed_at, users.c.last_login_at,
                  users.c.created_at, roles.c.code.label("role"), roles.c.name.label("role_name"),
                  departments.c.code.label("department"), departments.c.name.label("department_name"))
        .select_from(_users_with_codes()).where(users.c.id == user_id, users.c.amo_id == amo_id)
    ).mappings().first()
    return dict(row) if row else None


def authorisations(connection: Connection, user_id: int) -> list[dict[str, Any]]:
    """The user's staff authorisations (not voided), soonest expiry first."""
    table = staff_authorisations
    rows = connection.execute(
        sa.select(table.c.id, table.c.auth_type, table.c.scope, table.c.licence_no, table.c.issued_at,
                  table.c.expires_at, table.c.status)
        .where(table.c.user_id == user_id, table.c.voided_at.is_(None)).order_by(table.c.expires_at)
    ).mappings().all()
    return [dict(row) for row in rows]


def open_sessions(connection: Connection, user_id: int, *, idle: timedelta) -> list[dict[str, Any]]:
    """The user's sessions that have not ended nor gone idle, newest first."""
    now = datetime.now(UTC)
    rows = connection.execute(
        sa.select(user_sessions.c.created_at, user_sessions.c.last_seen_at, user_sessions.c.ip,
                  user_sessions.c.user_agent)
        .where(user_sessions.c.user_id == user_id, user_sessions.c.ended_at.is_(None),
               user_sessions.c.last_seen_at > now - idle)
        .order_by(user_sessions.c.last_seen_at.desc())
    ).mappings().all()
    return [dict(row) for row in rows]


def failed_logins(connection: Connection, username: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest failed sign-ins (and reset attempts) on the account."""
    rows = connection.execute(
        sa.select(login_attempts.c.attempted_at, login_attempts.c.ip, login_attempts.c.path)
        .where(login_attempts.c.account_key == username, login_attempts.c.succeeded.is_(False))
        .order_by(login_attempts.c.attempted_at.desc()).limit(limit)
    ).mappings().all()
    return [dict(row) for row in rows]


def full_names(connection: Connection, amo_id: int, user_ids: set[int]) -> dict[int, str]:
    """user id → full name, for the AMO's users among ``user_ids`` (others are left out)."""
    if not user_ids:
        return {}
    rows = connection.execute(sa.select(users.c.id, users.c.full_name)
                              .where(users.c.amo_id == amo_id, users.c.id.in_(sorted(user_ids))))
    return {user_id: name for user_id, name in rows}


def department_codes(connection: Connection, amo_id: int) -> list[str]:
    """The AMO's department codes, sorted."""
    return list(connection.execute(sa.select(departments.c.code).where(departments.c.amo_id == amo_id)
                                   .order_by(departments.c.code)).scalars())


def everyone(connection: Connection, amo_id: int) -> list[tuple[int, str]]:
    """(id, full name) of every user of the AMO, by name (for pickers)."""
    rows = connection.execute(sa.select(users.c.id, users.c.full_name).where(users.c.amo_id == amo_id)
                              .order_by(users.c.full_name, users.c.id))
    return [(user_id, name) for user_id, name in rows]
