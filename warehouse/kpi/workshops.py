"""Workshop KPIs (DOMAIN.md §3.8): calibration, the out-of-tolerance recall, lost tools, shop TAT.

Scope: the AMO, and optionally the department that owns the tools or shop work orders.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_TOOLS = ("t.amo_id = $amo_id AND t.voided_at IS NULL "
          "AND ($department_id::BIGINT IS NULL OR t.department_id = $department_id::BIGINT)")


def _params(amo_id: int, department_id: int | None) -> dict:
    return {"amo_id": amo_id, "department_id": department_id}


@kpi("WKSP", 1, "Calibration overdue (should be 0) and due within 30 days",
     headline=Headline("Calibration overdue", "violations", where={"overdue": True},
                       how="Calibrated tools in use past their calibration due date",
                       also=(Headline("due in 30 d", "count", where={"overdue": False},
                                      how="Tools whose calibration falls due within 30 days"),)))
def calibration_due(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Calibrated tools in use whose calibration is overdue or due within 30 days."""
    return ctx.query(f"""
        SELECT t.id AS tool_id, t.tool_no, t.department_id, t.next_due_at,
               date_diff('day', $today::DATE, t.next_due_at::DATE) AS days_left,
               t.next_due_at < $now::TIMESTAMPTZ AS overdue
        FROM tools t
        WHERE {_TOOLS} AND t.is_calibrated AND t.status NOT IN ('LOST', 'SCRAPPED')
          AND t.next_due_at < $now::TIMESTAMPTZ + INTERVAL 30 DAY
        ORDER BY t.next_due_at, t.id""", _params(amo_id, department_id), tables=("tools",))


@kpi("WKSP", 1, "Out-of-tolerance recall: task cards that used a tool since its last good calibration",
     headline=Headline("Task cards to recall", "distinct", column="task_card_id", target=0, better="lower",
                       how="Task cards that used a tool between its last good and an out-of-tolerance "
                           "calibration"))
def out_of_tolerance_recall(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """For each calibration found OUT_OF_TOL: every check-out of that tool since its previous
    in-tolerance calibration, with the task card, work order and aircraft to review."""
    return ctx.query(f"""
        WITH bad AS (
            SELECT c.id AS calibration_id, c.tool_id, c.calibrated_at, c.recall_review_id,
                   (SELECT max(g.calibrated_at) FROM tool_calibrations g
                    WHERE g.tool_id = c.tool_id AND g.as_found = 'IN_TOL' AND g.voided_at IS NULL
                      AND g.calibrated_at < c.calibrated_at) AS last_good_at
            FROM tool_calibrations c JOIN tools t ON t.id = c.tool_id
            WHERE {_TOOLS} AND c.voided_at IS NULL AND c.as_found = 'OUT_OF_TOL'
              AND c.calibrated_at <= $now::TIMESTAMPTZ)
        SELECT b.calibration_id, b.tool_id, b.calibrated_at, b.last_good_at, b.recall_review_id,
               u.id AS usage_id, u.user_id, u.occurred_at AS used_at, u.task_card_id,
               tc.work_order_id, w.aircraft_id
        FROM bad b JOIN tool_usage u ON u.tool_id = b.tool_id AND u.usage_kind = 'CHECK_OUT'
             AND u.occurred_at < b.calibrated_at AND u.occurred_at > coalesce(b.last_good_at, '-infinity')
             LEFT JOIN task_cards tc ON tc.id = u.task_card_id
             LEFT JOIN work_orders w ON w.id = tc.work_order_id
        ORDER BY b.calibration_id, u.occurred_at, u.id""", _params(amo_id, department_id),
        tables=("tool_calibrations", "tools", "tool_usage", "task_cards", "work_orders"))


@kpi("WKSP", 1, "Lost tools still open, with age (a FOD risk)",
     headline=Headline("Lost tools open", "count", target=0, better="lower",
                       how="Tools in status LOST (a foreign-object risk)",
                       also=(Headline("oldest", "max", column="days_lost", unit="d",
                                      how="Days since the oldest was lost"),)))
def lost_tools(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Tools in status LOST and the days since they were lost."""
    return ctx.query(f"""
        SELECT t.id AS tool_id, t.tool_no, t.department_id, t.lost_at,
               date_diff('day', coalesce(t.lost_at, t.updated_at)::DATE, $today::DATE) AS days_lost
        FROM tools t WHERE {_TOOLS} AND t.status = 'LOST'
        ORDER BY days_lost DESC, t.id""", _params(amo_id, department_id), tables=("tools",))


@kpi("WKSP", 1, "Shop turn-around and shop findings of shop work orders",
     headline=Headline("Shop turn-around median", "median", column="tat_days", unit="d", decimals=1,
                       how="Median days from start to end of finished shop work orders"))
def shop_tat(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Finished SHOP work orders: days from start to end, and the removals' shop findings."""
    return ctx.query("""
        SELECT w.id AS work_order_id, w.wo_no, w.component_id,
               round(date_diff('hour', coalesce(w.actual_start, w.planned_start), w.actual_end) / 24, 2)
                   AS tat_days,
               count(r.id) FILTER (WHERE r.shop_finding = 'CONFIRMED') AS confirmed,
               count(r.id) FILTER (WHERE r.shop_finding = 'NFF') AS nff
        FROM work_orders w LEFT JOIN component_removals r ON r.work_order_id = w.id AND r.voided_at IS NULL
        WHERE w.amo_id = $amo_id AND w.voided_at IS NULL AND w.wo_type = 'SHOP'
          AND w.actual_end IS NOT NULL AND w.actual_end <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR w.department_id = $department_id::BIGINT)
        GROUP BY w.id, w.wo_no, w.component_id, w.actual_start, w.planned_start, w.actual_end
        ORDER BY w.actual_end DESC, w.id""", _params(amo_id, department_id),
        tables=("work_orders", "component_removals"))
