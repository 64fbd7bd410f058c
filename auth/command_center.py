"""The user command center: disable, enable, revoke sessions, reset password, notify, set role,
schedule and cancel, for admins in the browser, operators on the CLI and the scheduler.

Each action is checked against the policy table, needs a reason, and commits the change, its
``audit_events`` row (before and after images) and its ``activity_events`` row in one
transaction, or nothing at all. With an idempotency key a retried call is a no-op; disable and
enable are also idempotent by state. Nonsense is refused with a message: acting on yourself
where it locks you out, on the last active superuser, or on a user of another AMO (reported as
unknown, so other AMOs' accounts stay invisible).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.errors import ActionRefused, AuthError, PermissionDenied, UnknownUser
from auth.notifications import check_message, notify
from auth.policy import ROLES, may_perform
from auth.reset_tokens import invalidate_tokens, issue_token
from auth.sessions import SessionUser, end_user_sessions
from auth.users import admin_department_id, changed_values, ensure_roles, find_account, user_image
from warehouse.events import RequestContext, record_activity, record_audit
from warehouse.schema import audit_events, roles, scheduled_actions, user_sessions, users

MAX_REASON = 1000
MAX_SCHEDULE_AHEAD = timedelta(days=3 * 365)
# Scheduled action name (``scheduled_actions.action``) → the command-center action it runs.
SCHEDULABLE = {"disable": "user.disable", "enable": "user.enable", "revoke": "user.revoke_sessions",
               "reset": "user.reset_password", "notify": "user.notify"}
AUDIT_ACTION = {
    "user.disable": "ADMIN_DISABLE", "user.enable": "ADMIN_ENABLE", "user.revoke_sessions": "ADMIN_REVOKE",
    "user.reset_password": "ADMIN_RESET", "user.notify": "ADMIN_NOTIFY", "user.schedule": "ADMIN_SCHEDULE",
    "user.cancel_schedule": "ADMIN_CANCEL_SCHEDULE", "user.set_role": "ADMIN_SET_ROLE",
}


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a signed-in admin, or the system (CLI operator, scheduler)."""

    role: str
    user_id: int | None
    amo_id: int | None  # None: the system, which may act in any AMO
    context: RequestContext
    base_url: str = "http://127.0.0.1:8050"
    session_id: int | None = None  # rechecked inside the action's transaction

    @classmethod
    def from_session(cls, user: SessionUser, context: RequestContext, base_url: str) -> Actor:
        return cls(role=user.role, user_id=user.user_id, amo_id=user.amo_id, context=context,
                   base_url=base_url, session_id=user.session_id)

    @classmethod
    def system(cls, base_url: str, *, auth_method: str = "CLI", on_behalf_of: int | None = None) -> Actor:
        context = RequestContext(auth_method=auth_method, actor_role="system", on_behalf_of=on_behalf_of)
        return cls(role="system", user_id=None, amo_id=None, context=context, base_url=base_url)


@dataclass(frozen=True)
class Outcome:
    """What an action did: ``changed`` is False for a no-op (already in that state, or a retry)."""

    action: str
    target_user_id: int
    changed: bool
    message: str
    entity_id: int | None = None


@dataclass(frozen=True)
class _Change:
    entity_type: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any]
    kind: str
    summary: str
    workflow_phase: str | None = None


def perform(engine: Engine, actor: Actor, action: str, target_user_id: int, reason: str, *,
            params: dict[str, Any] | None = None, idempotency_key: str | None = None) -> Outcome:
    """Run one command-center action on a user (see the module docstring for the guarantees).

    ``params``: ``subject``/``body`` for notify, ``role`` for set_role, and for schedule the
    scheduled ``action``, its ``run_at`` (aware datetime) and its own ``params``. The
    ``idempotency_key`` (e.g. the admin form's key) is recorded as the audit row's ``request_id``.
    """
    context = replace(actor.context, request_id=idempotency_key or actor.context.request_id)
    actor = replace(actor, context=context)
    try:
        _check_request(actor, action, reason)
        with engine.begin() as connection:
            return _perform(connection, actor, action, target_user_id, reason.strip(), params or {},
                            idempotency_key)
    except AuthError as error:
        _record_refusal(engine, actor, action, target_user_id, reason, error)
        raise


def cancel_schedule(engine: Engine, actor: Actor, schedule_id: int, reason: str, *,
                    idempotency_key: str | None = None) -> Outcome:
    """Cancel a pending scheduled action (a no-op if it is no longer pending)."""
    action = "user.cancel_schedule"
    actor = replace(actor, context=replace(actor.context,
                                           request_id=idempotency_key or actor.context.request_id))
    with engine.connect() as connection:
        target = connection.execute(sa.select(scheduled_actions.c.target_user_id, scheduled_actions.c.amo_id)
                                    .where(scheduled_actions.c.id == schedule_id)).first()
    try:
        _check_request(actor, action, reason)
        if target is None or (actor.amo_id is not None and target.amo_id != actor.amo_id):
            raise UnknownUser(f"There is no scheduled action {schedule_id} in your AMO.")
        with engine.begin() as connection:
            _recheck_actor(connection, actor)
            before = _schedule_image(connection, schedule_id, lock=True)
            if before["status"] != "PENDING":
                return Outcome(action, before["target_user_id"], False,
                               f"Scheduled action {schedule_id} is already {before['status'].lower()}.")
            connection.execute(scheduled_actions.update().where(scheduled_actions.c.id == schedule_id).values(
                status="CANCELLED", cancelled_at=datetime.now(UTC), cancelled_by=actor.user_id))
            after = _schedule_image(connection, schedule_id)
            account = find_account(connection, user_id=before["target_user_id"])
            change = _Change("scheduled_actions", schedule_id, changed_values(before, after), after,
                             "user.schedule_cancelled",
                             f"Scheduled {before['action']} of {account.username} cancelled.", "CANCELLED")
            _record(connection, actor, action, account, change, reason.strip())
            return Outcome(action, account.id, True, change.summary, schedule_id)
    except AuthError as error:
        _record_refusal(engine, actor, action, target.target_user_id if target else None, reason, error)
        raise


def run_scheduled(connection: Connection, schedule: dict[str, Any], base_url: str) -> Outcome:
    """Execute one due scheduled action as the system, on behalf of whoever scheduled it."""
    actor = Actor.system(base_url, auth_method="SYSTEM", on_behalf_of=schedule["created_by"])
    actor = replace(actor, amo_id=schedule["amo_id"])
    action = SCHEDULABLE[schedule["action"]]
    return _perform(connection, actor, action, schedule["target_user_id"], schedule["reason"],
                    dict(schedule["params"] or {}), None)


def _check_request(actor: Actor, action: str, reason: str) -> None:
    if not may_perform(actor.role, action):
        verb = action.split(".", 1)[1].replace("_", " ")
        raise PermissionDenied(f"Your role ({actor.role}) may not {verb}.")
    if not reason or not reason.strip():
        raise ActionRefused("A reason is required.")
    if len(reason) > MAX_REASON:
        raise ActionRefused(f"The reason may have at most {MAX_REASON} characters.")


def _perform(connection: Connection, actor: Actor, action: str, target_user_id: int, reason: str,
             params: dict[str, Any], idempotency_key: str | None) -> Outcome:
    _recheck_actor(connection, actor)
    if idempotency_key and _already_done(connection, action, idempotency_key):
        return Outcome(action, target_user_id, False, "Already done (this request was repeated).")
    account = find_account(connection, user_id=target_user_id)
    if account is None or (actor.amo_id is not None and account.amo_id != actor.amo_id):
        raise UnknownUser(f"There is no user with id {target_user_id} in your AMO.")
    if account.role == "superuser" and actor.role == "admin":
        raise PermissionDenied("Only a superuser may act on a superuser account.")
    before = user_image(connection, account.id, lock=True)
    change = _HANDLERS[action](connection, actor, account, before, reason, params)
    if change is None:
        return Outcome(action, account.id, False, f"{account.username} is already in that state.")
    _record(connection, actor, action, account, change, reason)
    return Outcome(action, account.id, True, change.summary, change.entity_id)


def _record(connection: Connection, actor: Actor, action: str, account, change: _Change, reason: str) -> None:
    record_audit(connection, actor.context, AUDIT_ACTION[action], amo_id=account.amo_id,
                 entity_type=change.entity_type, entity_id=change.entity_id,
                 entity_version=change.after.get("row_version"), workflow_phase=change.workflow_phase,
                 department_id=account.department_id, before=change.before, after=change.after,
                 reason=reason)
    record_activity(connection, amo_id=account.amo_id, kind=change.kind, summary=change.summary,
                    department_id=admin_department_id(connection, account.amo_id),
                    entity_type=change.entity_type, entity_id=change.entity_id,
                    actor_user_id=actor.user_id)


def _record_refusal(engine: Engine, actor: Actor, action: str, target_user_id: int | None, reason: str,
                    error: AuthError) -> None:
    """Audit a refused action after its transaction rolled back (ASVS: authz failures are logged)."""
    denied = isinstance(error, PermissionDenied | UnknownUser)
    with engine.begin() as connection:
        record_audit(connection, actor.context, "AUTHZ_DENIED" if denied else AUDIT_ACTION[action],
                     amo_id=actor.amo_id, entity_type="users", entity_id=target_user_id,
                     outcome="DENIED" if denied else "FAILURE",
                     reason=f"{action} refused: {error} (reason given: {reason!r})"[:2000])


def _recheck_actor(connection: Connection, actor: Actor) -> None:
    """An admin disabled or signed out while this request was in flight acts no more.

    The actor's user row is share-locked, so a concurrent disable either commits first (and
    this check sees it) or waits until this action has committed.
    """
    if actor.user_id is None:
        return
    query = (sa.select(users.c.is_active, users.c.session_version,
                       user_sessions.c.session_version.label("started_version"), user_sessions.c.ended_at)
             .select_from(users.outerjoin(user_sessions, sa.and_(user_sessions.c.user_id == users.c.id,
                                                                 user_sessions.c.id == actor.session_id)))
             .where(users.c.id == actor.user_id))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(read=True, of=users)
    row = connection.execute(query).first()
    session_live = actor.session_id is None or (
        row is not None and row.ended_at is None and row.started_version == row.session_version)
    if row is None or not row.is_active or not session_live:
        raise PermissionDenied("Your session has ended; sign in again.")


def _already_done(connection: Connection, action: str, key: str) -> bool:
    return connection.execute(
        sa.select(audit_events.c.id).where(audit_events.c.request_id == key,
                                           audit_events.c.action == AUDIT_ACTION[action],
                                           audit_events.c.outcome == "SUCCESS").limit(1)
    ).first() is not None


def _update_user(connection: Connection, actor: Actor, user_id: int, **values: Any) -> dict[str, Any]:
    connection.execute(users.update().where(users.c.id == user_id).values(
        **values, updated_at=datetime.now(UTC), updated_by=actor.user_id,
        row_version=users.c.row_version + 1))
    return user_image(connection, user_id)


def _user_change(before, after, kind, summary, phase=None) -> _Change:
    return _Change("users", after["id"], changed_values(before, after), after, kind, summary, phase)


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


def _disable(connection, actor, account, before, reason, params) -> _Change | None:
    _refuse_lockout(connection, actor, account, "disable")
    if not account.is_active:
        return None
    end_user_sessions(connection, account.id, "DISABLED")
    invalidate_tokens(connection, account.id)
    after = _update_user(connection, actor, account.id, is_active=False, disabled_at=datetime.now(UTC),
                         disabled_reason=reason)
    return _user_change(before, after, "user.disabled", f"{account.username} disabled.", "DISABLED")


def _enable(connection, actor, account, before, reason, params) -> _Change | None:
    if account.is_active:
        return None
    after = _update_user(connection, actor, account.id, is_active=True, disabled_at=None,
                         disabled_reason=None)
    return _user_change(before, after, "user.enabled", f"{account.username} enabled.", "ACTIVE")


def _revoke(connection, actor, account, before, reason, params) -> _Change:
    count = end_user_sessions(connection, account.id, "REVOKED")
    after = _update_user(connection, actor, account.id)
    return _user_change(before, after, "user.sessions_revoked",
                        f"{count} session(s) of {account.username} ended.")


def _reset(connection, actor, account, before, reason, params) -> _Change:
    """The admin never sees or sets a password: the old one stops working and a link goes out."""
    _refuse_lockout(connection, actor, account, "reset the password of")
    end_user_sessions(connection, account.id, "PASSWORD")
    after = _update_user(connection, actor, account.id, password_hash=None,
                         password_changed_at=datetime.now(UTC))
    issue_token(connection, account.id, requested_by=actor.user_id, ip=actor.context.ip,
                base_url=actor.base_url)
    return _user_change(before, after, "user.password_reset",
                        f"Password reset of {account.username} started; a link was sent.")


def _notify(connection, actor, account, before, reason, params) -> _Change:
    subject, body = str(params.get("subject", "")), str(params.get("body", ""))
    check_message(subject, body)
    notification_id = notify(connection, account.id, kind="MESSAGE", subject=subject, body=body,
                             created_by=actor.user_id)
    after = {"id": notification_id, "user_id": account.id, "kind": "MESSAGE", "subject": subject.strip(),
             "body": body, "created_by": actor.user_id}
    return _Change("notifications", notification_id, None, after, "user.notified",
                   f"Message sent to {account.username}.")


def _set_role(connection, actor, account, before, reason, params) -> _Change | None:
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


def _schedule(connection, actor, account, before, reason, params) -> _Change:
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
    after = _schedule_image(connection, schedule_id)
    return _Change("scheduled_actions", schedule_id, None, after, "user.action_scheduled",
                   f"{scheduled.capitalize()} of {account.username} scheduled for "
                   f"{run_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
                   "PENDING")


def _schedule_image(connection: Connection, schedule_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = sa.select(scheduled_actions).where(scheduled_actions.c.id == schedule_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return dict(connection.execute(query).mappings().one())


_HANDLERS: dict[str, Callable[..., _Change | None]] = {
    "user.disable": _disable, "user.enable": _enable, "user.revoke_sessions": _revoke,
    "user.reset_password": _reset, "user.notify": _notify, "user.set_role": _set_role,
    "user.schedule": _schedule,
}
