"""What the admin overview shows: the users of an AMO and their account-state KPIs.

Listings never include secrets (password hashes, session keys, token hashes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.rate_limits import failures_since
from warehouse.schema import audit_events, departments, roles, scheduled_actions, user_sessions, users

DORMANT_AFTER = timedelta(days=90)


def _live_sessions(idle: timedelta, now: datetime):
    return sa.and_(user_sessions.c.ended_at.is_(None), user_sessions.c.last_seen_at > now - idle)


def list_users(connection: Connection, amo_id: int, *, idle: timedelta) -> list[dict[str, Any]]:
    """Every user of the AMO with department, role, state and open session count."""
    now = datetime.now(UTC)
    sessions = (sa.select(sa.func.count()).where(user_sessions.c.user_id == users.c.id,
                                                 _live_sessions(idle, now))
                .correlate(users).scalar_subquery())
    rows = connection.execute(
        sa.select(users.c.id, users.c.username, users.c.full_name, departments.c.code.label("department"),
                  roles.c.code.label("role"), users.c.is_active, users.c.last_login_at, users.c.left_at,
                  users.c.disabled_reason, sessions.label("sessions"))
        .join(departments, departments.c.id == users.c.department_id)
        .join(roles, roles.c.id == users.c.role_id)
        .where(users.c.amo_id == amo_id).order_by(users.c.username)
    ).mappings().all()
    return [dict(row) for row in rows]


def account_kpis(connection: Connection, amo_id: int, *, idle: timedelta) -> dict[str, int]:
    """Active, disabled, sessions now, failed logins 24 h, leavers still active, dormant > 90 d,
    and the share of active users with MFA (percent)."""
    now = datetime.now(UTC)
    in_amo = users.c.amo_id == amo_id

    def count(*conditions) -> int:
        return connection.execute(sa.select(sa.func.count()).where(in_amo, *conditions)).scalar_one()

    sessions_now = connection.execute(
        sa.select(sa.func.count()).select_from(user_sessions.join(users))
        .where(in_amo, _live_sessions(idle, now))
    ).scalar_one()
    dormant_since = now - DORMANT_AFTER
    active = count(users.c.is_active.is_(True))
    with_mfa = count(users.c.is_active.is_(True), users.c.mfa_enabled.is_(True))
    return {
        "active": active,
        "disabled": count(users.c.is_active.is_(False)),
        "sessions_now": sessions_now,
        "failed_logins_24h": failures_since(connection, now - timedelta(hours=24),
                                            sa.select(users.c.username).where(in_amo)),
        "leavers_still_active": count(users.c.is_active.is_(True), users.c.left_at.is_not(None),
                                      users.c.left_at <= now),
        "dormant_90d": count(users.c.is_active.is_(True), sa.or_(
            users.c.last_login_at < dormant_since,
            sa.and_(users.c.last_login_at.is_(None), users.c.created_at < dormant_since))),
        "mfa_coverage_pct": round(100 * with_mfa / active) if active else 0,
    }


def pending_schedules(connection: Connection, amo_id: int) -> list[dict[str, Any]]:
    """Scheduled actions of the AMO that have not run yet, soonest first."""
    rows = connection.execute(
        sa.select(scheduled_actions.c.id, scheduled_actions.c.action, users.c.username.label("target"),
                  scheduled_actions.c.run_at, scheduled_actions.c.reason)
        .join(users, users.c.id == scheduled_actions.c.target_user_id)
        .where(scheduled_actions.c.amo_id == amo_id, scheduled_actions.c.status == "PENDING")
        .order_by(scheduled_actions.c.run_at)
    ).mappings().all()
    return [dict(row) for row in rows]


PRIVILEGED_ACTIONS = ("ADMIN_DISABLE", "ADMIN_ENABLE", "ADMIN_REVOKE", "ADMIN_RESET", "ADMIN_NOTIFY",
                      "ADMIN_SCHEDULE", "ADMIN_CANCEL_SCHEDULE", "ADMIN_SET_ROLE")


def privileged_actions(connection: Connection, amo_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The newest command-center actions of the AMO with who, on whom, why and the outcome."""
    actor = users.alias("actor")
    rows = connection.execute(
        sa.select(audit_events.c.occurred_at, audit_events.c.action, audit_events.c.outcome,
                  audit_events.c.entity_type, audit_events.c.entity_id, audit_events.c.actor_user_id,
                  sa.func.coalesce(actor.c.username, audit_events.c.auth_method).label("actor"),
                  audit_events.c.reason)
        .outerjoin(actor, actor.c.id == audit_events.c.actor_user_id)
        .where(audit_events.c.amo_id == amo_id, audit_events.c.action.in_(PRIVILEGED_ACTIONS))
        .order_by(audit_events.c.id.desc()).limit(limit)
    ).mappings().all()
    return [dict(row) for row in rows]
