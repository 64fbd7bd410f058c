"""Safety (SMS) KPIs (DOMAIN.md §3.2). Report rates are a health signal, never a target.

Scope: the AMO, and optionally the department a report or action belongs to. Confidential
reports are counted like the others; no KPI names a reporter.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi

_REPORTS = ("amo_id = $amo_id AND voided_at IS NULL AND reported_at <= $now::TIMESTAMPTZ "
            "AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)")


def _params(amo_id: int, department_id: int | None) -> dict:
    return {"amo_id": amo_id, "department_id": department_id}


@kpi("SAFE", 1, "Safety reports per month by kind, last 12 months")
def safety_reports_per_month(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Reports received per month and kind (OCCURRENCE, HAZARD, NEAR_MISS, ERROR)."""
    return ctx.query(f"""
        SELECT strftime(reported_at, '%Y-%m') AS month, kind, count(*) AS reports,
               list(id ORDER BY id) AS report_ids
        FROM safety_reports
        WHERE {_REPORTS} AND reported_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        GROUP BY month, kind ORDER BY month, kind""", _params(amo_id, department_id),
        tables=("safety_reports",))


@kpi("SAFE", 1, "Risk matrix: reports per severity x likelihood cell, open and all")
def risk_matrix(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """One row per assessed cell (severity 1-5, likelihood 1-5) with open and total counts."""
    return ctx.query(f"""
        SELECT severity, likelihood, max(tolerability) AS tolerability, count(*) AS reports,
               count(*) FILTER (WHERE status <> 'CLOSED') AS open_reports,
               list(id ORDER BY id) AS report_ids
        FROM safety_reports
        WHERE {_REPORTS} AND severity IS NOT NULL AND likelihood IS NOT NULL
        GROUP BY severity, likelihood ORDER BY severity DESC, likelihood DESC""",
        _params(amo_id, department_id), tables=("safety_reports",))


def _timeliness(ctx: KpiContext, amo_id: int, department_id: int | None, flag: str, submitted: str,
                hours: int) -> Frame:
    return ctx.query(f"""
        WITH due AS (
            SELECT id, CASE WHEN {submitted} <= $now::TIMESTAMPTZ THEN {submitted} END AS submitted_at,
                   reported_at + INTERVAL {hours} HOUR AS due_at
            FROM safety_reports WHERE {_REPORTS} AND {flag})
        SELECT count(*) AS reports,
               count(*) FILTER (WHERE submitted_at <= due_at) AS on_time,
               round(on_time / nullif(count(*), 0), 4) AS rate,
               list(id ORDER BY id) FILTER (WHERE coalesce(submitted_at > due_at, due_at < $now::TIMESTAMPTZ))
                   AS late_report_ids
        FROM due""", _params(amo_id, department_id), tables=("safety_reports",))


@kpi("SAFE", 1, "MOR timeliness: mandatory occurrence reports submitted within 72 hours")
def mor_timeliness(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """MOR reports, how many reached the authority within 72 h of being reported, and the late ones
    (submitted late, or not submitted and already past 72 h)."""
    return _timeliness(ctx, amo_id, department_id, "is_mor", "mor_submitted_at", 72)


@kpi("SAFE", 1, "SDR timeliness (FAA 145.221): submitted within 96 hours of discovery")
def sdr_timeliness(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """SDR reports submitted within 96 h, as for :func:`mor_timeliness`."""
    return _timeliness(ctx, amo_id, department_id, "is_sdr", "sdr_submitted_at", 96)


@kpi("SAFE", 1, "Contributing factors (MEDA) Pareto over the last 12 months")
def contributing_factors_pareto(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Reports per contributing factor, most frequent first (a report may name several)."""
    return ctx.query(f"""
        WITH factors AS (
            SELECT id, unnest(from_json(contributing_factors, '["VARCHAR"]')) AS factor
            FROM safety_reports WHERE {_REPORTS} AND reported_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH)
        SELECT factor, count(*) AS reports, list(id ORDER BY id) AS report_ids
        FROM factors GROUP BY factor ORDER BY reports DESC, factor""",
        _params(amo_id, department_id), tables=("safety_reports",))


@kpi("SAFE", 1, "Open safety actions overdue: CARs of occurrence findings past their due date")
def overdue_safety_actions(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open CARs raised from findings with source OCCURRENCE, past ``coalesce(extended, due)``."""
    return ctx.query("""
        SELECT c.id AS car_id, c.car_no, f.id AS finding_id, f.safety_report_id, c.department_id,
               date_diff('day', coalesce(c.extended_due_date, c.due_date), $today::DATE) AS days_overdue
        FROM cars c JOIN findings f ON f.id = c.finding_id
        WHERE c.amo_id = $amo_id AND c.voided_at IS NULL AND f.source = 'OCCURRENCE'
          AND c.status <> 'CLOSED' AND coalesce(c.extended_due_date, c.due_date) < $today::DATE
          AND ($department_id::BIGINT IS NULL OR c.department_id = $department_id::BIGINT)
        ORDER BY days_overdue DESC, c.id""", _params(amo_id, department_id), tables=("cars", "findings"))
