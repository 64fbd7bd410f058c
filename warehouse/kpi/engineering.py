"""Engineering KPIs (DOMAIN.md §3.4): ADs and SBs, life-limited parts, MEL deferrals.

Fleet scope: the AMO's aircraft (compliance records of components count through the aircraft
they are installed on). ``department_id`` is accepted for a uniform cockpit call and ignored.
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_FLEET_COMPLIANCE = """directive_compliance dc
    JOIN directives dr ON dr.id = dc.directive_id
    LEFT JOIN components co ON co.id = dc.component_id
    JOIN aircraft a ON a.id = coalesce(dc.aircraft_id, co.installed_aircraft_id)"""
_TABLES = ("directive_compliance", "directives", "components", "aircraft")


@kpi("ENG", 1, "AD/SB compliance status by aircraft",
     headline=Headline("Open AD/SB records", "sum", column="records", where={"status": "OPEN"},
                       how="Compliance records still open, whole fleet"))
def directive_status_by_aircraft(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Compliance records per aircraft and status (OPEN, COMPLIED, REPETITIVE, NA, TERMINATED)."""
    return ctx.query(f"""
        SELECT a.id AS aircraft_id, a.registration, dc.status, count(*) AS records,
               list(dc.id ORDER BY dc.id) AS compliance_ids
        FROM {_FLEET_COMPLIANCE}
        WHERE a.amo_id = $amo_id AND dc.voided_at IS NULL AND dc.created_at <= $now::TIMESTAMPTZ
        GROUP BY a.id, a.registration, dc.status ORDER BY a.registration, dc.status""",
        {"amo_id": amo_id}, tables=_TABLES)


@kpi("ENG", 1, "ADs due within 30 days or 50 FH, and overdue ADs (should be 0)",
     headline=Headline("Overdue ADs", "violations", where={"overdue": True},
                       how="Open or repetitive ADs past their date or flight-hour limit",
                       also=(Headline("due in 30 d or 50 FH", "count", where={"overdue": False},
                                      how="ADs due within 30 days or 50 FH"),)))
def ads_due(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open or repetitive AD compliance records due by date (≤ 30 days) or by hours (≤ 50 FH left
    on the aircraft's current hours); ``overdue`` when either limit is already passed."""
    return ctx.query(f"""
        SELECT dc.id AS compliance_id, dr.ref_no, a.id AS aircraft_id, a.registration, dc.next_due_at,
               date_diff('day', $today::DATE, dc.next_due_at::DATE) AS days_left,
               round(dc.next_due_fh - a.tsn_fh, 1) AS fh_left,
               coalesce(days_left < 0, false) OR coalesce(fh_left < 0, false) AS overdue
        FROM {_FLEET_COMPLIANCE}
        WHERE a.amo_id = $amo_id AND dc.voided_at IS NULL AND dr.kind = 'AD'
          AND dc.status IN ('OPEN', 'REPETITIVE')
          AND (dc.next_due_at <= $now::TIMESTAMPTZ + INTERVAL 30 DAY OR dc.next_due_fh - a.tsn_fh <= 50)
        ORDER BY overdue DESC, days_left NULLS LAST, fh_left NULLS LAST, dc.id""",
        {"amo_id": amo_id}, tables=_TABLES)


@kpi("ENG", 1, "Not-applicable compliance records without a reason (should be 0)",
     headline=Headline("Not applicable without a reason", "violations",
                       how="Compliance records marked not applicable with no reason given"))
def na_without_reason(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Compliance records marked NOT_APPLICABLE with no ``na_reason``."""
    return ctx.query(f"""
        SELECT dc.id AS compliance_id, dr.ref_no, a.id AS aircraft_id, dc.component_id
        FROM {_FLEET_COMPLIANCE}
        WHERE a.amo_id = $amo_id AND dc.voided_at IS NULL AND dc.applicability = 'NOT_APPLICABLE'
          AND coalesce(trim(dc.na_reason), '') = ''
        ORDER BY dc.id""", {"amo_id": amo_id}, tables=_TABLES)


@kpi("ENG", 1, "Life-limited parts: remaining cycles and hours",
     headline=Headline("Least remaining LLP life", "min", column="remaining_fc_share", unit="%", scale=100,
                       target=0.1, alarm=0.05, better="higher",
                       how="Smallest share of cycle life left on an installed life-limited part"))
def llp_remaining(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Installed LLPs with remaining FC and FH against their limits, least remaining first."""
    return ctx.query("""
        SELECT co.id AS component_id, co.part_no, co.serial_no, a.id AS aircraft_id, a.registration,
               co.life_limit_fc - co.csn AS remaining_fc, round(co.life_limit_fh - co.tsn, 1) AS remaining_fh,
               round((co.life_limit_fc - co.csn) / nullif(co.life_limit_fc, 0), 4) AS remaining_fc_share
        FROM components co JOIN aircraft a ON a.id = co.installed_aircraft_id
        WHERE a.amo_id = $amo_id AND co.voided_at IS NULL AND co.is_llp
        ORDER BY remaining_fc_share NULLS LAST, co.id""",
        {"amo_id": amo_id}, tables=("components", "aircraft"))


@kpi("ENG", 1, "MEL deferrals by category with days to expiry; expired deferrals (should be 0)",
     headline=Headline("Expired MEL deferrals", "violations", where={"expired": True},
                       how="Open MEL deferrals past their expiry",
                       also=(Headline("open", "count", how="Open MEL deferrals"),)))
def mel_deferrals(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Open MEL deferrals: category, expiry, days left (negative: expired), soonest first."""
    return ctx.query("""
        SELECT d.id AS defect_id, d.defect_no, a.id AS aircraft_id, a.registration, d.mel_category,
               d.deferral_expires_at,
               date_diff('day', $today::DATE, d.deferral_expires_at::DATE) AS days_left,
               d.deferral_expires_at < $now::TIMESTAMPTZ AS expired
        FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.is_deferred
          AND d.status NOT IN ('RECTIFIED', 'CLOSED') AND d.reported_at <= $now::TIMESTAMPTZ
        ORDER BY d.deferral_expires_at NULLS LAST, d.id""",
        {"amo_id": amo_id}, tables=("defects", "aircraft"))


@kpi("ENG", 1, "Repeat-defect investigations open",
     headline=Headline("Repeat-defect investigations open", "count", better="lower",
                       how="Repeat groups with at least one defect still open"))
def repeat_defect_investigations(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Repeat groups with at least one defect still open."""
    return ctx.query("""
        SELECT d.repeat_group_id, any_value(d.aircraft_id) AS aircraft_id, count(*) AS defects,
               count(*) FILTER (WHERE d.status NOT IN ('RECTIFIED', 'CLOSED')) AS open_defects,
               list(d.id ORDER BY d.id) AS defect_ids
        FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = $amo_id AND d.voided_at IS NULL AND d.repeat_group_id IS NOT NULL
          AND d.reported_at <= $now::TIMESTAMPTZ
        GROUP BY d.repeat_group_id HAVING open_defects > 0 ORDER BY d.repeat_group_id""",
        {"amo_id": amo_id}, tables=("defects", "aircraft"))
