"""Password reset by single-use token: request, check and complete.

A token is 256 random bits (``secrets.token_urlsafe(32)``), sent in a link and stored only as
its SHA-256. It expires after 30 minutes, is replaced by a newer request, and is spent by an
atomic ``UPDATE … WHERE used_at IS NULL``, so of many parallel uses exactly one wins.
Completing a reset sets the password, ends every session of the user and does not log in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth import edge, rate_limits
from auth.errors import InvalidResetToken
from auth.notifications import notify
from auth.passwords import DEFAULT_PROFILE, check_password_policy, equal_time_dummy_check, hash_password
from auth.sessions import end_user_sessions
from auth.users import changed_values, find_account, normalise_username, user_image
from warehouse.events import RequestContext, record_audit
from warehouse.schema import password_reset_tokens, users

TOKEN_LIFETIME = timedelta(minutes=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(connection: Connection, user_id: int, *, requested_by: int | None, ip: str | None,
                base_url: str) -> str:
    """Replace the user's open tokens with a new one and put its link in the user's inbox.

    The link is built from the configured base URL, never from the request's Host header.
    """
    now = datetime.now(UTC)
    invalidate_tokens(connection, user_id, now)
    token = secrets.token_urlsafe(32)
    connection.execute(password_reset_tokens.insert().values(
        user_id=user_id, token_hash=token_hash(token), created_at=now, expires_at=now + TOKEN_LIFETIME,
        requested_by=requested_by, requested_ip=ip,
    ))
    link = f"{base_url.rstrip('/')}/reset/{token}"
    notify(connection, user_id, kind="PASSWORD_RESET", subject="Set a new AMOscope password",
           body=f"Open {link} within 30 minutes to choose a new password. "
                "If you did not ask for this, ignore this message.",
           created_by=requested_by)
    return token


def invalidate_tokens(connection: Connection, user_id: int, now: datetime | None = None) -> None:
    """Retire every unused token of a user (newer request, password change, disable)."""
    connection.execute(
        password_reset_tokens.update()
        .where(password_reset_tokens.c.user_id == user_id, password_reset_tokens.c.used_at.is_(None),
               password_reset_tokens.c.invalidated_at.is_(None))
        .values(invalidated_at=now or datetime.now(UTC))
    )


def request_reset(engine: Engine, username: str, context: RequestContext, *, base_url: str,
                  profile: str = DEFAULT_PROFILE) -> None:
    """Self-service "forgot password": same answer and timing whether or not the account exists.

    Raises :class:`auth.errors.RateLimited` past 3 requests an hour for one account or the per-IP limit,
    and :class:`auth.edge.BadInput` (counted and audited) for a username no account can have.
    """
    malformed = edge.username_problem(username)
    account_key = edge.storable(normalise_username(username if isinstance(username, str) else ""))
    account_key = account_key[:edge.MAX_USERNAME]
    ip = context.ip or "unknown"
    with engine.begin() as connection:
        rate_limits.check_reset_request_allowed(connection, account_key, ip)
        rate_limits.record_attempt(connection, account_key, ip, succeeded=True, path="reset-request")
        if malformed:  # audited and counted here, raised once this is committed
            record_audit(connection, context, "PASSWORD_RESET_REQUEST", amo_id=None, outcome="FAILURE",
                         reason=f"refused input ({malformed}): {account_key!r}")
        else:
            _send_reset(connection, account_key, context, base_url=base_url, profile=profile)
    if malformed:
        raise malformed


def _send_reset(connection: Connection, account_key: str, context: RequestContext, *, base_url: str,
                profile: str) -> None:
    """Issue a token to an active account (audited either way), in equal time."""
    account = find_account(connection, username=account_key)
    if account is None or not account.is_active:
        record_audit(connection, context, "PASSWORD_RESET_REQUEST", amo_id=account and account.amo_id,
                     outcome="FAILURE", reason=f"no active account {account_key!r}")
        equal_time_dummy_check(account_key, profile)
        return
    issue_token(connection, account.id, requested_by=None, ip=context.ip, base_url=base_url)
    record_audit(connection, context, "PASSWORD_RESET_REQUEST", amo_id=account.amo_id,
                 entity_type="users", entity_id=account.id, department_id=account.department_id)
    equal_time_dummy_check(account_key, profile)


def check_token(engine: Engine, token: str) -> None:
    """Raise :class:`InvalidResetToken` unless the token could be used now (for the reset form)."""
    with engine.connect() as connection:
        found = connection.execute(sa.select(password_reset_tokens.c.id).where(*_usable(token))).first()
    if found is None:
        raise InvalidResetToken()


def complete_reset(engine: Engine, token: str, new_password: str, context: RequestContext, *,
                   profile: str = DEFAULT_PROFILE) -> int:
    """Spend the token and set the new password; return the user id. Never opens a session.

    The password is checked first, so a rejected password leaves the token usable. The
    account-failure lock is lifted by the new ``password_changed_at``. A failed attempt counts
    against the per-IP limit (:class:`auth.errors.RateLimited` past it).
    """
    check_password_policy(new_password)
    ip = context.ip or "unknown"
    with engine.connect() as connection:
        rate_limits.check_ip_allowed(connection, ip)
    plausible = bool(token) and len(token) <= 128
    new_hash = hash_password(new_password, profile) if plausible else None
    now = datetime.now(UTC)
    with engine.begin() as connection:
        user_id = connection.execute(
            password_reset_tokens.update().where(*_usable(token, now))
            .values(used_at=now).returning(password_reset_tokens.c.user_id)
        ).scalar() if plausible else None
        if user_id is None:
            rate_limits.record_attempt(connection, "", ip, succeeded=False, path="reset")
            record_audit(connection, context, "PASSWORD_RESET", amo_id=None, outcome="FAILURE",
                         reason="invalid, expired or used reset token")
            failed = True
        else:
            failed = False
            account = find_account(connection, user_id=user_id)
            if not account.is_active:
                raise InvalidResetToken()
            before = user_image(connection, user_id, lock=True)
            connection.execute(users.update().where(users.c.id == user_id).values(
                password_hash=new_hash, password_changed_at=now, updated_at=now,
                updated_by=user_id, row_version=users.c.row_version + 1))
            end_user_sessions(connection, user_id, "PASSWORD")
            invalidate_tokens(connection, user_id, now)
            after = user_image(connection, user_id)
            record_audit(connection, replace(context, actor_user_id=user_id, actor_role=account.role),
                         "PASSWORD_RESET", amo_id=account.amo_id, entity_type="users", entity_id=user_id,
                         entity_version=after["row_version"], department_id=account.department_id,
                         before=changed_values(before, after), after=after, reason="reset by emailed token")
    if failed:
        raise InvalidResetToken()
    return user_id


def _usable(token: str, now: datetime | None = None):
    now = now or datetime.now(UTC)
    return (password_reset_tokens.c.token_hash == token_hash(token),
            password_reset_tokens.c.used_at.is_(None), password_reset_tokens.c.invalidated_at.is_(None),
            password_reset_tokens.c.expires_at > now)

