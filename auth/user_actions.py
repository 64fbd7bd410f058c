"""What each command-center action changes: one function per action, called by
:mod:`auth.command_center` inside the action's transaction after the policy check.

A function returns the :class:`Change` to audit, or None when the target is already in the
wanted state (so a retry is a no-op), or raises :class:`ActionRefused` when the action makes
no sense for this target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.actors import Actor
from auth.errors import ActionRefused, PermissionDenied
from auth.notifications import check_message, notify
from auth.policy import ROLES, may_perform
from auth.reset_tokens import invalidate_tokens, issue_token
from auth.sessions import end_user_sessions
from auth.users import changed_values, ensure_roles, user_image
from warehouse.schema import roles, scheduled_actions, users

MAX_SCHEDULE_AHEAD = timedelta(days=3 * 365)
# Scheduled action name (``scheduled_actions.action``) → the command-center action it runs.
SCHEDULABLE = {"disable": "user.disable", "enable": "user.enable", "revoke": "user.revoke_sessions",
               "reset": "user.reset_password", "notify": "user.notify"}


@dataclass(frozen=True)
class Change:
    """One audited change: the entity, its images, and the activity-feed line."""

    entity_type: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any]
    kind: str
    summary: str
    workflow_phase: str | None = None


def _update_user(connection: Connection, actor: Actor, user_id: int, **values: Any) -> dict[str, Any]:
    connection.execute(users.update().where(users.c.id == user_id).values(
        **values, updated_at=datetime.now(UTC), updated_by=actor.user_id,
        row_version=users.c.row_version + 1))
    return user_image(connection, user_id)


def _user_change(before, after, kind, summary, phase=None) -> Change:
    return Change("users", after["id"], changed_values(before, after), after, kind, summary, phase)


def _active_superusers(connection: Connection, amo_id: int) -> int:
    return connection.execute(
        sa.select(sa.func.count()).select_from(users.join(roles))
        .where(roles.c.code == "superuser", users.c.is_active.is_(True), users.c.amo_id == amo_id)
    ).scalar_one()


def _refuse_lockout(connection: Connection, actor: Actor, account, what: str) -> None:
    if actor.user_id == account.id:
        raise ActionRefused(f"You cannot {what} your own account; ask another admin.")
    last = account.role == "superuser" and _active_superusers(connection, account.amo_id) <= 1
    if last and account.is_active:
        raise ActionRefused(f"{account.username} is the last active superuser; cannot {what} it.")


def _disable(connection, actor, account, before, reason, params) -> Change | None:
    _refuse_lockout(connection, actor, account, "disable")
    if not account.is_active:
        return None
    end_user_sessions(connection, account.id, "DISABLED")
    invalidate_tokens(connection, account.id)
    after = _update_user(connection, actor, account.id, is_active=False, disabled_at=datetime.now(UTC),
                         disabled_reason=reason)
    return _user_change(before, after, "user.disabled", f"{account.username} disabled.", "DISABLED")


def _enable(connection, actor, account, before, reason, params) -> Change | None:
    if account.is_active:
        return None
    after = _update_user(connection, actor, account.id, is_active=True, disabled_at=None,
                         disabled_reason=None)
    return _user_change(before, after, "user.enabled", f"{account.username} enabled.", "ACTIVE")


def _revoke(connection, actor, account, before, reason, params) -> Change:
    count = end_user_sessions(connection, account.id, "REVOKED")
    after = _update_user(connection, actor, account.id)
    return _user_change(before, after, "user.sessions_revoked",
                        f"{count} session(s) of {account.username} ended.")


def _reset(connection, actor, account, before, reason, params) -> Change:
    """The admin never sees or sets a password: the old one stops working and a link goes out."""
    _refuse_lockout(connection, actor, account, "reset the password of")
    end_user_sessions(connection, account.id, "PASSWORD")
    after = _update_user(connection, actor, account.id, password_hash=None,
                         password_changed_at=datetime.now(UTC))
    issue_token(connection, account.id, requested_by=actor.user_id, ip=actor.context.ip,
                base_url=actor.base_url)
    return _user_change(before, after, "user.password_reset",
                        f"Password reset of {account.username} started; a link was sent.")


def _notify(connection, actor, account, before, reason, params) -> Change:
    subject, body = str(params.get("subject", "")), str(params.get("body", ""))
    check_message(subject, body)
    notification_id = notify(connection, account.id, kind="MESSAGE", subject=subject, body=body,
                             created_by=actor.user_id)
    after = {"id": notification_id, "user_id": account.id, "kind": "MESSAGE", "subject": subject.strip(),
             "body": body, "created_by": actor.user_id}
    return Change("notifications", notification_id, None, after, "user.notified",
                   f"Message sent to {account.username}.")


def _set_role(connection, actor, account, before, reason, params) -> Change | None:
    role = params.get("role")
    if role not in ROLES:
        raise ActionRefused(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if role == account.role:
        return None
    if account.role == "superuser":
        _refuse_lockout(connection, actor, account, "demote")
    end_user_sessions(connection, account.id, "REVOKED")  # a privilege change rotates every session
    after = _update_user(connection, actor, account.id, role_id=ensure_roles(connection)[role])
    return _user_change(before, after, "user.role_changed",
                        f"{account.username} is now {role} (was {account.role}).")


def _schedule(connection, actor, account, before, reason, params) -> Change:
    scheduled = params.get("action")
    if scheduled not in SCHEDULABLE:
        raise ActionRefused(f"Only these actions can be scheduled: {', '.join(SCHEDULABLE)}.")
    if not may_perform(actor.role, SCHEDULABLE[scheduled]):
        raise PermissionDenied(f"Your role ({actor.role}) may not schedule {scheduled}.")
    run_at = params.get("run_at")
    now = datetime.now(UTC)
    if not isinstance(run_at, datetime) or run_at.tzinfo is None:
        raise ActionRefused("A schedule needs a date and time with a time zone.")
    if run_at <= now or run_at > now + MAX_SCHEDULE_AHEAD:
        raise ActionRefused("A schedule must be in the future and at most three years ahead.")
    inner = dict(params.get("params") or {})
    if scheduled == "notify":
        check_message(str(inner.get("subject", "")), str(inner.get("body", "")))
    if scheduled == "disable" and actor.user_id == account.id:
        raise ActionRefused("You cannot schedule disabling your own account; ask another admin.")
    schedule_id = connection.execute(scheduled_actions.insert().values(
        amo_id=account.amo_id, target_user_id=account.id, action=scheduled, params=inner, reason=reason,
        run_at=run_at, created_by=actor.user_id or 0,
    ).returning(scheduled_actions.c.id)).scalar_one()
    after = schedule_image(connection, schedule_id)
    return Change("scheduled_actions", schedule_id, None, after, "user.action_scheduled",
                   f"{scheduled.capitalize()} of {account.username} scheduled for "
                   f"{run_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
                   "PENDING")


def schedule_image(connection: Connection, schedule_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = sa.select(scheduled_actions).where(scheduled_actions.c.id == schedule_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return dict(connection.execute(query).mappings().one())


HANDLERS: dict[str, Callable[..., Change | None]] = {
    "user.disable": _disable, "user.enable": _enable, "user.revoke_sessions": _revoke,
    "user.reset_password": _reset, "user.notify": _notify, "user.set_role": _set_role,
    "user.schedule": _schedule,
}
