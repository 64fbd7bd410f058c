"""Quality & compliance KPIs: the QMS cockpit (DOMAIN.md §3.1).

Scope: every KPI takes the AMO and, optionally, one department (the auditee department for
audits, the owning department for findings and CARs). Open means not CLOSED and not voided.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

# Part-145 points the audit programme must cover every 12 months (rows of the coverage heatmap).
PART145_POINTS = (
    "145.A.25", "145.A.30", "145.A.35", "145.A.36", "145.A.37", "145.A.40", "145.A.42", "145.A.45",
    "145.A.47", "145.A.48", "145.A.50", "145.A.55", "145.A.60", "145.A.65", "145.A.70", "145.A.75",
    "145.A.80", "145.A.85", "145.A.90", "145.A.95", "145.A.120", "145.A.140", "145.A.155",
    "145.A.200", "145.A.202", "145.A.205",
)


def _scope(alias: str = "") -> str:
    """The AMO scope and the not-voided rule, for a table under ``alias``."""
    prefix = f"{alias}." if alias else ""
    return f"{prefix}amo_id = $amo_id AND {prefix}voided_at IS NULL"


def _params(amo_id: int, department_id: int | None, **extra) -> dict:
    return {"amo_id": amo_id, "department_id": department_id, **extra}


@kpi("QUAL", 1, "Audit programme completion: planned vs performed audits per month, year to date",
     headline=Headline("Audit programme", "rate", column="performed", per="planned", context="of plan",
                       target=0.95, alarm=0.85, better="higher",
                       how="Audits performed ÷ audits planned from 1 January to the as-of date (cancelled "
                           "ones left out)"))
def audit_programme_completion(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per month of the year so far: audits planned, performed (by today), completion ratio."""
    return ctx.query(f"""
        SELECT strftime(planned_date, '%Y-%m') AS month,
               count(*) AS planned,
               count(*) FILTER (WHERE performed_date IS NOT NULL
                                AND performed_date <= $today::DATE) AS performed,
               round(performed / planned, 4) AS completion,
               list(id ORDER BY id) AS audit_ids
        FROM audits
        WHERE {_scope()} AND status <> 'CANCELLED'
          AND planned_date >= date_trunc('year', $today::DATE) AND planned_date <= $today::DATE
          AND ($department_id::BIGINT IS NULL OR auditee_department_id = $department_id::BIGINT)
        GROUP BY month ORDER BY month""", _params(amo_id, department_id), tables=("audits",))


@kpi("QUAL", 1, "Regulation coverage: audits performed per Part-145 point in the last 12 months",
     headline=Headline("Part-145 points not audited in 12 months", "violations", where={"audits_12m": 0},
                       how="Part-145 points with no audit performed in the last 12 months (AMC2 "
                           "145.A.200(a)(6))"))
def regulation_coverage(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """One row per Part-145 point (and any other point audited): audits in the last 12 months.

    ``audits_12m = 0`` is a gap in the programme (AMC2 145.A.200(a)(6)).
    """
    return ctx.query(f"""
        WITH covered AS (
            SELECT unnest(from_json(regulation_refs, '["VARCHAR"]')) AS regulation_ref, id, performed_date
            FROM audits
            WHERE {_scope()} AND performed_date IS NOT NULL AND performed_date <= $today::DATE
              AND performed_date > $today::DATE - INTERVAL 12 MONTH
              AND ($department_id::BIGINT IS NULL OR auditee_department_id = $department_id::BIGINT)),
        points AS (SELECT unnest($points::VARCHAR[]) AS regulation_ref
                   UNION SELECT regulation_ref FROM covered)
        SELECT p.regulation_ref, count(c.id) AS audits_12m, max(c.performed_date) AS last_audited,
               list(c.id ORDER BY c.id) FILTER (WHERE c.id IS NOT NULL) AS audit_ids
        FROM points p LEFT JOIN covered c USING (regulation_ref)
        GROUP BY p.regulation_ref ORDER BY audits_12m, p.regulation_ref""",
        _params(amo_id, department_id, points=list(PART145_POINTS)), tables=("audits",))


@kpi("QUAL", 1, "Unannounced and night audit share over the last 12 months",
     headline=Headline("Unannounced audits", "rate", column="unannounced", per="audits", better="higher",
                       how="Unannounced audits ÷ audits performed in the last 12 months",
                       also=(Headline("night", "rate", column="night", per="audits",
                                      how="Night audits ÷ audits performed in the last 12 months"),)))
def unannounced_night_share(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Audits performed in the last 12 months, how many unannounced and at night, and the shares."""
    return ctx.query(f"""
        SELECT count(*) AS audits,
               count(*) FILTER (WHERE is_unannounced) AS unannounced,
               count(*) FILTER (WHERE is_night) AS night,
               round(unannounced / nullif(count(*), 0), 4) AS unannounced_share,
               round(night / nullif(count(*), 0), 4) AS night_share,
               list(id ORDER BY id) FILTER (WHERE is_unannounced OR is_night) AS audit_ids
        FROM audits
        WHERE {_scope()} AND performed_date IS NOT NULL AND performed_date <= $today::DATE
          AND performed_date > $today::DATE - INTERVAL 12 MONTH
          AND ($department_id::BIGINT IS NULL OR auditee_department_id = $department_id::BIGINT)""",
        _params(amo_id, department_id), tables=("audits",))


@kpi("QUAL", 1, "Auditor independence violations: lead auditor from the audited department (should be 0)",
     headline=Headline("Auditor independence violations", "violations",
                       how="Audits led by an auditor of the audited department (AMC 145.A.65(c)(1))"))
def auditor_independence_violations(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Audits whose lead auditor belongs to the auditee department."""
    return ctx.query(f"""
        SELECT a.id AS audit_id, a.audit_no, a.lead_auditor_id, a.auditee_department_id, a.planned_date
        FROM audits a JOIN users u ON u.id = a.lead_auditor_id
        WHERE {_scope('a')} AND a.status <> 'CANCELLED' AND u.department_id = a.auditee_department_id
          AND ($department_id::BIGINT IS NULL OR a.auditee_department_id = $department_id::BIGINT)
        ORDER BY a.planned_date, a.id""", _params(amo_id, department_id), tables=("audits", "users"))


@kpi("QUAL", 1, "Open findings by level and department",
     headline=Headline("Open findings", "sum", column="open_findings", better="lower",
                       how="Findings not closed at the as-of date, all levels",
                       also=(Headline("level 1", "sum", column="open_findings", where={"level": "L1"},
                                      target=0,
                                      alarm=0, better="lower", how="Open level 1 findings"),)))
def open_findings_by_level(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open findings counted per department and level (L1, L2, OBS), with their ids."""
    return ctx.query(f"""
        SELECT department_id, level, count(*) AS open_findings, list(id ORDER BY id) AS finding_ids
        FROM findings
        WHERE {_scope()} AND status <> 'CLOSED' AND raised_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
        GROUP BY department_id, level ORDER BY department_id, level""",
        _params(amo_id, department_id), tables=("findings",))


@kpi("QUAL", 1, "Overdue CARs: open past their (extended) due date, most overdue first",
     headline=Headline("Overdue CARs", "violations",
                       how="Open CARs past their due date (the extended one when extended)",
                       also=(Headline("oldest", "max", column="days_overdue", unit="d",
                                      how="Days overdue of the most overdue CAR"),)))
def overdue_cars(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open CARs with ``coalesce(extended_due_date, due_date) < today``, with days overdue."""
    return ctx.query(f"""
        SELECT c.id AS car_id, c.car_no, c.department_id, f.level,
               coalesce(c.extended_due_date, c.due_date) AS due,
               date_diff('day', coalesce(c.extended_due_date, c.due_date), $today::DATE) AS days_overdue
        FROM cars c LEFT JOIN findings f ON f.id = c.finding_id
        WHERE {_scope('c')} AND c.status <> 'CLOSED'
          AND coalesce(c.extended_due_date, c.due_date) < $today::DATE
          AND ($department_id::BIGINT IS NULL OR c.department_id = $department_id::BIGINT)
        ORDER BY days_overdue DESC, c.id""", _params(amo_id, department_id), tables=("cars", "findings"))


@kpi("QUAL", 1, "CAR ageing: open CARs in 0-30 / 31-60 / 61-90 / >90 days since raised, by level",
     headline=Headline("Open CARs", "sum", column="cars", better="lower",
                       how="CARs not closed at the as-of date",
                       also=(Headline("over 90 d", "sum", column="cars", where={"bucket": ">90"},
                                      target=0, better="lower",
                                      how="Open CARs raised more than 90 days ago"),)))
def car_ageing(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open CARs bucketed by age (days since the CAR was raised) and finding level."""
    return ctx.query(f"""
        WITH aged AS (
            SELECT c.id, f.level, date_diff('day', c.created_at::DATE, $today::DATE) AS age
            FROM cars c LEFT JOIN findings f ON f.id = c.finding_id
            WHERE {_scope('c')} AND c.status <> 'CLOSED' AND c.created_at <= $now::TIMESTAMPTZ
              AND ($department_id::BIGINT IS NULL OR c.department_id = $department_id::BIGINT))
        SELECT CASE WHEN age <= 30 THEN '0-30' WHEN age <= 60 THEN '31-60'
                    WHEN age <= 90 THEN '61-90' ELSE '>90' END AS bucket,
               level, count(*) AS cars, list(id ORDER BY id) AS car_ids
        FROM aged GROUP BY bucket, level ORDER BY min(age), level""",
        _params(amo_id, department_id), tables=("cars", "findings"))


@kpi("QUAL", 1, "CAR closure time: median and p90 days from raised to closed, by level and department",
     headline=Headline("CAR closure median", "median", column="days", unit="d",
                       how="Median of days from raised to closed over all closed CARs",
                       also=(Headline("p90", "p90", column="days", unit="d",
                                      target=90, alarm=120, better="lower",
                                      how="90th percentile of days from raised to closed (target ≤ 90 d)"),)))
def car_closure_time(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Closed CARs per level and department: count, median and 90th percentile of days to close,
    and each CAR's days (``days``, in ``car_ids`` order), so the headline's median and p90 are
    taken over all closed CARs, not over the groups' medians."""
    return ctx.query(f"""
        SELECT f.level, c.department_id, count(*) AS closed,
               median(date_diff('day', c.created_at, c.closed_at)) AS median_days,
               quantile_cont(date_diff('day', c.created_at, c.closed_at), 0.9) AS p90_days,
               list(date_diff('day', c.created_at, c.closed_at) ORDER BY c.id) AS days,
               list(c.id ORDER BY c.id) AS car_ids
        FROM cars c LEFT JOIN findings f ON f.id = c.finding_id
        WHERE {_scope('c')} AND c.closed_at IS NOT NULL AND c.closed_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR c.department_id = $department_id::BIGINT)
        GROUP BY f.level, c.department_id ORDER BY f.level, c.department_id""",
        _params(amo_id, department_id), tables=("cars", "findings"))


@kpi("QUAL", 1, "On-time closure rate: CARs closed by their original due date",
     headline=Headline("CARs closed on time", "rate", column="on_time", per="closed", target=0.9, alarm=0.75,
                       better="higher", how="CARs closed by their original due date ÷ CARs closed"))
def on_time_closure_rate(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Closed CARs, those closed on or before the original ``due_date``, the rate, and the late ones."""
    return ctx.query(f"""
        SELECT count(*) AS closed,
               count(*) FILTER (WHERE closed_at::DATE <= due_date) AS on_time,
               round(on_time / nullif(closed, 0), 4) AS rate,
               list(id ORDER BY id) FILTER (WHERE closed_at::DATE > due_date) AS late_car_ids
        FROM cars
        WHERE {_scope()} AND closed_at IS NOT NULL AND closed_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)""",
        _params(amo_id, department_id), tables=("cars",))


@kpi("QUAL", 1, "Extension rate: share of CARs extended at least once, and mean extensions",
     headline=Headline("CARs extended", "rate", column="extended", per="cars",
                       target=0.2, alarm=0.4, better="lower",
                       how="CARs extended at least once ÷ CARs raised",
                       also=(Headline("mean extensions", "latest", column="mean_extensions", decimals=2,
                                      how="Mean number of extensions per CAR"),)))
def extension_rate(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """All CARs raised by now: how many were extended, the share and the mean extension count."""
    return ctx.query(f"""
        SELECT count(*) AS cars,
               count(*) FILTER (WHERE extension_count > 0) AS extended,
               round(extended / nullif(count(*), 0), 4) AS rate,
               round(avg(extension_count), 4) AS mean_extensions,
               list(id ORDER BY id) FILTER (WHERE extension_count > 0) AS extended_car_ids
        FROM cars
        WHERE {_scope()} AND created_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)""",
        _params(amo_id, department_id), tables=("cars",))


@kpi("QUAL", 1, "Repeat findings: same regulation point and department within 24 months of a closed one",
     headline=Headline("Repeat findings", "distinct", column="finding_id", target=0, better="lower",
                       how="Findings repeating one on the same point and department closed within 24 months"))
def repeat_findings(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Pairs (finding, prior finding): marked as a repeat, or raised on the same regulation point
    in the same department within 24 months after the prior one closed."""
    return ctx.query("""
        SELECT f.id AS finding_id, p.id AS prior_finding_id, f.regulation_ref, f.department_id,
               f.raised_at, p.closed_at AS prior_closed_at
        FROM findings f JOIN findings p ON p.amo_id = f.amo_id AND p.id <> f.id AND p.voided_at IS NULL
          AND (f.repeat_of_finding_id = p.id
               OR (p.regulation_ref = f.regulation_ref AND p.department_id = f.department_id
                   AND p.closed_at IS NOT NULL AND p.closed_at <= f.raised_at
                   AND f.raised_at <= p.closed_at + INTERVAL 24 MONTH))
        WHERE f.amo_id = $amo_id AND f.voided_at IS NULL AND f.raised_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR f.department_id = $department_id::BIGINT)
        ORDER BY f.raised_at, f.id, p.id""",
        _params(amo_id, department_id), tables=("findings",))


@kpi("QUAL", 1, "Effectiveness checks overdue or failed",
     headline=Headline("Effectiveness checks overdue or failed", "count", target=0, better="lower",
                       how="CARs whose effectiveness check is past due and pending, or found not effective",
                       also=(Headline("failed", "count", where={"problem": "NOT_EFFECTIVE"},
                                      how="CARs found not effective"),)))
def effectiveness_checks(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """CARs whose effectiveness check is overdue (due, still pending) or found NOT_EFFECTIVE."""
    return ctx.query(f"""
        SELECT id AS car_id, car_no, department_id, effectiveness_due_at,
               CASE WHEN effectiveness_result = 'NOT_EFFECTIVE' THEN 'NOT_EFFECTIVE'
                    ELSE 'OVERDUE' END AS problem
        FROM cars
        WHERE {_scope()}
          AND (effectiveness_result = 'NOT_EFFECTIVE'
               OR (coalesce(effectiveness_result, 'PENDING') = 'PENDING'
                   AND effectiveness_due_at < $now::TIMESTAMPTZ))
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
        ORDER BY problem, effectiveness_due_at, id""", _params(amo_id, department_id), tables=("cars",))


@kpi("QUAL", 1, "Root-cause Pareto: CARs by MEDA category over the last 12 months",
     headline=Headline("CARs raised", "sum", column="cars", context="in 12 months",
                       how="CARs raised in the last 12 months, all root causes"))
def root_cause_pareto(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """CARs raised in the last 12 months per root-cause category, most frequent first, with the
    cumulative share (the Pareto line)."""
    return ctx.query(f"""
        WITH counted AS (
            SELECT coalesce(root_cause_category, 'UNASSIGNED') AS root_cause_category, count(*) AS cars,
                   list(id ORDER BY id) AS car_ids
            FROM cars
            WHERE {_scope()} AND created_at <= $now::TIMESTAMPTZ
              AND created_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
              AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
            GROUP BY 1)
        SELECT root_cause_category, cars,
               round(sum(cars) OVER (ORDER BY cars DESC, root_cause_category) / sum(cars) OVER (), 4)
                   AS cumulative_share,
               car_ids
        FROM counted ORDER BY cars DESC, root_cause_category""",
        _params(amo_id, department_id), tables=("cars",))


@kpi("QUAL", 1, "Authority vs internal findings by source and quarter",
     headline=Headline("Findings raised", "sum", column="findings",
                       how="Findings raised up to the as-of date, all sources",
                       also=(Headline("by the authority", "sum", column="findings",
                                      where={"source": "AUTHORITY"},
                                      how="Findings raised by the authority"),)))
def findings_by_source(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Findings raised per quarter and source (INTERNAL_AUDIT, AUTHORITY, CUSTOMER, ...)."""
    return ctx.query(f"""
        SELECT strftime(raised_at, '%Y') || '-Q' || quarter(raised_at) AS quarter, source,
               count(*) AS findings, list(id ORDER BY id) AS finding_ids
        FROM findings
        WHERE {_scope()} AND raised_at <= $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR department_id = $department_id::BIGINT)
        GROUP BY quarter, source ORDER BY quarter, source""",
        _params(amo_id, department_id), tables=("findings",))


@kpi("QUAL", 1, "Evidence integrity: CAR attachments whose hash check is not OK (should be 0)",
     headline=Headline("CAR attachments failing their hash check", "violations",
                       how="CAR attachments whose stored SHA-256 no longer matches, or whose file is "
                           "missing"))
def evidence_integrity(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Attachments with verify_status MISMATCH or MISSING, with their CAR."""
    return ctx.query(f"""
        SELECT a.id AS attachment_id, a.car_id, c.car_no, a.filename, a.verify_status, a.last_verified_at
        FROM car_attachments a JOIN cars c ON c.id = a.car_id
        WHERE {_scope('c')} AND a.voided_at IS NULL AND a.verify_status <> 'OK'
          AND ($department_id::BIGINT IS NULL OR c.department_id = $department_id::BIGINT)
        ORDER BY a.id""", _params(amo_id, department_id), tables=("car_attachments", "cars"))


@kpi("QUAL", 1, "Personnel currency: authorisations expiring within 30 / 60 / 90 days",
     headline=Headline("Authorisations expiring in 90 d", "count",
                       how="Valid authorisations expiring within 90 days of the as-of date",
                       also=(Headline("within 30 d", "count", where={"bucket": "30"},
                                      target=0, better="lower",
                                      how="Valid authorisations expiring within 30 days"),)))
def authorisations_expiring(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Valid authorisations expiring within 90 days, bucketed 30/60/90, soonest first."""
    return ctx.query("""
        SELECT s.id AS authorisation_id, s.user_id, u.department_id, s.auth_type, s.expires_at,
               date_diff('day', $today::DATE, s.expires_at::DATE) AS days_left,
               CASE WHEN days_left <= 30 THEN '30' WHEN days_left <= 60 THEN '60' ELSE '90' END AS bucket
        FROM staff_authorisations s JOIN users u ON u.id = s.user_id
        WHERE u.amo_id = $amo_id AND s.voided_at IS NULL AND s.status = 'valid'
          AND s.expires_at >= $now::TIMESTAMPTZ AND s.expires_at < $now::TIMESTAMPTZ + INTERVAL 90 DAY
          AND ($department_id::BIGINT IS NULL OR u.department_id = $department_id::BIGINT)
        ORDER BY s.expires_at, s.id""", _params(amo_id, department_id),
        tables=("staff_authorisations", "users"))


@kpi("QUAL", 1, "Regulation coverage heatmap: audits per Part-145 point in the rolling 12 months, by month",
     headline=Headline("Coverage gaps this month", "violations",
                       where={"is_as_of_month": True, "audits_12m": 0},
                       how="Part-145 points with no audit in the 12 months up to the as-of date"))
def regulation_coverage_by_month(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """One row per Part-145 point and month of the last 12 (the as-of month last).

    ``audits_12m`` counts the audits performed on the point in the 12 months up to the end of
    that month (up to the as-of day for the current month, so the last column agrees with
    :func:`regulation_coverage`, and ``is_as_of_month`` marks it); 0 is a gap, since every aspect
    of Part-145
    must be verified every 12 months (AMC2 145.A.200(a)(6)). ``audit_ids`` are those audits.
    """
    return ctx.query(f"""
        WITH months AS (
            SELECT least(last_day(m::DATE), $today::DATE) AS month_end
            FROM unnest(generate_series(date_trunc('month', $today::DATE) - INTERVAL 11 MONTH,
                                        date_trunc('month', $today::DATE), INTERVAL 1 MONTH)) AS t(m)),
        covered AS (
            SELECT unnest(from_json(regulation_refs, '["VARCHAR"]')) AS regulation_ref, id, performed_date
            FROM audits
            WHERE {_scope()} AND performed_date IS NOT NULL AND performed_date <= $today::DATE
              AND performed_date > date_trunc('month', $today::DATE) - INTERVAL 23 MONTH
              AND ($department_id::BIGINT IS NULL OR auditee_department_id = $department_id::BIGINT)),
        points AS (SELECT unnest($points::VARCHAR[]) AS regulation_ref)
        SELECT p.regulation_ref, strftime(m.month_end, '%Y-%m') AS month, count(c.id) AS audits_12m,
               m.month_end = $today::DATE AS is_as_of_month,
               list(c.id ORDER BY c.id) FILTER (WHERE c.id IS NOT NULL) AS audit_ids
        FROM points p CROSS JOIN months m
        LEFT JOIN covered c ON c.regulation_ref = p.regulation_ref AND c.performed_date <= m.month_end
             AND c.performed_date > m.month_end - INTERVAL 12 MONTH
        GROUP BY p.regulation_ref, m.month_end
        ORDER BY list_position($points::VARCHAR[], p.regulation_ref), m.month_end""",
        _params(amo_id, department_id, points=list(PART145_POINTS)), tables=("audits",))


# Who holds a valid authorisation at the as-of moment: the staff whose currency is checked.
_AUTHORISED = """
    authorised AS (
        SELECT s.user_id, u.department_id, list(s.id ORDER BY s.id) AS authorisation_ids
        FROM staff_authorisations s JOIN users u ON u.id = s.user_id
        WHERE u.amo_id = $amo_id AND u.voided_at IS NULL AND s.voided_at IS NULL AND s.status = 'valid'
          AND s.auth_type <> 'AUDITOR'  -- 145.A.35 is about certifying and support staff
          AND s.issued_at <= $now::TIMESTAMPTZ AND s.expires_at > $now::TIMESTAMPTZ
          AND ($department_id::BIGINT IS NULL OR u.department_id = $department_id::BIGINT)
        GROUP BY s.user_id, u.department_id)"""


@kpi("QUAL", 1,
     "Personnel currency: authorised staff without continuation training in 24 months (should be 0)",
     headline=Headline("Authorised staff without continuation training", "violations",
                       how="Staff holding a valid authorisation with no passed continuation course in 24 "
                           "months "
                           "(145.A.35(d))"))
def continuation_training_missing(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Staff holding a valid authorisation with no passed CONTINUATION course in the last 24 months.

    145.A.35(d): certifying and support staff receive continuation training in each two-year
    period. ``last_continuation_at`` is their latest passed one ever (null: never).
    """
    return ctx.query(f"""
        WITH {_AUTHORISED},
        trained AS (
            SELECT user_id, max(completed_at) AS last_continuation_at
            FROM training_records
            WHERE voided_at IS NULL AND course_type = 'CONTINUATION' AND result = 'PASS'
              AND completed_at <= $now::TIMESTAMPTZ
            GROUP BY user_id)
        SELECT a.user_id, a.department_id, t.last_continuation_at,
               date_diff('day', t.last_continuation_at::DATE, $today::DATE) AS days_since,
               a.authorisation_ids
        FROM authorised a LEFT JOIN trained t USING (user_id)
        WHERE t.last_continuation_at IS NULL
           OR t.last_continuation_at <= $now::TIMESTAMPTZ - INTERVAL 24 MONTH
        ORDER BY t.last_continuation_at NULLS FIRST, a.user_id""",
        _params(amo_id, department_id), tables=("staff_authorisations", "users", "training_records"))


@kpi("QUAL", 1,
     "Personnel currency: authorised staff who have not exercised privileges in 24 months (should be 0)",
     headline=Headline("Authorised staff without recent experience", "violations",
                       how="Staff holding a valid authorisation who signed nothing in 24 months "
                           "(145.A.35(c))"))
def experience_lapsed(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Staff holding a valid authorisation who signed nothing in the last 24 months.

    145.A.35(c) requires relevant maintenance experience in every two consecutive years; the
    records show it as exercised privileges: a task card performed or inspected, or a CRS
    signed (``task_cards.performed_by / inspected_by``, ``work_orders.crs_signed_by``).
    ``last_exercised_at`` is the latest such sign-off (null: never), ``last_work_order_id``
    the work order it belongs to.
    """
    return ctx.query(f"""
        WITH {_AUTHORISED},
        signoffs AS (
            SELECT t.performed_by AS user_id, t.performed_at AS signed_at, w.id AS work_order_id
            FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
            WHERE w.amo_id = $amo_id AND t.voided_at IS NULL AND t.performed_by IS NOT NULL
            UNION ALL
            SELECT t.inspected_by, t.inspected_at, w.id
            FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
            WHERE w.amo_id = $amo_id AND t.voided_at IS NULL AND t.inspected_by IS NOT NULL
            UNION ALL
            SELECT crs_signed_by, crs_issued_at, id FROM work_orders
            WHERE amo_id = $amo_id AND voided_at IS NULL AND crs_signed_by IS NOT NULL),
        latest AS (
            SELECT user_id, max(signed_at) AS last_exercised_at,
                   arg_max(work_order_id, signed_at) AS last_work_order_id
            FROM signoffs WHERE signed_at <= $now::TIMESTAMPTZ GROUP BY user_id)
        SELECT a.user_id, a.department_id, l.last_exercised_at, l.last_work_order_id,
               date_diff('day', l.last_exercised_at::DATE, $today::DATE) AS days_since,
               a.authorisation_ids
        FROM authorised a LEFT JOIN latest l USING (user_id)
        WHERE l.last_exercised_at IS NULL OR l.last_exercised_at <= $now::TIMESTAMPTZ - INTERVAL 24 MONTH
        ORDER BY l.last_exercised_at NULLS FIRST, a.user_id""",
        _params(amo_id, department_id), tables=("staff_authorisations", "users", "task_cards", "work_orders"))
