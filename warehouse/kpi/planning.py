"""Planning KPIs (DOMAIN.md §3.5): turn-around, non-routine load, man-hour plan, due list.

Scope: the AMO, and optionally the department that owns the work orders.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi

_ORDERS = ("w.amo_id = $amo_id AND w.voided_at IS NULL "
           "AND ($department_id::BIGINT IS NULL OR w.department_id = $department_id::BIGINT)")


@kpi("PLAN", 1, "Check turn-around time: planned vs actual days and on-time redelivery")
def check_tat(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Work orders finished by now: planned and actual days, slip, on time (actual end ≤ planned end)."""
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no, w.wo_type, w.aircraft_id,
               round(date_diff('hour', w.planned_start, w.planned_end) / 24, 2) AS planned_days,
               round(date_diff('hour', coalesce(w.actual_start, w.planned_start), w.actual_end) / 24, 2)
                   AS actual_days,
               round(date_diff('hour', w.planned_end, w.actual_end) / 24, 2) AS slip_days,
               w.actual_end <= w.planned_end AS on_time
        FROM work_orders w
        WHERE {_ORDERS} AND w.actual_end IS NOT NULL AND w.actual_end <= $now::TIMESTAMPTZ
        ORDER BY w.actual_end DESC, w.id""",
        {"amo_id": amo_id, "department_id": department_id}, tables=("work_orders",))


@kpi("PLAN", 1, "Non-routine ratio: non-routine ÷ routine man-hours per work order")
def non_routine_ratio(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per work order: routine and non-routine MH (actual, else planned) and their ratio."""
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no,
               sum(coalesce(t.actual_mh, t.planned_mh)) FILTER (WHERE t.card_type = 'ROUTINE') AS routine_mh,
               sum(coalesce(t.actual_mh, t.planned_mh)) FILTER (WHERE t.card_type = 'NON_ROUTINE')
                   AS non_routine_mh,
               round(coalesce(non_routine_mh, 0) / nullif(routine_mh, 0), 4) AS ratio,
               list(t.id ORDER BY t.id) FILTER (WHERE t.card_type = 'NON_ROUTINE') AS non_routine_card_ids
        FROM work_orders w JOIN task_cards t ON t.work_order_id = w.id AND t.voided_at IS NULL
        WHERE {_ORDERS} AND t.created_at <= $now::TIMESTAMPTZ
        GROUP BY w.id, w.wo_no ORDER BY ratio DESC NULLS LAST, w.id""",
        {"amo_id": amo_id, "department_id": department_id}, tables=("work_orders", "task_cards"))


@kpi("PLAN", 1, "Man-hour plan: planned man-hours per week of planned start, next 12 weeks")
def man_hour_plan(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Planned MH of open work orders per ISO week of their planned start."""
    return ctx.query(f"""
        SELECT date_trunc('week', w.planned_start)::DATE AS week, count(*) AS work_orders,
               round(sum(w.planned_mh), 1) AS planned_mh, list(w.id ORDER BY w.id) AS work_order_ids
        FROM work_orders w
        WHERE {_ORDERS} AND w.status NOT IN ('COMPLETED', 'CRS_ISSUED', 'CLOSED')
          AND w.planned_start >= date_trunc('week', $now::TIMESTAMPTZ)
          AND w.planned_start < $now::TIMESTAMPTZ + INTERVAL 12 WEEK
        GROUP BY week ORDER BY week""",
        {"amo_id": amo_id, "department_id": department_id}, tables=("work_orders",))


@kpi("PLAN", 1, "Maintenance forecast: directives due in 30 / 60 / 90 days by aircraft")
def maintenance_forecast(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open or repetitive compliance records with a due date in the next 90 days, bucketed."""
    return ctx.query("""
        SELECT a.id AS aircraft_id, a.registration, dc.id AS compliance_id, dr.ref_no, dc.next_due_at,
               CASE WHEN dc.next_due_at <= $now::TIMESTAMPTZ + INTERVAL 30 DAY THEN '30'
                    WHEN dc.next_due_at <= $now::TIMESTAMPTZ + INTERVAL 60 DAY THEN '60'
                    ELSE '90' END AS bucket
        FROM directive_compliance dc JOIN directives dr ON dr.id = dc.directive_id
             LEFT JOIN components co ON co.id = dc.component_id
             JOIN aircraft a ON a.id = coalesce(dc.aircraft_id, co.installed_aircraft_id)
        WHERE a.amo_id = $amo_id AND dc.voided_at IS NULL AND dc.status IN ('OPEN', 'REPETITIVE')
          AND dc.next_due_at >= $now::TIMESTAMPTZ AND dc.next_due_at < $now::TIMESTAMPTZ + INTERVAL 90 DAY
        ORDER BY dc.next_due_at, dc.id""", {"amo_id": amo_id},
        tables=("directive_compliance", "directives", "components", "aircraft"))
