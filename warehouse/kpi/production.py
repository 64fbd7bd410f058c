"""Production KPIs (DOMAIN.md §3.6): task cards, man-hours, inspections, sign-off validity, tools.

Scope: the AMO, and optionally the department that owns the work orders.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_ORDERS = ("w.amo_id = $amo_id AND w.voided_at IS NULL "
           "AND ($department_id::BIGINT IS NULL OR w.department_id = $department_id::BIGINT)")
SHIFT_HOURS = 12  # a tool checked out longer than a shift should have been returned


def authorisation_in_force(alias: str, moment: str) -> str:
    """SQL: the staff authorisation ``alias`` was in force at ``moment`` (issued before, expiring
    after, not voided, suspended or revoked): the sign-off rule, shared with the investigators' view."""
    return (f"{alias}.voided_at IS NULL AND {alias}.status NOT IN ('suspended', 'revoked') "
            f"AND {alias}.issued_at <= {moment} AND {alias}.expires_at > {moment}")


def _params(amo_id: int, department_id: int | None) -> dict:
    return {"amo_id": amo_id, "department_id": department_id}


@kpi("PROD", 1, "Task-card burn-down per open work order",
     headline=Headline("Task cards still to do", "sum", column="cards", where={"status": ("OPEN", "IN_WORK")},
                       how="Cards open or in work on open work orders",
                       also=(Headline("all cards", "sum", column="cards", how="Cards on open work orders"),)))
def task_card_burndown(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per open work order: task cards by status (OPEN, IN_WORK, DONE, INSPECTED, CLOSED, DEFERRED)."""
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no, t.status, count(*) AS cards,
               list(t.id ORDER BY t.id) AS card_ids
        FROM work_orders w JOIN task_cards t ON t.work_order_id = w.id AND t.voided_at IS NULL
        WHERE {_ORDERS} AND w.status NOT IN ('COMPLETED', 'CRS_ISSUED', 'CLOSED')
          AND t.created_at <= $now::TIMESTAMPTZ
        GROUP BY w.id, w.wo_no, t.status ORDER BY w.id, t.status""",
        _params(amo_id, department_id), tables=("work_orders", "task_cards"))


@kpi("PROD", 1, "Man-hour variance per work order: (actual − planned) ÷ planned over finished cards",
     headline=Headline("Actual ÷ planned man-hours", "ratio", column="actual_mh", per="planned_mh",
                       decimals=2,
                       how="Actual ÷ planned MH of the task cards finished, all work orders"))
def mh_variance(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per work order, over task cards with actual hours: planned, actual and relative variance."""
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no, round(sum(t.planned_mh), 2) AS planned_mh,
               round(sum(t.actual_mh), 2) AS actual_mh,
               round((sum(t.actual_mh) - sum(t.planned_mh)) / nullif(sum(t.planned_mh), 0), 4) AS variance
        FROM work_orders w JOIN task_cards t ON t.work_order_id = w.id AND t.voided_at IS NULL
        WHERE {_ORDERS} AND t.actual_mh IS NOT NULL AND t.performed_at <= $now::TIMESTAMPTZ
        GROUP BY w.id, w.wo_no ORDER BY abs(variance) DESC NULLS LAST, w.id""",
        _params(amo_id, department_id), tables=("work_orders", "task_cards"))


@kpi("PROD", 1, "Independent inspections pending: performed cards awaiting their inspection",
     headline=Headline("Independent inspections pending", "count", better="lower",
                       how="Performed cards waiting for their independent inspection",
                       also=(Headline("longest wait", "max", column="hours_waiting", unit="h",
                                      how="Hours the oldest waits"),)))
def independent_inspections_pending(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Cards that require an independent inspection, are performed and not inspected yet."""
    return ctx.query(f"""
        SELECT t.id AS card_id, t.card_no, w.id AS work_order_id, t.performed_by, t.performed_at,
               round(date_diff('minute', t.performed_at, $now::TIMESTAMPTZ) / 60, 1) AS hours_waiting
        FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
        WHERE {_ORDERS} AND t.voided_at IS NULL AND t.requires_independent_inspection
          AND t.performed_at IS NOT NULL AND t.performed_at <= $now::TIMESTAMPTZ
          AND (t.inspected_at IS NULL OR t.inspected_at > $now::TIMESTAMPTZ)
        ORDER BY t.performed_at, t.id""",
        _params(amo_id, department_id), tables=("task_cards", "work_orders"))


@kpi("PROD", 1, "Sign-offs without a valid authorisation at that moment (should be 0)",
     headline=Headline("Sign-offs without a valid authorisation", "violations",
                       how="Card performances, inspections and CRS by someone holding no valid "
                           "authorisation then"))
def signoffs_without_authorisation(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Task-card performances and inspections, and CRS signatures, made by someone who held no
    authorisation valid at that moment (issued before, expiring after, not suspended or revoked;
    for a CRS, one of the CRS_* types)."""
    return ctx.query(f"""
        WITH signoffs AS (
            SELECT 'PERFORMED' AS meaning, t.id AS card_id, w.id AS work_order_id, t.performed_by AS user_id,
                   t.performed_at AS signed_at
            FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
            WHERE {_ORDERS} AND t.voided_at IS NULL AND t.performed_by IS NOT NULL
            UNION ALL
            SELECT 'INSPECTED', t.id, w.id, t.inspected_by, t.inspected_at
            FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
            WHERE {_ORDERS} AND t.voided_at IS NULL AND t.inspected_by IS NOT NULL
            UNION ALL
            SELECT 'CRS', NULL, w.id, w.crs_signed_by, w.crs_issued_at
            FROM work_orders w WHERE {_ORDERS} AND w.crs_signed_by IS NOT NULL)
        SELECT s.meaning, s.card_id, s.work_order_id, s.user_id, s.signed_at
        FROM signoffs s
        WHERE s.signed_at <= $now::TIMESTAMPTZ AND NOT EXISTS (
            SELECT 1 FROM staff_authorisations a
            WHERE a.user_id = s.user_id AND {authorisation_in_force('a', 's.signed_at')}
              AND (s.meaning <> 'CRS' OR a.auth_type LIKE 'CRS%'))
        ORDER BY s.signed_at, s.meaning""",
        _params(amo_id, department_id), tables=("task_cards", "work_orders", "staff_authorisations"))


@kpi("PROD", 1, "Work orders awaiting parts, oldest first",
     headline=Headline("Work orders awaiting parts", "count", better="lower",
                       how="Work orders in status AWAITING_PARTS",
                       also=(Headline("oldest", "max", column="days_waiting", unit="d",
                                      how="Days the oldest waits"),)))
def awaiting_parts_ageing(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Work orders in AWAITING_PARTS with the days since they last changed."""
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no, w.aircraft_id,
               date_diff('day', w.updated_at::DATE, $today::DATE) AS days_waiting
        FROM work_orders w
        WHERE {_ORDERS} AND w.status = 'AWAITING_PARTS'
        ORDER BY days_waiting DESC, w.id""", _params(amo_id, department_id), tables=("work_orders",))


@kpi("PROD", 1, "Tools not returned within a shift",
     headline=Headline("Tools not returned", "violations",
                       how="Tool check-outs older than a 12-hour shift with no return"))
def tools_not_returned(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Tool check-outs with no return by now, older than one shift (12 hours)."""
    return ctx.query(f"""
        SELECT o.id AS check_out_id, o.tool_id, tl.tool_no, o.user_id, o.task_card_id, o.occurred_at,
               round(date_diff('minute', o.occurred_at, $now::TIMESTAMPTZ) / 60, 1) AS hours_out
        FROM tool_usage o JOIN tools tl ON tl.id = o.tool_id
        WHERE tl.amo_id = $amo_id AND o.usage_kind = 'CHECK_OUT' AND o.occurred_at <= $now::TIMESTAMPTZ
          AND o.occurred_at < $now::TIMESTAMPTZ - INTERVAL {SHIFT_HOURS} HOUR
          AND ($department_id::BIGINT IS NULL OR tl.department_id = $department_id::BIGINT)
          AND NOT EXISTS (SELECT 1 FROM tool_usage r WHERE r.check_out_id = o.id AND r.usage_kind = 'RETURN'
                          AND r.occurred_at <= $now::TIMESTAMPTZ)
        ORDER BY o.occurred_at, o.id""", _params(amo_id, department_id), tables=("tool_usage", "tools"))


@kpi("PROD", 1, "Activity volume: the department's feed events per month and kind, last 12 months",
     headline=Headline("Activity events", "sum", column="events", context="in 12 months",
                       how="The department's feed events of the last 12 months"))
def activity_volume(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Activity events (card closed, CRS issued, part issued, ...) per month and kind."""
    # Days from the epoch (integer arithmetic, UTC) grouped first, months from the few day rows:
    # time zone functions on every event row cost more than the scan.
    return ctx.query("""
        SELECT strftime(date_trunc('month', make_timestamp(day * 86400000000)), '%Y-%m') AS month, kind,
               sum(events)::BIGINT AS events, max(latest_at) AS latest_at
        FROM (SELECT epoch_us(occurred_at) // 86400000000 AS day, kind, count(*) AS events,
                     max(occurred_at) AS latest_at
              FROM activity_events
              WHERE amo_id = $amo_id AND occurred_at <= $now::TIMESTAMPTZ
                AND occurred_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
                AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
              GROUP BY day, kind)
        GROUP BY month, kind
        ORDER BY month, kind""",
        _params(amo_id, department_id), tables=("activity_events",))
