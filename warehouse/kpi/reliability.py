"""Reliability KPIs (DOMAIN.md §3.3): rates per 1000 FH or 100 departures, from utilisation.

Fleet scope: the AMO's aircraft. Reliability has no per-department split (``department_id`` is
accepted and ignored, so the cockpit call is uniform). The window is the last 12 months.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi

_FLEET_HOURS = """(SELECT sum(u.fh) FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id
                   WHERE a.amo_id = $amo_id AND u.day <= $today::DATE
                     AND u.day > $today::DATE - INTERVAL 12 MONTH)"""


@kpi("REL", 1, "PIREP rate per 1000 FH by ATA chapter, last 12 months")
def pirep_rate_by_ata(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Pilot reports per ATA chapter over the fleet's flight hours (× 1000)."""
    return ctx.query(f"""
        SELECT d.ata_chapter, count(*) AS pireps, {_FLEET_HOURS} AS fleet_fh,
               round(count(*) * 1000 / nullif({_FLEET_HOURS}, 0), 3) AS rate_per_1000_fh,
               list(d.id ORDER BY d.id) AS defect_ids
        FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.source = 'PIREP'
          AND d.reported_at <= $now::TIMESTAMPTZ AND d.reported_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        GROUP BY d.ata_chapter ORDER BY rate_per_1000_fh DESC, d.ata_chapter""",
        {"amo_id": amo_id}, tables=("defects", "aircraft", "aircraft_utilisation"))


@kpi("REL", 1, "Unscheduled removals and MTBUR by part number, last 12 months")
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


@kpi("REL", 1, "No-fault-found rate of unscheduled removals, last 12 months")
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


@kpi("REL", 1, "Repeat defects: 3 or more on one aircraft and ATA chapter within 15 departures")
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


@kpi("REL", 1, "Technical dispatch reliability per month, last 12 months")
def dispatch_reliability(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """100 − (technical delays > 15 min + cancellations) × 100 / departures, per month."""
    return ctx.query("""
        SELECT strftime(u.day, '%Y-%m') AS month, sum(u.departures) AS departures,
               sum(u.tech_delays_15m) AS tech_delays, sum(u.tech_cancellations) AS tech_cancellations,
               round(100 - (sum(u.tech_delays_15m) + sum(u.tech_cancellations)) * 100
                     / nullif(sum(u.departures), 0), 3) AS dispatch_reliability,
               list(DISTINCT u.aircraft_id) AS aircraft_ids
        FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id
        WHERE a.amo_id = $amo_id AND u.day <= $today::DATE AND u.day > $today::DATE - INTERVAL 12 MONTH
        GROUP BY month ORDER BY month""", {"amo_id": amo_id}, tables=("aircraft_utilisation", "aircraft"))


@kpi("REL", 1, "Open deferred defects per aircraft")
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
