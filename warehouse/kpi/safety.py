"""Safety (SMS) KPIs (DOMAIN.md §3.2). Report rates are a health signal, never a target.

Scope: the AMO, and optionally the department a report or action belongs to. Confidential
reports are counted like the others; no KPI names a reporter.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_REPORTS = ("amo_id = $amo_id AND voided_at IS NULL AND reported_at <= $now::TIMESTAMPTZ "
            "AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)")


def _params(amo_id: int, department_id: int | None) -> dict:
    return {"amo_id": amo_id, "department_id": department_id}


@kpi("SAFE", 1, "Safety reports per month by kind, last 12 months",
     headline=Headline("Safety reports", "sum", column="reports", context="in 12 months",
                       how="Reports received in the last 12 months, all kinds (a health signal, not a "
                           "target)"))
def safety_reports_per_month(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Reports received per month and kind (OCCURRENCE, HAZARD, NEAR_MISS, ERROR)."""
    return ctx.query(f"""
        SELECT strftime(reported_at, '%Y-%m') AS month, kind, count(*) AS reports,
               list(id ORDER BY id) AS report_ids
        FROM safety_reports
        WHERE {_REPORTS} AND reported_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        GROUP BY month, kind ORDER BY month, kind""", _params(amo_id, department_id),
        tables=("safety_reports",))


@kpi("SAFE", 1, "Risk matrix: reports per severity x likelihood cell, open and all",
     headline=Headline("Open intolerable-risk reports", "sum", column="open_reports",
                       where={"tolerability": "INTOLERABLE"},
                       target=0, better="lower",
                       how="Open reports assessed in the intolerable region of the 5×5 matrix (risk index ≥ "
                           "15)",
                       also=(Headline("assessed", "sum", column="reports",
                                      how="Reports with a risk assessment"),)))
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


@kpi("SAFE", 1, "MOR timeliness: mandatory occurrence reports submitted within 72 hours",
     headline=Headline("MORs within 72 h", "rate", column="on_time", per="reports", target=1.0, alarm=0.9,
                       better="higher", how="Mandatory occurrence reports submitted within 72 h ÷ MORs"))
def mor_timeliness(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """MOR reports, how many reached the authority within 72 h of being reported, and the late ones
    (submitted late, or not submitted and already past 72 h)."""
    return _timeliness(ctx, amo_id, department_id, "is_mor", "mor_submitted_at", 72)


@kpi("SAFE", 1, "SDR timeliness (FAA 145.221): submitted within 96 hours of discovery",
     headline=Headline("SDRs within 96 h", "rate", column="on_time", per="reports", target=1.0, alarm=0.9,
                       better="higher", how="Service difficulty reports submitted within 96 h ÷ SDRs"))
def sdr_timeliness(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """SDR reports submitted within 96 h, as for :func:`mor_timeliness`."""
    return _timeliness(ctx, amo_id, department_id, "is_sdr", "sdr_submitted_at", 96)


@kpi("SAFE", 1, "Contributing factors (MEDA) Pareto over the last 12 months",
     headline=Headline("Reports naming a contributing factor", "distinct", column="report_ids",
                       context="in 12 months", how="Reports of the last 12 months with at least one MEDA "
                                                   "factor"))
def contributing_factors_pareto(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Reports per contributing factor, most frequent first (a report may name several)."""
    return ctx.query(f"""
        WITH factors AS (
            SELECT id, unnest(from_json(contributing_factors, '["VARCHAR"]')) AS factor
            FROM safety_reports WHERE {_REPORTS} AND reported_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH)
        SELECT factor, count(*) AS reports, list(id ORDER BY id) AS report_ids
        FROM factors GROUP BY factor ORDER BY reports DESC, factor""",
        _params(amo_id, department_id), tables=("safety_reports",))


@kpi("SAFE", 1, "Open safety actions overdue: CARs of occurrence findings past their due date",
     headline=Headline("Overdue safety actions", "violations",
                       how="Open CARs of occurrence findings past their (extended) due date"))
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


# The SPI series, in the order a control chart offers them (the first one is shown by default).
SPI_KINDS = ("OCCURRENCE", "ERROR", "NEAR_MISS", "HAZARD")
# Target = the preceding period's mean rate changed by this much. Occurrences and errors are
# outcomes to reduce; hazard and near-miss reporting is a health signal whose target is to keep
# reporting at least as before (DOMAIN.md §1.3: never aim for fewer reports).
SPI_TARGET_CHANGE = {"OCCURRENCE": -0.05, "ERROR": -0.05, "NEAR_MISS": 0.0, "HAZARD": 0.0}


@kpi("SAFE", 1, "SPI control chart: reports per 1000 production MH by kind, with alert levels",
     headline=Headline("SPI months above +2 SD", "count", where={"alert_level": (2, 3)},
                       target=0, alarm=2, better="lower",
                       how="Months of the last 12 whose report rate per 1000 MH is above the +2 SD alert "
                           "line, all kinds"))
def spi_control_chart(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Safety performance indicators (ICAO Doc 9859 alert-level method, DOMAIN.md §1.3, §3.2).

    One row per kind (OCCURRENCE, ERROR, NEAR_MISS, HAZARD) and month of the last 12 (the as-of
    month last): ``reports`` received that month and ``rate_per_1000_mh``, reports per 1000
    production man-hours. The denominator is the AMO's task-card man-hours performed that
    month (``task_cards.actual_mh`` by ``performed_at``), for the whole AMO even when the
    reports are scoped to one department: man-hours are the exposure of the maintenance
    activity, and most departments book none themselves. A month without man-hours has no rate.

    The alert lines come from the preceding 12 months (the 12 before those shown): ``mean`` and
    ``alert_1..3`` = mean + 1, 2, 3 sample standard deviations of the monthly rate.
    ``target`` = mean × (1 + SPI_TARGET_CHANGE[kind]). ``alert_level`` is the highest line the
    month's rate is above (0 = none; null when there is no rate or fewer than two baseline months).
    ``report_ids`` are the month's reports, for the drilldown.
    """
    window = "date_trunc('month', $today::DATE) - INTERVAL 23 MONTH"
    return ctx.query(f"""
        WITH months AS (
            SELECT m::DATE AS month_start, row_number() OVER (ORDER BY m) AS n
            FROM unnest(generate_series({window}, date_trunc('month', $today::DATE), INTERVAL 1 MONTH))
                 AS t(m)),
        kinds AS (SELECT unnest($kinds::VARCHAR[]) AS kind, unnest($changes::DOUBLE[]) AS target_change),
        hours AS (
            SELECT date_trunc('month', t.performed_at)::DATE AS month_start, sum(t.actual_mh) AS mh
            FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
            WHERE w.amo_id = $amo_id AND w.voided_at IS NULL AND t.voided_at IS NULL
              AND t.actual_mh IS NOT NULL AND t.performed_at <= $now::TIMESTAMPTZ
              AND t.performed_at >= {window}
            GROUP BY 1),
        counted AS (
            SELECT date_trunc('month', reported_at)::DATE AS month_start, kind, count(*) AS reports,
                   list(id ORDER BY id) AS report_ids
            FROM safety_reports WHERE {_REPORTS} AND reported_at >= {window}
            GROUP BY 1, 2),
        series AS (
            SELECT m.month_start, m.n, k.kind, k.target_change, coalesce(c.reports, 0) AS reports,
                   c.report_ids, coalesce(h.mh, 0) AS production_mh,
                   1000 * coalesce(c.reports, 0) / nullif(h.mh, 0) AS rate
            FROM months m CROSS JOIN kinds k
            LEFT JOIN counted c ON c.month_start = m.month_start AND c.kind = k.kind
            LEFT JOIN hours h ON h.month_start = m.month_start),
        baseline AS (
            SELECT kind, avg(rate) AS mean, stddev_samp(rate) AS sd FROM series WHERE n <= 12 GROUP BY kind)
        SELECT strftime(s.month_start, '%Y-%m') AS month, s.kind, s.reports,
               round(s.production_mh, 1) AS production_mh, round(s.rate, 4) AS rate_per_1000_mh,
               round(b.mean, 4) AS mean, round(b.mean + b.sd, 4) AS alert_1,
               round(b.mean + 2 * b.sd, 4) AS alert_2, round(b.mean + 3 * b.sd, 4) AS alert_3,
               round(b.mean * (1 + s.target_change), 4) AS target,
               CASE WHEN s.rate IS NULL OR b.sd IS NULL THEN NULL
                    WHEN s.rate > b.mean + 3 * b.sd THEN 3 WHEN s.rate > b.mean + 2 * b.sd THEN 2
                    WHEN s.rate > b.mean + b.sd THEN 1 ELSE 0 END AS alert_level,
               s.report_ids
        FROM series s JOIN baseline b USING (kind)
        WHERE s.n > 12
        ORDER BY list_position($kinds::VARCHAR[], s.kind), s.month_start""",
        {**_params(amo_id, department_id), "kinds": list(SPI_KINDS),
         "changes": [SPI_TARGET_CHANGE[kind] for kind in SPI_KINDS]},
        tables=("safety_reports", "task_cards", "work_orders"))


_HAZARDS = ("h.amo_id = $amo_id AND h.voided_at IS NULL AND h.status <> 'CLOSED' "
            "AND h.identified_at <= $now::TIMESTAMPTZ "
            "AND ($department_id::BIGINT IS NULL OR h.department_id = $department_id::BIGINT)")
TOP_HAZARDS = 10


@kpi("SAFE", 1, "Top open hazards of the register by risk index",
     headline=Headline("Highest open risk index", "max", column="risk_index",
                       target=14, alarm=14, better="lower",
                       how="Largest severity × likelihood of the open hazards (15 and above is intolerable)"))
def top_hazards(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """The ten open hazards (not closed) with the highest current risk index = severity ×
    likelihood, after any mitigation; ties by the earliest review due. Where the safety office
    puts its attention and its mitigation budget."""
    return ctx.query(f"""
        SELECT h.id AS hazard_id, h.hazard_no, h.title, h.department_id, h.severity, h.likelihood,
               h.risk_index, h.tolerability, h.status, h.last_reviewed_at, h.next_review_due_at
        FROM hazards h
        WHERE {_HAZARDS}
        ORDER BY h.risk_index DESC, h.next_review_due_at, h.id
        LIMIT {TOP_HAZARDS}""", _params(amo_id, department_id), tables=("hazards",))


@kpi("SAFE", 1, "Stale risk reviews: open hazards past their review date (should be 0)",
     headline=Headline("Hazards past their risk review", "violations",
                       how="Open hazards whose next risk review date has passed"))
def stale_risk_reviews(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open hazards whose next risk review is past due, with days overdue, most overdue first.
    A risk assessment nobody revisits no longer says whether the mitigation works."""
    return ctx.query(f"""
        SELECT h.id AS hazard_id, h.hazard_no, h.title, h.department_id, h.risk_index, h.tolerability,
               h.last_reviewed_at, h.next_review_due_at,
               date_diff('day', h.next_review_due_at::DATE, $today::DATE) AS days_overdue
        FROM hazards h
        WHERE {_HAZARDS} AND h.next_review_due_at < $now::TIMESTAMPTZ
        ORDER BY days_overdue DESC, h.id""", _params(amo_id, department_id), tables=("hazards",))
