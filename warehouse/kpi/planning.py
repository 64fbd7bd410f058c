"""Planning KPIs (DOMAIN.md §3.5): turn-around, ground time, work-package readiness,
non-routine load, man-hour plan against available man-hours, due list.

Scope: the AMO, and optionally the department that owns the work orders.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_ORDERS = ("w.amo_id = $amo_id AND w.voided_at IS NULL "
           "AND ($department_id::BIGINT IS NULL OR w.department_id = $department_id::BIGINT)")
_CHECKS = "w.wo_type IN ('A_CHECK', 'C_CHECK')"  # planned aircraft checks: ground time booked ahead
STANDARD_WEEKLY_MH = 37.5  # productive man-hours one active staff member gives a week (145.A.47(a))


@kpi("PLAN", 1, "Check turn-around time: planned vs actual days and on-time redelivery",
     headline=Headline("On-time redelivery", "share", column="on_time",
                       target=0.9, alarm=0.7, better="higher",
                       how="Work orders finished by their planned end ÷ work orders finished",
                       also=(Headline("median slip", "median", column="slip_days", unit="d", decimals=1,
                                      how="Median of actual end − planned end, in days"),)))
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


@kpi("PLAN", 1, "Non-routine ratio: non-routine ÷ routine man-hours per work order",
     headline=Headline("Non-routine ratio", "ratio", column="non_routine_mh", per="routine_mh", decimals=2,
                       how="Non-routine ÷ routine task-card man-hours (actual, else planned), all work "
                           "orders"))
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


@kpi("PLAN", 2, "Man-hour plan vs available: planned and available man-hours per week, next 12 weeks",
     headline=Headline("Planned ÷ available man-hours", "ratio", column="planned_mh", per="available_mh",
                       decimals=2,
                       target=1.0, alarm=1.2, better="lower", context="next 12 weeks",
                       how="Planned MH of open work orders ÷ rostered MH, this week and the next 11 "
                           "(145.A.47)"))
def man_hour_plan(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per ISO week, this one and the next 11: planned MH of the open work orders planned in that
    week, available MH and their ratio (load above 1 means more work planned than people to do it).
    A work order's planned MH are spread evenly over the days from its planned start to its planned
    end, so a ten-day line package loads both weeks it spans, not the first alone.

    Available MH = staff × :data:`STANDARD_WEEKLY_MH`, counting the active users of the
    department (or, for the whole AMO, of every department that owns work orders) who have not
    left by the week's start. 145.A.47(a) asks for a man-hour plan showing enough staff for the
    planned work; weeks with neither plan nor staff are left out.
    """
    return ctx.query(f"""
        WITH weeks AS (
            SELECT (date_trunc('week', $today::DATE) + INTERVAL 7 DAY * i)::DATE AS week
            FROM range(12) AS r(i)),
        open_orders AS (
            SELECT w.id, w.planned_mh, w.planned_start::DATE AS first_day,
                   greatest(coalesce(w.planned_end, w.planned_start), w.planned_start)::DATE AS last_day
            FROM work_orders w
            WHERE {_ORDERS} AND w.status NOT IN ('COMPLETED', 'CRS_ISSUED', 'CLOSED')),
        order_days AS (
            SELECT o.id, o.planned_mh / (date_diff('day', o.first_day, o.last_day) + 1) AS day_mh, d.day
            FROM open_orders o,
                 unnest(generate_series(o.first_day, o.last_day, INTERVAL 1 DAY)) AS d(day)),
        planned AS (
            SELECT date_trunc('week', day)::DATE AS week, count(DISTINCT id) AS work_orders,
                   sum(day_mh) AS planned_mh, list_sort(list(DISTINCT id)) AS work_order_ids
            FROM order_days GROUP BY 1),
        staff AS (
            SELECT wk.week, count(u.id) AS staff
            FROM weeks wk JOIN users u ON u.amo_id = $amo_id AND u.voided_at IS NULL AND u.is_active
                 AND (u.left_at IS NULL OR u.left_at > wk.week::TIMESTAMPTZ)
            WHERE CASE WHEN $department_id::BIGINT IS NULL
                       THEN u.department_id IN (SELECT w.department_id FROM work_orders w
                                                WHERE w.amo_id = $amo_id AND w.voided_at IS NULL)
                       ELSE u.department_id = $department_id::BIGINT END
            GROUP BY wk.week)
        SELECT wk.week, coalesce(p.work_orders, 0) AS work_orders,
               round(coalesce(p.planned_mh, 0), 1) AS planned_mh,
               coalesce(s.staff, 0) AS staff, coalesce(s.staff, 0) * {STANDARD_WEEKLY_MH} AS available_mh,
               round(coalesce(p.planned_mh, 0) / nullif(available_mh, 0), 4) AS load_ratio,
               p.work_order_ids
        FROM weeks wk LEFT JOIN planned p USING (week) LEFT JOIN staff s USING (week)
        WHERE p.planned_mh > 0 OR s.staff > 0
        ORDER BY wk.week""",
        {"amo_id": amo_id, "department_id": department_id}, tables=("work_orders", "users"))


@kpi("PLAN", 2, "Work-package readiness: routine task cards with parts or tools booked by the check start",
     headline=Headline("Work-package readiness", "rate", column="ready_cards", per="cards",
                       target=0.9, alarm=0.7,
                       better="higher", how="Routine cards with material booked by the check start ÷ "
                                            "routine cards"))
def work_package_readiness(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per A or C check starting within 180 days before to 30 days after now: the task cards of
    its package, how many were ready at the check start, the share ready, and the cards missing
    material. Six months back is longer than the interval between two A checks of an aircraft
    (about four months), so an AMO whose checks fall close together still has a recent package.

    The package is the check's routine cards (the planned work; non-routine cards arise from what
    the check finds). The check start is the actual start, else the planned start. A card is
    ready when material was booked to it by then: a part ISSUE or TRANSFER movement naming the
    card, or a tool CHECK_OUT for the card (the records hold no separate reservation). A package
    whose material arrives only when the mechanic starts stalls the check.
    """
    return ctx.query(f"""
        WITH checks AS (
            SELECT w.id, w.wo_no, w.aircraft_id, coalesce(w.actual_start, w.planned_start) AS check_start
            FROM work_orders w
            WHERE {_ORDERS} AND {_CHECKS}
              AND coalesce(w.actual_start, w.planned_start) > $now::TIMESTAMPTZ - INTERVAL 180 DAY
              AND coalesce(w.actual_start, w.planned_start) <= $now::TIMESTAMPTZ + INTERVAL 30 DAY),
        package AS (
            SELECT c.*, t.id AS card_id, least(c.check_start, $now::TIMESTAMPTZ) AS cutoff
            FROM checks c JOIN task_cards t ON t.work_order_id = c.id AND t.voided_at IS NULL
            WHERE t.card_type = 'ROUTINE'),
        ready AS (
            SELECT p.id, p.wo_no, p.aircraft_id, p.check_start, p.card_id,
                   EXISTS (SELECT 1 FROM part_movements m
                           WHERE m.task_card_id = p.card_id AND m.movement_type IN ('ISSUE', 'TRANSFER')
                             AND m.performed_at <= p.cutoff)
                   OR EXISTS (SELECT 1 FROM tool_usage u
                              WHERE u.task_card_id = p.card_id AND u.usage_kind = 'CHECK_OUT'
                                AND u.occurred_at <= p.cutoff) AS is_ready
            FROM package p)
        SELECT id AS work_order_id, wo_no, aircraft_id, check_start, count(*) AS cards,
               count(*) FILTER (WHERE is_ready) AS ready_cards,
               round(ready_cards / count(*), 4) AS readiness,
               list(card_id ORDER BY card_id) FILTER (WHERE NOT is_ready) AS missing_card_ids
        FROM ready
        GROUP BY id, wo_no, aircraft_id, check_start ORDER BY readiness, check_start, id""",
        {"amo_id": amo_id, "department_id": department_id},
        tables=("work_orders", "task_cards", "part_movements", "tool_usage"))


@kpi("PLAN", 1, "More ground time: unplanned ÷ planned ground time of checks finished, last 12 months",
     headline=Headline("More ground time", "rate", column="unplanned_hours", per="planned_hours", target=0.1,
                       alarm=0.25, better="lower",
                       how="Unplanned ÷ planned ground time of checks finished in the last 12 months"))
def more_ground_time(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per A or C check finished in the last 12 months: planned ground time (planned start to
    end), actual ground time (actual start to end), unplanned ground time (the overrun, never
    negative) and MGT = unplanned ÷ planned. Every extra hour on the ground is an hour the
    operator cannot fly the aircraft.
    """
    return ctx.query(f"""
        SELECT w.id AS work_order_id, w.wo_no, w.aircraft_id, a.registration,
               round(date_diff('minute', w.planned_start, w.planned_end) / 60, 2) AS planned_hours,
               round(date_diff('minute', coalesce(w.actual_start, w.planned_start), w.actual_end) / 60, 2)
                   AS actual_hours,
               greatest(actual_hours - planned_hours, 0) AS unplanned_hours,
               round(unplanned_hours / nullif(planned_hours, 0), 4) AS mgt
        FROM work_orders w LEFT JOIN aircraft a ON a.id = w.aircraft_id
        WHERE {_ORDERS} AND {_CHECKS} AND w.actual_end IS NOT NULL AND w.actual_end <= $now::TIMESTAMPTZ
          AND w.actual_end > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        ORDER BY mgt DESC NULLS LAST, w.id""",
        {"amo_id": amo_id, "department_id": department_id}, tables=("work_orders", "aircraft"))


@kpi("PLAN", 1, "Maintenance forecast: directives due in 30 / 60 / 90 days by aircraft",
     headline=Headline("Directives due in 90 d", "count",
                       how="Open or repetitive compliance records due within 90 days",
                       also=(Headline("within 30 d", "count", where={"bucket": "30"},
                                      how="Compliance records due within 30 days"),)))
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
