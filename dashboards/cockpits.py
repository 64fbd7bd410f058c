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
    ``entity`` the table those ids belong to. ``x_title`` and ``y_title`` are the axis titles,
    with the unit; ``counts`` says the y axis counts records (whole-number ticks).
    """

    kpi: str
    title: str
    x: str
    ids: str
    entity: str
    x_title: str
    y_title: str
    y: str | None = None
    color: str | None = None
    counts: bool = True


DAYS_LEFT = "Days left (negative: overdue)"
PANELS: dict[str, tuple[Panel, ...]] = {
    "QUAL": (
        Panel("open_findings_by_level", "Open findings by department and level", "department_id",
              "finding_ids", "findings", "Department", "Open findings", y="open_findings", color="level"),
        Panel("overdue_cars", "Overdue CARs (days overdue)", "car_no", "car_id", "cars", "CAR",
              "Days overdue (d)", y="days_overdue", color="level", counts=False),
        Panel("car_ageing", "Open CARs by age (days since raised)", "bucket", "car_ids", "cars",
              "Age since raised (days)", "Open CARs", y="cars", color="level"),
        Panel("root_cause_pareto", "Root causes of CARs, last 12 months", "root_cause_category", "car_ids",
              "cars", "Root cause (MEDA category)", "CARs raised", y="cars"),
        Panel("findings_by_source", "Findings by source and quarter", "quarter", "finding_ids", "findings",
              "Quarter raised", "Findings", y="findings", color="source"),
        Panel("audit_programme_completion", "Audits planned per month, year to date", "month", "audit_ids",
              "audits", "Month planned", "Audits planned", y="planned"),
        Panel("regulation_coverage_by_month", "Regulation coverage: audits in rolling 12 months (red = gap)",
              "month", "audit_ids", "audits", "Month (rolling 12 months to its end)", "Part-145 point",
              y="audits_12m", color="regulation_ref"),
        Panel("continuation_training_missing", "Authorised staff without continuation training in 24 months",
              "department_id", "authorisation_ids", "staff_authorisations", "Department", "Staff"),
        Panel("experience_lapsed", "Authorised staff who exercised no privileges in 24 months",
              "department_id", "authorisation_ids", "staff_authorisations", "Department", "Staff"),
        Panel("authorisations_expiring", "Authorisations expiring within 30 / 60 / 90 days", "bucket",
              "authorisation_id", "staff_authorisations", "Expires within", "Authorisations",
              color="auth_type"),
    ),
    "SAFE": (
        Panel("safety_reports_per_month", "Safety reports per month", "month", "report_ids",
              "safety_reports", "Month reported", "Reports", y="reports", color="kind"),
        Panel("risk_matrix", "Risk matrix: reports per severity × likelihood", "likelihood", "report_ids",
              "safety_reports", "Likelihood", "Severity", y="reports", color="severity"),
        Panel("contributing_factors_pareto", "Contributing factors, last 12 months", "factor", "report_ids",
              "safety_reports", "Contributing factor (MEDA)", "Reports naming it", y="reports"),
        Panel("overdue_safety_actions", "Overdue safety actions (days overdue)", "car_no", "car_id", "cars",
              "CAR", "Days overdue (d)", y="days_overdue", counts=False),
        Panel("top_hazards", "Top open hazards by risk index", "hazard_no", "hazard_id", "hazards",
              "Hazard", "Risk index (severity × likelihood)", y="risk_index", color="tolerability"),
        Panel("spi_control_chart", "SPI: reports per 1000 production MH, alert levels and target", "month",
              "report_ids", "safety_reports", "Month reported", "Reports per 1000 production MH",
              y="rate_per_1000_mh", color="kind", counts=False),
    ),
    "REL": (
        Panel("pirep_rate_by_ata", "PIREPs and MAREPs per 1000 FH by ATA chapter, 12 months", "ata_chapter",
              "defect_ids", "defects", "ATA chapter", "Reports per 1000 FH", y="rate_per_1000_fh",
              color="source", counts=False),
        Panel("unscheduled_removals_by_part", "Unscheduled removals by part number, 12 months", "part_no",
              "removal_ids", "component_removals", "Part number", "Unscheduled removals",
              y="unscheduled_removals"),
        Panel("deferred_items_per_aircraft", "Open deferred defects per aircraft", "registration",
              "defect_ids", "defects", "Aircraft", "Open deferred defects", y="open_deferrals"),
        Panel("interruptions_by_ata", "Delays and cancellations per 100 departures by ATA, 12 months",
              "ata_chapter", "interruption_ids", "operational_interruptions", "ATA chapter",
              "Delays and cancellations per 100 departures", y="rate_per_100_12m", counts=False),
        Panel("dispatch_reliability", "Technical dispatch reliability per month, by the aircraft flown",
              "month", "aircraft_ids", "aircraft", "Month", "Dispatch reliability (%)",
              y="dispatch_reliability", counts=False),
    ),
    "ENG": (
        Panel("directive_status_by_aircraft", "AD/SB compliance by aircraft", "registration",
              "compliance_ids", "directive_compliance", "Aircraft", "Compliance records", y="records",
              color="status"),
        Panel("ads_due", "ADs due and overdue (days left)", "ref_no", "compliance_id", "directive_compliance",
              "Airworthiness directive", DAYS_LEFT, y="days_left", color="registration", counts=False),
        Panel("mel_deferrals", "MEL deferrals (days to expiry)", "defect_no", "defect_id", "defects",
              "Defect", DAYS_LEFT, y="days_left", color="mel_category", counts=False),
    ),
    "PLAN": (
        Panel("check_tat", "Finished work orders by type: on time or late", "wo_type", "work_order_id",
              "work_orders", "Work-order type", "Work orders", color="on_time"),
        Panel("maintenance_forecast", "Directives due in 30 / 60 / 90 days", "bucket", "compliance_id",
              "directive_compliance", "Due within", "Compliance records", color="registration"),
        Panel("man_hour_plan", "Planned ÷ available man-hours per week", "week", "work_order_ids",
              "work_orders", "Week starting", "Planned ÷ available MH (1 = fully loaded)", y="load_ratio",
              counts=False),
        Panel("work_package_readiness", "Share of task cards with material at check start", "wo_no",
              "missing_card_ids", "task_cards", "Check (work order)", "Cards ready (share, 1 = all)",
              y="readiness", counts=False),
        Panel("more_ground_time", "More ground time: unplanned ÷ planned ground time", "wo_no",
              "work_order_id", "work_orders", "Check (work order)", "Unplanned ÷ planned ground time",
              y="mgt", counts=False),
    ),
    "PROD": (
        Panel("task_card_burndown", "Task cards per open work order", "wo_no", "card_ids", "task_cards",
              "Work order", "Task cards", y="cards", color="status"),
        Panel("independent_inspections_pending", "Independent inspections pending (hours)", "card_no",
              "card_id", "task_cards", "Task card", "Hours waiting (h)", y="hours_waiting", counts=False),
        Panel("signoffs_without_authorisation", "Sign-offs without a valid authorisation", "meaning",
              "work_order_id", "work_orders", "Sign-off", "Sign-offs"),
        Panel("awaiting_parts_ageing", "Work orders awaiting parts (days)", "wo_no", "work_order_id",
              "work_orders", "Work order", "Days waiting (d)", y="days_waiting", counts=False),
    ),
    "STOR": (
        Panel("stock_expiring", "Stock expiring within 30 / 60 / 90 days", "bucket", "stock_item_ids",
              "stock_items", "Shelf life ends within", "Stock items", y="items", color="location_code"),
        Panel("expired_in_serviceable", "Expired stock in serviceable locations (days expired)", "part_no",
              "stock_item_id", "stock_items", "Part number", "Days expired (d)", y="days_expired",
              counts=False),
        Panel("quarantine_ageing", "Quarantine by reason", "reason", "stock_item_ids", "stock_items",
              "Quarantine reason", "Stock items", y="items"),
        Panel("receiving_backlog", "Receiving inspection backlog (days)", "part_no", "stock_item_id",
              "stock_items", "Part number", "Days waiting (d)", y="days_waiting", counts=False),
        Panel("unserviceable_awaiting_disposal", "Unserviceable stock awaiting repair or mutilation, by age",
              "bucket", "stock_item_ids", "stock_items", "Waiting (days)", "Stock items", y="items",
              color="condition"),
        Panel("ledger_discrepancies", "Quantity minus ledger sum", "part_no", "stock_item_id", "stock_items",
              "Part number", "Quantity − ledger sum (units)", y="difference", counts=False),
    ),
    "WKSP": (
        Panel("calibration_due", "Calibration due and overdue (days left)", "tool_no", "tool_id", "tools",
              "Tool", DAYS_LEFT, y="days_left", color="overdue", counts=False),
        Panel("out_of_tolerance_recall", "Task cards to recall after out-of-tolerance tools", "tool_id",
              "task_card_id", "task_cards", "Tool found out of tolerance", "Task cards to recall"),
        Panel("shop_tat", "Shop turn-around (days)", "wo_no", "work_order_id", "work_orders",
              "Shop work order", "Turn-around (d)", y="tat_days", counts=False),
        Panel("lost_tools", "Lost tools still open (days)", "tool_no", "tool_id", "tools", "Tool",
              "Days since lost (d)", y="days_lost", counts=False),
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
