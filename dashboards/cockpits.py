"""What each department's cockpit shows: its charts (which KPI, which columns, which records a
click opens).

The KPIs themselves live in :mod:`warehouse.kpi`, each with the headline figure its card shows;
one ``cockpit_snapshot`` call gives a cockpit all of its department's KPI tables, and this
module only says how to draw them. A panel's
``entity`` is the record table its bars drill into; members of a department may read the records
their own cockpit drills into (see :mod:`dashboards.records`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Panel:
    """One chart: bars of ``y`` (summed; row count when None) per ``x``, split by ``color``.

    ``ids`` is the column with the ids of the records behind each row (a list or one id),
    ``entity`` the table those ids belong to.
    """

    kpi: str
    title: str
    x: str
    ids: str
    entity: str
    y: str | None = None
    color: str | None = None


PANELS: dict[str, tuple[Panel, ...]] = {
    "QUAL": (
        Panel("open_findings_by_level", "Open findings by level", "level", "finding_ids", "findings",
              y="open_findings", color="department_id"),
        Panel("overdue_cars", "Overdue CARs (days overdue)", "car_no", "car_id", "cars",
              y="days_overdue", color="level"),
        Panel("car_ageing", "Open CARs by age (days since raised)", "bucket", "car_ids", "cars",
              y="cars", color="level"),
        Panel("root_cause_pareto", "Root causes of CARs, last 12 months", "root_cause_category", "car_ids",
              "cars", y="cars"),
        Panel("findings_by_source", "Findings by source and quarter", "quarter", "finding_ids", "findings",
              y="findings", color="source"),
        Panel("audit_programme_completion", "Audits planned per month", "month", "audit_ids", "audits",
              y="planned"),
        Panel("regulation_coverage_by_month", "Regulation coverage: audits in rolling 12 months (red = gap)",
              "month", "audit_ids", "audits", y="audits_12m", color="regulation_ref"),
        Panel("continuation_training_missing", "Authorised staff without continuation training in 24 months",
              "department_id", "authorisation_ids", "staff_authorisations"),
        Panel("experience_lapsed", "Authorised staff who exercised no privileges in 24 months",
              "department_id", "authorisation_ids", "staff_authorisations"),
        Panel("authorisations_expiring", "Authorisations expiring within 30 / 60 / 90 days", "bucket",
              "authorisation_id", "staff_authorisations", color="auth_type"),
    ),
    "SAFE": (
        Panel("safety_reports_per_month", "Safety reports per month", "month", "report_ids",
              "safety_reports", y="reports", color="kind"),
        Panel("risk_matrix", "Reports by tolerability", "tolerability", "report_ids", "safety_reports",
              y="reports"),
        Panel("contributing_factors_pareto", "Contributing factors, last 12 months", "factor", "report_ids",
              "safety_reports", y="reports"),
        Panel("overdue_safety_actions", "Overdue safety actions (days overdue)", "car_no", "car_id", "cars",
              y="days_overdue"),
        Panel("top_hazards", "Top open hazards by risk index", "hazard_no", "hazard_id", "hazards",
              y="risk_index", color="tolerability"),
        Panel("spi_control_chart", "SPI: reports per 1000 production MH, alert levels and target", "month",
              "report_ids", "safety_reports", y="rate_per_1000_mh", color="kind"),
    ),
    "REL": (
        Panel("pirep_rate_by_ata", "PIREPs and MAREPs per 1000 FH by ATA chapter, 12 months", "ata_chapter",
              "defect_ids", "defects", y="rate_per_1000_fh", color="source"),
        Panel("unscheduled_removals_by_part", "Unscheduled removals by part number", "part_no", "removal_ids",
              "component_removals", y="unscheduled_removals"),
        Panel("deferred_items_per_aircraft", "Open deferred defects per aircraft", "registration",
              "defect_ids", "defects", y="open_deferrals"),
        Panel("interruptions_by_ata", "Delays and cancellations per 100 departures by ATA, 12 months",
              "ata_chapter", "interruption_ids", "operational_interruptions", y="rate_per_100_12m"),
        Panel("dispatch_reliability", "Technical dispatch reliability per month (%), by the aircraft flown",
              "month", "aircraft_ids", "aircraft", y="dispatch_reliability"),
    ),
    "ENG": (
        Panel("directive_status_by_aircraft", "AD/SB compliance by aircraft", "registration",
              "compliance_ids", "directive_compliance", y="records", color="status"),
        Panel("ads_due", "ADs due and overdue (days left)", "ref_no", "compliance_id", "directive_compliance",
              y="days_left", color="registration"),
        Panel("mel_deferrals", "MEL deferrals (days to expiry)", "defect_no", "defect_id", "defects",
              y="days_left", color="mel_category"),
    ),
    "PLAN": (
        Panel("check_tat", "Work orders by type and on-time redelivery", "wo_type", "work_order_id",
              "work_orders", color="on_time"),
        Panel("maintenance_forecast", "Directives due in 30 / 60 / 90 days", "bucket", "compliance_id",
              "directive_compliance", color="registration"),
        Panel("man_hour_plan", "Planned ÷ available man-hours per week", "week", "work_order_ids",
              "work_orders", y="load_ratio"),
        Panel("work_package_readiness", "Share of task cards with material at check start", "wo_no",
              "missing_card_ids", "task_cards", y="readiness"),
        Panel("more_ground_time", "More ground time: unplanned ÷ planned ground time", "wo_no",
              "work_order_id", "work_orders", y="mgt"),
    ),
    "PROD": (
        Panel("task_card_burndown", "Task cards per open work order", "wo_no", "card_ids", "task_cards",
              y="cards", color="status"),
        Panel("independent_inspections_pending", "Independent inspections pending (hours)", "card_no",
              "card_id", "task_cards", y="hours_waiting"),
        Panel("signoffs_without_authorisation", "Sign-offs without a valid authorisation", "meaning",
              "work_order_id", "work_orders"),
        Panel("awaiting_parts_ageing", "Work orders awaiting parts (days)", "wo_no", "work_order_id",
              "work_orders", y="days_waiting"),
    ),
    "STOR": (
        Panel("stock_expiring", "Stock expiring within 30 / 60 / 90 days", "bucket", "stock_item_ids",
              "stock_items", y="items", color="location_code"),
        Panel("expired_in_serviceable", "Expired stock in serviceable locations (days expired)", "part_no",
              "stock_item_id", "stock_items", y="days_expired"),
        Panel("quarantine_ageing", "Quarantine by reason", "reason", "stock_item_ids", "stock_items",
              y="items"),
        Panel("receiving_backlog", "Receiving inspection backlog (days)", "part_no", "stock_item_id",
              "stock_items", y="days_waiting"),
        Panel("unserviceable_awaiting_disposal", "Unserviceable stock awaiting repair or mutilation, by age",
              "bucket", "stock_item_ids", "stock_items", y="items", color="condition"),
        Panel("ledger_discrepancies", "Quantity minus ledger sum", "part_no", "stock_item_id", "stock_items",
              y="difference"),
    ),
    "WKSP": (
        Panel("calibration_due", "Calibration due and overdue (days left)", "tool_no", "tool_id", "tools",
              y="days_left", color="overdue"),
        Panel("out_of_tolerance_recall", "Task cards to recall after out-of-tolerance tools", "tool_id",
              "task_card_id", "task_cards"),
        Panel("shop_tat", "Shop turn-around (days)", "wo_no", "work_order_id", "work_orders", y="tat_days"),
        Panel("lost_tools", "Lost tools still open (days)", "tool_no", "tool_id", "tools", y="days_lost"),
    ),
}

# Record table → the departments whose cockpits drill into it (their members may read all of them).
DRILL_OWNERS: dict[str, frozenset[str]] = {
    entity: frozenset(code for code, panels in PANELS.items() if any(p.entity == entity for p in panels))
    for entity in {panel.entity for panels in PANELS.values() for panel in panels}
}


def panel(department: str, kpi: str) -> Panel | None:
    """The panel of ``kpi`` on ``department``'s cockpit, or None."""
    return next((p for p in PANELS.get(department, ()) if p.kpi == kpi), None)


def id_list(value) -> list[int]:
    """The record ids in a KPI cell: a list of ids, one id, or nothing (None / NA)."""
    if value is None or isinstance(value, str):
        return []
    items = value if hasattr(value, "__len__") else [value]
    return [int(item) for item in items if not pd.isna(item)]
