"""Login rate limits, kept in the ``login_attempts`` table so every worker sees the same counts.

Per account: at most 10 failed password checks in 15 minutes (failures before the last password
change do not count, so a completed reset unlocks the account). Per client IP: at most 30
attempts a minute. Over either limit the caller answers 429 with ``Retry-After``. The client IP
is the one Werkzeug's ProxyFix already resolved: this module never reads forwarding headers,
so detecting the IP can never consult the limiter or the other way round.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.errors import RateLimited
from warehouse.schema import login_attempts

ACCOUNT_FAILURES = 10
ACCOUNT_WINDOW = timedelta(minutes=15)
IP_ATTEMPTS = 30
IP_WINDOW = timedelta(minutes=1)
RESET_REQUESTS = 3
RESET_WINDOW = timedelta(hours=1)


def serialise_account(connection: Connection, account_key: str) -> None:
    """Hold a per-account lock until the transaction ends, so parallel guesses queue up.

    Without it, N concurrent wrong passwords would all pass the count check before any of them
    is recorded, overshooting the account limit by N. SQLite has one writer and needs none.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.literal("login:") + account_key, 0))))


def check_login_allowed(connection: Connection, account_key: str, ip: str, *,
                        unlocked_since: datetime | None = None, now: datetime | None = None) -> None:
    """Raise :class:`RateLimited` when this account or this IP has used up its attempts."""
    now = now or datetime.now(UTC)
    since = now - ACCOUNT_WINDOW
    if unlocked_since is not None:
        since = max(since, _aware(unlocked_since))
    failures = connection.execute(
        sa.select(sa.func.count(), sa.func.min(login_attempts.c.attempted_at))
        .where(login_attempts.c.account_key == account_key, login_attempts.c.succeeded.is_(False),
               login_attempts.c.path != "reset-request", login_attempts.c.attempted_at > since)
    ).one()
    if failures[0] >= ACCOUNT_FAILURES:
        raise RateLimited(_retry_after(failures[1], ACCOUNT_WINDOW, now))
    _check_ip(connection, ip, now)


def check_reset_request_allowed(connection: Connection, account_key: str, ip: str, *,
                                now: datetime | None = None) -> None:
    """Raise :class:`RateLimited` past 3 reset requests an hour for one account, or the IP limit."""
    now = now or datetime.now(UTC)
    requests = connection.execute(
        sa.select(sa.func.count(), sa.func.min(login_attempts.c.attempted_at))
        .where(login_attempts.c.account_key == account_key, login_attempts.c.path == "reset-request",
               login_attempts.c.attempted_at > now - RESET_WINDOW)
    ).one()
    if requests[0] >= RESET_REQUESTS:
        raise RateLimited(_retry_after(requests[1], RESET_WINDOW, now))
    _check_ip(connection, ip, now)


def check_ip_allowed(connection: Connection, ip: str, *, now: datetime | None = None) -> None:
    """Raise :class:`RateLimited` when this IP has used up its attempts (30 a minute)."""
    _check_ip(connection, ip, now or datetime.now(UTC))


def _check_ip(connection: Connection, ip: str, now: datetime) -> None:
    attempts = connection.execute(
        sa.select(sa.func.count(), sa.func.min(login_attempts.c.attempted_at))
        .where(login_attempts.c.ip == ip, login_attempts.c.attempted_at > now - IP_WINDOW)
    ).one()
    if attempts[0] >= IP_ATTEMPTS:
        raise RateLimited(_retry_after(attempts[1], IP_WINDOW, now))


def record_attempt(connection: Connection, account_key: str, ip: str, *, succeeded: bool, path: str,
                   now: datetime | None = None) -> None:
    """Count one attempt (``path``: login, reset-request, …)."""
    connection.execute(login_attempts.insert().values(
        account_key=account_key[:254], ip=ip[:64], succeeded=succeeded, path=path,
        attempted_at=now or datetime.now(UTC),
    ))


def failures_since(connection: Connection, since: datetime, usernames: sa.Select) -> int:
    """Failed logins since a moment on the accounts ``usernames`` selects (admin overview KPI)."""
    return connection.execute(
        sa.select(sa.func.count()).where(login_attempts.c.succeeded.is_(False),
                                         login_attempts.c.path == "login",
                                         login_attempts.c.attempted_at > since,
                                         login_attempts.c.account_key.in_(usernames))
    ).scalar_one()


def _retry_after(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((_aware(oldest) + window - now).total_seconds()))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
