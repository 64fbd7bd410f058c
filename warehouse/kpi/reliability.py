"""Reliability KPIs (DOMAIN.md §3.3): rates per 1000 FH or 100 departures, from utilisation.

Fleet scope: the AMO's aircraft. Reliability has no per-department split (``department_id`` is
accepted and ignored, so the cockpit call is uniform). The window is the last 12 months.
Utilisation (departures, delays, cancellations) is customer-fed: an AMO that receives none sees
empty dispatch figures, not zeros.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_FLEET_HOURS = """(SELECT sum(u.fh) FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id
                   WHERE a.amo_id = $amo_id AND u.day <= $today::DATE
                     AND u.day > $today::DATE - INTERVAL 12 MONTH)"""


@kpi("REL", 2, "PIREP and MAREP rates per 1000 FH by ATA chapter: 12-month, 3-month and alert level",
     headline=Headline("ATA chapters above alert level", "violations", where={"above_alert": True},
                       how="ATA chapter and source whose 3-month rate per 1000 FH is above mean + 2 SD of "
                           "the prior months"))
def pirep_rate_by_ata(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Pilot (PIREP) and maintenance (MAREP) reports per ATA chapter over the fleet's flight
    hours (× 1000), in calendar months: the 12 months to this one (``rate_per_1000_fh``), the
    3-month moving rate (``rate_3m``) and the alert level, the mean + 2 SD of the monthly rates
    of the 12 months before those 3 (the reliability programme's alert method). ``above_alert``
    flags a chapter whose 3-month rate is over its alert level, what the reliability board
    reviews. Months without utilisation recorded are left out; the alert level needs two.
    """
    return ctx.query("""
        WITH window_months AS (
            SELECT date_trunc('month', $today::DATE) AS current_month),
        fleet AS (
            SELECT date_trunc('month', u.day) AS month, sum(u.fh) AS fh
            FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id, window_months w
            WHERE a.amo_id = $amo_id AND u.day <= $today::DATE
              AND u.day >= w.current_month - INTERVAL 14 MONTH
            GROUP BY 1 HAVING sum(u.fh) > 0),
        reports AS (
            SELECT d.id, d.source, d.ata_chapter, date_trunc('month', d.reported_at::DATE) AS month
            FROM defects d JOIN aircraft a ON a.id = d.aircraft_id, window_months w
            WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.source IN ('PIREP', 'MAREP')
              AND d.reported_at <= $now::TIMESTAMPTZ
              AND d.reported_at::DATE >= w.current_month - INTERVAL 14 MONTH),
        recent AS (
            SELECT r.source, r.ata_chapter,
                   count(*) AS reports_12m,
                   count(*) FILTER (WHERE r.month >= w.current_month - INTERVAL 2 MONTH) AS reports_3m,
                   list(r.id ORDER BY r.id) AS defect_ids
            FROM reports r, window_months w
            WHERE r.month >= w.current_month - INTERVAL 11 MONTH
            GROUP BY r.source, r.ata_chapter),
        fleet_hours AS (
            SELECT sum(f.fh) FILTER (WHERE f.month >= w.current_month - INTERVAL 11 MONTH) AS fh_12m,
                   sum(f.fh) FILTER (WHERE f.month >= w.current_month - INTERVAL 2 MONTH) AS fh_3m
            FROM fleet f, window_months w),
        base AS (
            SELECT k.source, k.ata_chapter,
                   count(r.id) * 1000 / any_value(f.fh) AS monthly_rate
            FROM recent k CROSS JOIN fleet f CROSS JOIN window_months w
                 LEFT JOIN reports r ON r.source = k.source AND r.ata_chapter = k.ata_chapter
                                    AND r.month = f.month
            WHERE f.month BETWEEN w.current_month - INTERVAL 14 MONTH AND w.current_month - INTERVAL 3 MONTH
            GROUP BY k.source, k.ata_chapter, f.month),
        alert AS (
            SELECT source, ata_chapter, avg(monthly_rate) + 2 * stddev_samp(monthly_rate) AS alert_level
            FROM base GROUP BY source, ata_chapter)
        SELECT k.ata_chapter, k.source, k.reports_12m, h.fh_12m AS fleet_fh,
               round(k.reports_12m * 1000 / nullif(h.fh_12m, 0), 3) AS rate_per_1000_fh,
               k.reports_3m, round(k.reports_3m * 1000 / nullif(h.fh_3m, 0), 3) AS rate_3m,
               round(a.alert_level, 3) AS alert_level,
               coalesce(k.reports_3m * 1000 / nullif(h.fh_3m, 0) > a.alert_level, false) AS above_alert,
               k.defect_ids
        FROM recent k CROSS JOIN fleet_hours h
             LEFT JOIN alert a ON a.source = k.source AND a.ata_chapter = k.ata_chapter
        ORDER BY rate_per_1000_fh DESC NULLS LAST, k.ata_chapter, k.source""",
        {"amo_id": amo_id}, tables=("defects", "aircraft", "aircraft_utilisation"))


@kpi("REL", 1, "Unscheduled removals and MTBUR by part number, last 12 months",
     headline=Headline("Unscheduled removals", "sum", column="unscheduled_removals", context="in 12 months",
                       how="Unscheduled component removals in the last 12 months, all part numbers"))
def unscheduled_removals_by_part(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per part number: unscheduled removals and MTBUR = fleet FH × QPA / unscheduled removals."""
    return ctx.query(f"""
        SELECT c.part_no, max(c.qpa) AS qpa, count(*) AS unscheduled_removals,
               round({_FLEET_HOURS} * max(c.qpa) / count(*), 1) AS mtbur_fh,
               list(r.id ORDER BY r.id) AS removal_ids
        FROM component_removals r JOIN components c ON c.id = r.component_id
             JOIN aircraft a ON a.id = r.aircraft_id
        WHERE a.amo_id = $amo_id AND r.voided_at IS NULL AND r.is_unscheduled
          AND r.removed_at <= $now::TIMESTAMPTZ AND r.removed_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        GROUP BY c.part_no ORDER BY unscheduled_removals DESC, c.part_no""",
        {"amo_id": amo_id}, tables=("component_removals", "components", "aircraft", "aircraft_utilisation"))


@kpi("REL", 1, "No-fault-found rate of unscheduled removals, last 12 months",
     headline=Headline("No fault found", "rate", column="nff", per="unscheduled_removals",
                       target=0.3, alarm=0.5,
                       better="lower", how="Unscheduled removals the shop found NFF ÷ unscheduled removals, "
                                           "12 months"))
def nff_rate(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Unscheduled removals, those the shop found NFF, and the rate."""
    return ctx.query("""
        SELECT count(*) AS unscheduled_removals,
               count(*) FILTER (WHERE r.shop_finding = 'NFF') AS nff,
               round(nff / nullif(count(*), 0), 4) AS rate,
               list(r.id ORDER BY r.id) FILTER (WHERE r.shop_finding = 'NFF') AS nff_removal_ids
        FROM component_removals r JOIN aircraft a ON a.id = r.aircraft_id
        WHERE a.amo_id = $amo_id AND r.voided_at IS NULL AND r.is_unscheduled
          AND r.removed_at <= $now::TIMESTAMPTZ AND r.removed_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH""",
        {"amo_id": amo_id}, tables=("component_removals", "aircraft"))


@kpi("REL", 1, "Repeat defects: 3 or more on one aircraft and ATA chapter within 15 departures",
     headline=Headline("Repeat-defect alerts", "count", target=0, better="lower",
                       how="Third or later defect on one aircraft and ATA chapter within 15 departures"))
def repeat_defects(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Each defect that is the third (or later) of its aircraft and ATA chapter with at most 15
    departures flown since the defect two before it; lists the three defects."""
    return ctx.query("""
        WITH ordered AS (
            SELECT d.id, d.aircraft_id, d.ata_chapter, d.reported_at,
                   lag(d.id, 2) OVER w AS first_id, lag(d.id, 1) OVER w AS second_id,
                   lag(d.reported_at, 2) OVER w AS first_at
            FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
            WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.reported_at <= $now::TIMESTAMPTZ
            WINDOW w AS (PARTITION BY d.aircraft_id, d.ata_chapter ORDER BY d.reported_at, d.id))
        SELECT o.aircraft_id, o.ata_chapter, [o.first_id, o.second_id, o.id] AS defect_ids,
               o.first_at, o.reported_at AS last_at,
               (SELECT coalesce(sum(u.departures), 0) FROM aircraft_utilisation u
                WHERE u.aircraft_id = o.aircraft_id AND u.day > o.first_at::DATE
                  AND u.day <= o.reported_at::DATE) AS departures_between
        FROM ordered o
        WHERE o.first_id IS NOT NULL AND departures_between <= 15
        ORDER BY o.aircraft_id, o.ata_chapter, o.reported_at""",
        {"amo_id": amo_id}, tables=("defects", "aircraft", "aircraft_utilisation"))


@kpi("REL", 3, "Technical dispatch reliability, delays and cancellations per 100 departures, "
               "monthly with 3- and 12-month running rates",
     headline=Headline("Dispatch reliability, 12 months", "latest", column="dispatch_reliability_12m",
                       unit="%",
                       decimals=2, target=99.0, alarm=98.5, better="higher",
                       how="100 − (technical delays > 15 min + cancellations) × 100 ÷ departures, 12 months "
                           "to the as-of month"))
def dispatch_reliability(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per calendar month of the last 12 (this one up to today): departures, technical delays
    > 15 min and cancellations, each per 100 departures, and technical dispatch reliability
    = 100 − (delays + cancellations) × 100 ÷ departures; the same reliability over the 3 and 12
    months ending with each month (running rates, which smooth a small fleet's monthly noise;
    they reach back 23 months). Months without utilisation recorded are left out.
    ``interruption_ids`` are the month's reported delays over 15 min and cancellations, what a
    reliability engineer opens from a month (v3; v2 listed only the aircraft flown).
    """
    return ctx.query("""
        WITH monthly AS (
            SELECT date_trunc('month', u.day)::DATE AS month, sum(u.departures) AS departures,
                   sum(u.tech_delays_15m) AS tech_delays, sum(u.tech_cancellations) AS tech_cancellations,
                   list(DISTINCT u.aircraft_id ORDER BY u.aircraft_id) AS aircraft_ids
            FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id
            WHERE a.amo_id = $amo_id AND u.day <= $today::DATE
              AND u.day >= date_trunc('month', $today::DATE) - INTERVAL 23 MONTH
            GROUP BY 1),
        interrupted AS (
            SELECT date_trunc('month', i.day)::DATE AS month, list(i.id ORDER BY i.id) AS interruption_ids
            FROM operational_interruptions i JOIN aircraft a ON a.id = i.aircraft_id
            WHERE a.amo_id = $amo_id AND i.day <= $today::DATE
              AND i.day >= date_trunc('month', $today::DATE) - INTERVAL 11 MONTH
              AND (i.kind = 'CANCELLATION' OR i.delay_minutes > 15)
            GROUP BY 1),
        running AS (
            SELECT *, sum(departures) OVER w3 AS departures_3m,
                   sum(tech_delays + tech_cancellations) OVER w3 AS events_3m,
                   sum(departures) OVER w12 AS departures_12m,
                   sum(tech_delays + tech_cancellations) OVER w12 AS events_12m
            FROM monthly
            WINDOW w3 AS (ORDER BY month RANGE BETWEEN INTERVAL 2 MONTH PRECEDING AND CURRENT ROW),
                   w12 AS (ORDER BY month RANGE BETWEEN INTERVAL 11 MONTH PRECEDING AND CURRENT ROW))
        SELECT strftime(month, '%Y-%m') AS month, departures, tech_delays, tech_cancellations,
               round(tech_delays * 100 / nullif(departures, 0), 3) AS delays_per_100,
               round(tech_cancellations * 100 / nullif(departures, 0), 3) AS cancellations_per_100,
               round(100 - (tech_delays + tech_cancellations) * 100 / nullif(departures, 0), 3)
                   AS dispatch_reliability,
               round(100 - events_3m * 100 / nullif(departures_3m, 0), 3) AS dispatch_reliability_3m,
               round(100 - events_12m * 100 / nullif(departures_12m, 0), 3) AS dispatch_reliability_12m,
               aircraft_ids, coalesce(interrupted.interruption_ids, []) AS interruption_ids
        FROM running LEFT JOIN interrupted USING (month)
        WHERE running.month >= date_trunc('month', $today::DATE) - INTERVAL 11 MONTH
        ORDER BY running.month""", {"amo_id": amo_id},
        tables=("aircraft_utilisation", "aircraft", "operational_interruptions"))


@kpi("REL", 1, "Technical delays and cancellations per 100 departures by ATA chapter, 3 and 12 months",
     headline=Headline("Delays and cancellations", "sum", column="rate_per_100_12m",
                       unit="per 100 departures",
                       decimals=2, better="lower",
                       how="Technical delays over 15 min and cancellations × 100 ÷ departures, 12 months, "
                           "all ATA chapters"))
def interruptions_by_ata(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Per ATA chapter, from the operator's interruption reports: technical delays over 15 min
    and cancellations in the last 12 months, their rate per 100 fleet departures over 12 months
    and over the last 3 (the running rates a reliability board compares), and the interruptions
    behind them. Shows which system costs the operator its schedule.
    """
    return ctx.query("""
        WITH fleet AS (
            SELECT coalesce(sum(u.departures), 0) AS departures_12m,
                   coalesce(sum(u.departures) FILTER (WHERE u.day > $today::DATE - INTERVAL 3 MONTH), 0)
                       AS departures_3m
            FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id
            WHERE a.amo_id = $amo_id AND u.day <= $today::DATE AND u.day > $today::DATE - INTERVAL 12 MONTH),
        events AS (
            SELECT i.id, i.ata_chapter, i.kind, i.day > $today::DATE - INTERVAL 3 MONTH AS recent
            FROM operational_interruptions i JOIN aircraft a ON a.id = i.aircraft_id
            WHERE a.amo_id = $amo_id AND i.voided_at IS NULL AND i.day <= $today::DATE
              AND i.day > $today::DATE - INTERVAL 12 MONTH
              AND (i.kind = 'CANCELLATION' OR i.delay_minutes > 15))
        SELECT e.ata_chapter, count(*) FILTER (WHERE e.kind = 'DELAY') AS delays_12m,
               count(*) FILTER (WHERE e.kind = 'CANCELLATION') AS cancellations_12m,
               round(count(*) * 100 / nullif(f.departures_12m, 0), 3) AS rate_per_100_12m,
               count(*) FILTER (WHERE e.recent) AS interruptions_3m,
               round(interruptions_3m * 100 / nullif(f.departures_3m, 0), 3) AS rate_per_100_3m,
               list(e.id ORDER BY e.id) AS interruption_ids
        FROM events e CROSS JOIN fleet f
        GROUP BY e.ata_chapter, f.departures_12m, f.departures_3m
        ORDER BY rate_per_100_12m DESC, e.ata_chapter""",
        {"amo_id": amo_id}, tables=("operational_interruptions", "aircraft_utilisation", "aircraft"))


@kpi("REL", 1, "Open deferred defects per aircraft",
     headline=Headline("Open deferred defects", "sum", column="open_deferrals", better="lower",
                       how="Deferred defects not rectified at the as-of date, whole fleet"))
def deferred_items_per_aircraft(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Aircraft with open deferrals (deferred and not rectified), most first."""
    return ctx.query("""
        SELECT a.id AS aircraft_id, a.registration, count(*) AS open_deferrals,
               list(d.id ORDER BY d.id) AS defect_ids
        FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.is_deferred
          AND d.status NOT IN ('RECTIFIED', 'CLOSED') AND d.reported_at <= $now::TIMESTAMPTZ
        GROUP BY a.id, a.registration ORDER BY open_deferrals DESC, a.registration""",
        {"amo_id": amo_id}, tables=("defects", "aircraft"))
