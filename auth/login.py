"""Checking a password at login: rate limits, equal timing, rehash, the session and the audit.

Whatever the reason of a failure (unknown account, wrong password, disabled account), the
caller gets the same :class:`LoginFailed`; only the audit row records the reason. A username or
password no account can have (a NUL byte, far too long) is :class:`auth.edge.BadInput`, counted
and audited like any failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from auth import edge, rate_limits
from auth.errors import AuthError, RateLimited
from auth.passwords import DEFAULT_PROFILE, verify_password
from auth.sessions import start_session
from auth.users import Account, find_account, normalise_username
from warehouse.events import RequestContext, record_audit
from warehouse.schema import users

GENERIC_FAILURE = "Unknown username or wrong password."


class LoginFailed(AuthError):
    """The username and password did not open a session (the reason is only in the audit log)."""

    def __init__(self) -> None:
        super().__init__(GENERIC_FAILURE)


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the account and the key of its new session."""

    account: Account
    session_key: str
    session_id: int


def authenticate(engine: Engine, username: str, password: str, context: RequestContext, *,
                 profile: str = DEFAULT_PROFILE) -> LoginResult:
    """Check the password and open a session, or raise :class:`LoginFailed` / :class:`RateLimited`
    / :class:`auth.edge.BadInput`.

    Every outcome is audited (LOGIN, LOGIN_FAILED, LOCKOUT) and counted in ``login_attempts``;
    failures are committed before the exception is raised.
    """
    malformed = edge.username_problem(username) or edge.password_problem(password)
    account_key = edge.storable(normalise_username(username if isinstance(username, str) else ""))
    account_key = account_key[:edge.MAX_USERNAME]
    ip = context.ip or "unknown"
    context = replace(context, auth_method="PASSWORD")
    with engine.begin() as connection:
        rate_limits.serialise_account(connection, account_key)
        account = None if malformed else find_account(connection, username=account_key)
        failure = _refuse_if_limited(connection, context, account_key, ip, account)
        if failure is None and malformed:
            failure = _record_malformed(connection, context, account_key, ip, malformed)
        elif failure is None:
            matches, new_hash = verify_password(account.password_hash if account else None, password, profile)
            if not (matches and account.is_active):
                failure = _record_failure(connection, context, account_key, ip, account, matches)
    if failure is not None:
        raise failure
    with engine.begin() as connection:
        rate_limits.record_attempt(connection, account_key, ip, succeeded=True, path="login")
        values = {"last_login_at": datetime.now(UTC)}
        if new_hash:
            values["password_hash"] = new_hash
        connection.execute(sa.update(users).where(users.c.id == account.id).values(**values))
        session_key, session_id = start_session(connection, account.id, account.session_version,
                                                ip=context.ip, user_agent=context.user_agent)
        record_audit(connection, replace(context, actor_user_id=account.id, actor_role=account.role,
                                         session_id=str(session_id)),
                     "LOGIN", amo_id=account.amo_id, entity_type="users", entity_id=account.id,
                     department_id=account.department_id,
                     reason="password rehashed with current costs" if new_hash else None)
    return LoginResult(account=account, session_key=session_key, session_id=session_id)


def _entity(account: Account | None) -> dict:
    return {"entity_type": "users", "entity_id": account.id} if account else {}


def _refuse_if_limited(connection, context, account_key, ip, account) -> RateLimited | None:
    """The RateLimited error to raise (after recording the attempt), or None."""
    try:
        rate_limits.check_login_allowed(connection, account_key, ip,
                                        unlocked_since=account.password_changed_at if account else None)
    except RateLimited as error:
        rate_limits.record_attempt(connection, account_key, ip, succeeded=False, path="login")
        record_audit(connection, context, "LOGIN_FAILED", amo_id=account and account.amo_id, outcome="DENIED",
                     reason=f"rate limited: {account_key!r}", **_entity(account))
        return error
    return None


def _record_malformed(connection, context, account_key, ip, problem: edge.BadInput) -> edge.BadInput:
    """Count and audit a login whose input no account can match."""
    rate_limits.record_attempt(connection, account_key, ip, succeeded=False, path="login")
    record_audit(connection, context, "LOGIN_FAILED", amo_id=None, outcome="FAILURE",
                 reason=f"refused input ({problem}): {account_key!r}")
    return problem


def _record_failure(connection, context, account_key, ip, account, matches) -> LoginFailed:
    """Count and audit a failed check; audit a LOCKOUT when this failure used up the limit."""
    rate_limits.record_attempt(connection, account_key, ip, succeeded=False, path="login")
    why = "unknown account" if account is None else ("wrong password" if not matches else "account disabled")
    amo_id = account.amo_id if account else None
    record_audit(connection, context, "LOGIN_FAILED", amo_id=amo_id, outcome="FAILURE",
                 reason=f"{why}: {account_key!r}", **_entity(account))
    try:
        rate_limits.check_login_allowed(connection, account_key, ip,
                                        unlocked_since=account.password_changed_at if account else None)
    except RateLimited as limited:
        record_audit(connection, context, "LOCKOUT", amo_id=amo_id, outcome="DENIED",
                     reason=f"login limit reached for {account_key!r} from {ip}; "
                            f"retry after {limited.retry_after} s", **_entity(account))
    return LoginFailed()
