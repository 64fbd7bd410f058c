"""Admin KPIs (DOMAIN.md §3.9): account state, leavers, dormant accounts, segregation of duties.

Live sessions and failed logins are not archived (security-internal tables), so they are not
reproducible as of a past date; the command center reads them from the auth services instead.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

DORMANT_DAYS = 90
_USERS = ("u.amo_id = $amo_id AND u.voided_at IS NULL AND u.created_at <= $now::TIMESTAMPTZ "
          "AND ($department_id::BIGINT IS NULL OR u.department_id = $department_id::BIGINT)")


def _params(amo_id: int, department_id: int | None) -> dict:
    return {"amo_id": amo_id, "department_id": department_id}


@kpi("ADMIN", 1, "Account state: active and disabled users, MFA coverage",
     headline=Headline("MFA coverage", "latest", column="mfa_coverage", unit="%", scale=100,
                       target=1.0, alarm=0.8,
                       better="higher", how="Active users with MFA on ÷ active users",
                       also=(Headline("active users", "latest", column="active",
                                      how="Users who can log in"),)))
def account_state(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Users by state; MFA coverage is the share of active users with MFA on."""
    return ctx.query(f"""
        SELECT count(*) FILTER (WHERE u.is_active) AS active,
               count(*) FILTER (WHERE NOT u.is_active) AS disabled,
               round(count(*) FILTER (WHERE u.is_active AND u.mfa_enabled)
                     / nullif(count(*) FILTER (WHERE u.is_active), 0), 4) AS mfa_coverage,
               list(u.id ORDER BY u.id) FILTER (WHERE NOT u.is_active) AS disabled_user_ids
        FROM users u WHERE {_USERS}""", _params(amo_id, department_id), tables=("users",))


@kpi("ADMIN", 1, "Leavers still active (should be 0)",
     headline=Headline("Leavers still active", "violations", how="Users who have left and can still log in"))
def leavers_still_active(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Users who have left (``left_at`` passed) and can still log in."""
    return ctx.query(f"""
        SELECT u.id AS user_id, u.username, u.department_id, u.left_at
        FROM users u WHERE {_USERS} AND u.is_active AND u.left_at <= $now::TIMESTAMPTZ
        ORDER BY u.left_at, u.id""", _params(amo_id, department_id), tables=("users",))


@kpi("ADMIN", 1, "Dormant accounts: active users without a login for 90 days",
     headline=Headline("Dormant accounts", "count", target=0, better="lower",
                       how="Active users without a login for 90 days"))
def dormant_accounts(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Active users whose last login (or creation, if never) is more than 90 days ago."""
    return ctx.query(f"""
        SELECT u.id AS user_id, u.username, u.department_id, u.last_login_at,
               date_diff('day', coalesce(u.last_login_at, u.created_at)::DATE, $today::DATE) AS days_idle
        FROM users u
        WHERE {_USERS} AND u.is_active
          AND coalesce(u.last_login_at, u.created_at) < $now::TIMESTAMPTZ - INTERVAL {DORMANT_DAYS} DAY
        ORDER BY days_idle DESC, u.id""", _params(amo_id, department_id), tables=("users",))


@kpi("ADMIN", 1, "Segregation of duties: one person both performed and independently inspected a card",
     headline=Headline("Performer inspected own work", "violations",
                       how="Task cards whose performer is also their independent inspector"))
def performer_is_inspector(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Task cards whose performer is also their independent inspector (should be 0)."""
    return ctx.query("""
        SELECT t.id AS card_id, t.card_no, t.work_order_id, t.performed_by AS user_id, t.inspected_at
        FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
        WHERE w.amo_id = $amo_id AND t.voided_at IS NULL AND t.performed_by = t.inspected_by
          AND t.inspected_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR w.department_id = $department_id::BIGINT)
        ORDER BY t.inspected_at, t.id""",
        _params(amo_id, department_id), tables=("task_cards", "work_orders"))


@kpi("ADMIN", 1, "Privileged actions per month: disable, enable, revoke, reset, role change, schedule",
     headline=Headline("Privileged actions", "sum", column="actions", context="in 12 months",
                       how="Disable, enable, revoke, reset, role change and scheduled actions of the last "
                           "12 months"))
def privileged_actions(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Admin actions (ADMIN_* audit events) per month and action, last 12 months, with the
    latest event id of each (the audit trail holds the reasons and before/after images)."""
    return ctx.query("""
        SELECT strftime(occurred_at, '%Y-%m') AS month, action, count(*) AS actions,
               arg_max(event_id, occurred_at) AS latest_event_id
        FROM audit_events
        WHERE amo_id = $amo_id AND starts_with(action, 'ADMIN_') AND occurred_at <= $now::TIMESTAMPTZ
          AND occurred_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
        GROUP BY month, action ORDER BY month, action""",
        _params(amo_id, department_id), tables=("audit_events",))
