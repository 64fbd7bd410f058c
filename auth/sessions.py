"""Server-side sessions: a ``user_sessions`` row per login, checked on every request (a
background poll may reuse a check a few seconds old: :mod:`auth.web_sessions`).

The browser holds a random session key (in the signed Flask cookie); the database holds its
SHA-256. A session works only while its row is open, the user is active, the user's
``session_version`` equals the one the session started with, and neither the idle nor the
absolute timeout has passed. So logout, revoke, disable and password change end sessions on
the server, and a copied cookie stops working with them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import amos, departments, roles, user_sessions, users

TOUCH_EVERY = timedelta(seconds=30)  # how fresh ``last_seen_at`` is kept: the idle clock's resolution


def key_hash(session_key: str) -> str:
    """The stored form of a session key."""
    return hashlib.sha256(session_key.encode()).hexdigest()


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user of one request, as its session found it."""

    session_id: int
    session_key: str
    user_id: int
    username: str
    full_name: str
    role: str
    amo_id: int
    amo_code: str
    department_id: int
    department_code: str


def start_session(connection: Connection, user_id: int, session_version: int, *,
                  ip: str | None, user_agent: str | None) -> tuple[str, int]:
    """Open a session for the user; return (session key for the cookie, session row id)."""
    session_key = secrets.token_urlsafe(32)
    session_id = connection.execute(
        user_sessions.insert().values(
            user_id=user_id, session_key_hash=key_hash(session_key), session_version=session_version,
            ip=ip, user_agent=(user_agent or "")[:512],
        ).returning(user_sessions.c.id)
    ).scalar_one()
    return session_key, session_id


def load_session(connection: Connection, session_key: str, *, idle: timedelta, absolute: timedelta,
                 touch: bool, now: datetime | None = None) -> SessionUser | None:
    """The user of a live session, or None (and the session is closed if it just timed out).

    ``touch`` marks user activity; background polling passes False so it never keeps an idle
    session alive. Activity is written at most every :data:`TOUCH_EVERY`: a page's burst of
    callbacks costs one write (and one transaction id), and the idle timeout may end a session
    up to that much early, never late.
    """
    now = now or datetime.now(UTC)
    row = connection.execute(
        sa.select(user_sessions.c.id, user_sessions.c.created_at, user_sessions.c.last_seen_at,
                  user_sessions.c.ended_at, user_sessions.c.session_version.label("started_version"),
                  users.c.id.label("user_id"), users.c.username, users.c.full_name, users.c.is_active,
                  users.c.session_version, users.c.amo_id, amos.c.code.label("amo_code"),
                  users.c.department_id, departments.c.code.label("department_code"),
                  roles.c.code.label("role"))
        .join(users, users.c.id == user_sessions.c.user_id)
        .join(amos, amos.c.id == users.c.amo_id)
        .join(departments, departments.c.id == users.c.department_id)
        .join(roles, roles.c.id == users.c.role_id)
        .where(user_sessions.c.session_key_hash == key_hash(session_key))
    ).mappings().first()
    if row is None or row["ended_at"] is not None:
        return None
    end_reason = None
    if not row["is_active"]:
        end_reason = "DISABLED"
    elif row["session_version"] != row["started_version"]:
        end_reason = "REVOKED"
    elif now - _aware(row["created_at"]) > absolute:
        end_reason = "ABSOLUTE"
    elif now - _aware(row["last_seen_at"]) > idle:
        end_reason = "IDLE"
    if end_reason:
        connection.execute(
            user_sessions.update()
            .where(user_sessions.c.id == row["id"], user_sessions.c.ended_at.is_(None))
            .values(ended_at=now, end_reason=end_reason)
        )
        return None
    if touch and now - _aware(row["last_seen_at"]) >= TOUCH_EVERY:
        connection.execute(user_sessions.update().where(user_sessions.c.id == row["id"])
                           .values(last_seen_at=now))
    return SessionUser(
        session_id=row["id"], session_key=session_key, user_id=row["user_id"], username=row["username"],
        full_name=row["full_name"], role=row["role"], amo_id=row["amo_id"], amo_code=row["amo_code"],
        department_id=row["department_id"], department_code=row["department_code"],
    )


def end_session(connection: Connection, session_key: str, reason: str = "LOGOUT") -> None:
    """Close one session (logout)."""
    connection.execute(
        user_sessions.update()
        .where(user_sessions.c.session_key_hash == key_hash(session_key), user_sessions.c.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), end_reason=reason)
    )


def end_reason(connection: Connection, session_key: str) -> str | None:
    """Why the session of this key ended (REVOKED, DISABLED, IDLE, ABSOLUTE, LOGOUT...), or None."""
    return connection.execute(
        sa.select(user_sessions.c.end_reason).where(user_sessions.c.session_key_hash == key_hash(session_key))
    ).scalar()


def end_user_sessions(connection: Connection, user_id: int, reason: str) -> int:
    """Close every open session of a user and bump the user's session version; return how many.

    The version bump is what makes it airtight: a session row opened concurrently still
    carries the old version and fails its next check.
    """
    connection.execute(
        users.update().where(users.c.id == user_id)
        .values(session_version=users.c.session_version + 1)
    )
    result = connection.execute(
        user_sessions.update()
        .where(user_sessions.c.user_id == user_id, user_sessions.c.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), end_reason=reason)
    )
    return result.rowcount


def open_session_count(connection: Connection, amo_id: int | None = None) -> int:
    """How many sessions are open now (optionally within one AMO)."""
    query = (sa.select(sa.func.count()).select_from(user_sessions.join(users))
             .where(user_sessions.c.ended_at.is_(None)))
    if amo_id is not None:
        query = query.where(users.c.amo_id == amo_id)
    return connection.execute(query).scalar_one()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
