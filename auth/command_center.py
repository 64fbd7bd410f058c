"""The user command center: disable, enable, revoke sessions, reset password, notify, set role,
schedule and cancel, for admins in the browser, operators on the CLI and the scheduler.

Each action is checked against the policy table, needs a reason, and commits the change, its
``audit_events`` row (before and after images) and its ``activity_events`` row in one
transaction, or nothing at all. With an idempotency key a retried call is a no-op; disable and
enable are also idempotent by state. Nonsense is refused with a message: acting on yourself
where it locks you out, on the last active superuser, or on a user of another AMO (reported as
unknown, so other AMOs' accounts stay invisible). What each action changes is in
:mod:`auth.user_actions`; this module is the frame every action runs in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.actors import Actor
from auth.errors import ActionRefused, AuthError, PermissionDenied, UnknownUser
from auth.policy import may_perform
from auth.user_actions import HANDLERS, SCHEDULABLE, Change, schedule_image
from auth.users import admin_department_id, changed_values, find_account, user_image
from warehouse.events import record_activity, record_audit
from warehouse.schema import audit_events, scheduled_actions, user_sessions, users

MAX_REASON = 1000
AUDIT_ACTION = {
    "user.disable": "ADMIN_DISABLE", "user.enable": "ADMIN_ENABLE", "user.revoke_sessions": "ADMIN_REVOKE",
    "user.reset_password": "ADMIN_RESET", "user.notify": "ADMIN_NOTIFY", "user.schedule": "ADMIN_SCHEDULE",
    "user.cancel_schedule": "ADMIN_CANCEL_SCHEDULE", "user.set_role": "ADMIN_SET_ROLE",
}


@dataclass(frozen=True)
class Outcome:
    """What an action did: ``changed`` is False for a no-op (already in that state, or a retry)."""

    action: str
    target_user_id: int
    changed: bool
    message: str
    entity_id: int | None = None


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
            before = schedule_image(connection, schedule_id, lock=True)
            if before["status"] != "PENDING":
                return Outcome(action, before["target_user_id"], False,
                               f"Scheduled action {schedule_id} is already {before['status'].lower()}.")
            connection.execute(scheduled_actions.update().where(scheduled_actions.c.id == schedule_id).values(
                status="CANCELLED", cancelled_at=datetime.now(UTC), cancelled_by=actor.user_id))
            after = schedule_image(connection, schedule_id)
            account = find_account(connection, user_id=before["target_user_id"])
            change = Change("scheduled_actions", schedule_id, changed_values(before, after), after,
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
    change = HANDLERS[action](connection, actor, account, before, reason, params)
    if change is None:
        return Outcome(action, account.id, False, f"{account.username} is already in that state.")
    _record(connection, actor, action, account, change, reason)
    return Outcome(action, account.id, True, change.summary, change.entity_id)


def _record(connection: Connection, actor: Actor, action: str, account, change: Change, reason: str) -> None:
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
