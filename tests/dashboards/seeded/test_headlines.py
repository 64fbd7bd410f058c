"""Every card of every cockpit shows its KPI's headline figure, recomputed here independently:
from the KPI's own table with plain pandas, and from SQL on PostgreSQL for at least one KPI of
each department (on the seeded, archived demo data)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from auth_test_support import call

from auth.policy import DEPARTMENT_SLUGS
from dashboards import cockpits
from tests.dashboards.seeded_support import AMO, walk_components
from warehouse import Warehouse
from warehouse.kpi.base import REGISTRY

TODAY = datetime.now(UTC).date()


def _flat(column) -> list[float]:
    return [float(v) for cell in column if cell is not None for v in np.atleast_1d(cell) if not pd.isna(v)]


def pct(value) -> str:
    return "no data" if value is None else f"{round(value * 100)} %"


def count(value) -> str:
    return f"{int(value):,}"


def days(value, decimals=0) -> str:
    if value is None:
        return "no data"
    return f"{round(value, decimals) + 0.0:.{decimals}f} d" if decimals else f"{round(value)} d"


def ratio(numerator, denominator, decimals=2) -> str:
    n, d = pd.to_numeric(numerator).fillna(0).sum(), pd.to_numeric(denominator).fillna(0).sum()
    return "no data" if not d else f"{n / d:.{decimals}f}"


def rate(numerator, denominator) -> str:
    n, d = pd.to_numeric(numerator).fillna(0).sum(), pd.to_numeric(denominator).fillna(0).sum()
    return pct(n / d if d else None)


def median(values) -> float | None:
    return float(np.median(values)) if len(values) else None


# KPI → its headline value as text, from the KPI's table (f), written without the Headline class.
EXPECTED = {
    "audit_programme_completion": lambda f: rate(f.performed, f.planned) + " of plan",
    "regulation_coverage": lambda f: count((f.audits_12m == 0).sum()),
    "unannounced_night_share": lambda f: rate(f.unannounced, f.audits),
    "auditor_independence_violations": lambda f: count(len(f)),
    "open_findings_by_level": lambda f: count(f.open_findings.sum()),
    "overdue_cars": lambda f: count(len(f)),
    "car_ageing": lambda f: count(f.cars.sum()),
    "car_closure_time": lambda f: days(median(_flat(f.days))),
    "on_time_closure_rate": lambda f: rate(f.on_time, f.closed),
    "extension_rate": lambda f: rate(f.extended, f.cars),
    "repeat_findings": lambda f: count(f.finding_id.nunique()),
    "effectiveness_checks": lambda f: count(len(f)),
    "root_cause_pareto": lambda f: count(f.cars.sum()) + " in 12 months",
    "findings_by_source": lambda f: count(f.findings.sum()),
    "evidence_integrity": lambda f: count(len(f)),
    "authorisations_expiring": lambda f: count(len(f)),
    "regulation_coverage_by_month": lambda f: count(((f.month == TODAY.strftime("%Y-%m"))
                                                      & (f.audits_12m == 0)).sum()),
    "continuation_training_missing": lambda f: count(len(f)),
    "experience_lapsed": lambda f: count(len(f)),
    "safety_reports_per_month": lambda f: count(f.reports.sum()) + " in 12 months",
    "risk_matrix": lambda f: count(f.open_reports[f.tolerability == "INTOLERABLE"].sum()),
    "mor_timeliness": lambda f: rate(f.on_time, f.reports),
    "sdr_timeliness": lambda f: rate(f.on_time, f.reports),
    "contributing_factors_pareto": lambda f: count(len(set(_flat(f.report_ids)))) + " in 12 months",
    "overdue_safety_actions": lambda f: count(len(f)),
    "spi_control_chart": lambda f: count((f.alert_level >= 2).sum()),
    "top_hazards": lambda f: count(f.risk_index.max()) if len(f) else "no data",
    "stale_risk_reviews": lambda f: count(len(f)),
    "pirep_rate_by_ata": lambda f: count(f.above_alert.sum()),
    "unscheduled_removals_by_part": lambda f: count(f.unscheduled_removals.sum()) + " in 12 months",
    "nff_rate": lambda f: rate(f.nff, f.unscheduled_removals),
    "repeat_defects": lambda f: count(len(f)),
    "dispatch_reliability": lambda f: (f"{f.dispatch_reliability_12m.iloc[-1]:.2f} %"
                                       if len(f) and not pd.isna(f.dispatch_reliability_12m.iloc[-1])
                                       else "no data"),
    "interruptions_by_ata": lambda f: f"{f.rate_per_100_12m.sum():.2f} per 100 departures",
    "deferred_items_per_aircraft": lambda f: count(f.open_deferrals.sum()),
    "directive_status_by_aircraft": lambda f: count(f.records[f.status == "OPEN"].sum()),
    "ads_due": lambda f: count(f.overdue.sum()),
    "na_without_reason": lambda f: count(len(f)),
    "llp_remaining": lambda f: pct(f.remaining_fc_share.min()) if f.remaining_fc_share.notna().any()
    else "no data",
    "mel_deferrals": lambda f: count(f.expired.sum()),
    "repeat_defect_investigations": lambda f: count(len(f)),
    "check_tat": lambda f: pct(f.on_time.dropna().astype(bool).mean()) if f.on_time.notna().any()
    else "no data",
    "non_routine_ratio": lambda f: ratio(f.non_routine_mh, f.routine_mh),
    "man_hour_plan": lambda f: ratio(f.planned_mh, f.available_mh) + " next 12 weeks",
    "work_package_readiness": lambda f: rate(f.ready_cards, f.cards),
    "more_ground_time": lambda f: rate(f.unplanned_hours, f.planned_hours),
    "maintenance_forecast": lambda f: count(len(f)),
    "task_card_burndown": lambda f: count(f.cards[f.status.isin(["OPEN", "IN_WORK"])].sum()),
    "mh_variance": lambda f: ratio(f.actual_mh, f.planned_mh),
    "independent_inspections_pending": lambda f: count(len(f)),
    "signoffs_without_authorisation": lambda f: count(len(f)),
    "awaiting_parts_ageing": lambda f: count(len(f)),
    "tools_not_returned": lambda f: count(len(f)),
    "activity_volume": lambda f: count(f.events.sum()) + " in 12 months",
    "stock_expiring": lambda f: count(f["items"].sum()),
    "expired_in_serviceable": lambda f: count(len(f)),
    "quarantine_ageing": lambda f: count(f["items"].sum()),
    "receiving_backlog": lambda f: count(len(f)),
    "robbery_count": lambda f: count(f.robberies.sum()) + " in 12 months",
    "unserviceable_awaiting_disposal": lambda f: count(f["items"].sum()),
    "ledger_discrepancies": lambda f: count(len(f)),
    "cycle_count_accuracy": lambda f: pct(f.rate.iloc[0]) if len(f) and not pd.isna(f.rate.iloc[0])
    else "no data",
    "calibration_due": lambda f: count(f.overdue.sum()),
    "out_of_tolerance_recall": lambda f: count(f.task_card_id.dropna().nunique()),
    "lost_tools": lambda f: count(len(f)),
    "shop_tat": lambda f: days(median(_flat(f.tat_days)), 1),
}

# One KPI per department recomputed from the operational tables in PostgreSQL: (kpi, SQL, format).
_TODAY = "(now() AT TIME ZONE 'UTC')::date"
SQL = {
    "QUAL": ("overdue_cars", f"""
        SELECT count(*) FROM cars WHERE amo_id = :amo AND voided_at IS NULL AND status <> 'CLOSED'
          AND coalesce(extended_due_date, due_date) < {_TODAY}""", count),
    "SAFE": ("overdue_safety_actions", f"""
        SELECT count(*) FROM cars c JOIN findings f ON f.id = c.finding_id
        WHERE c.amo_id = :amo AND c.voided_at IS NULL AND f.source = 'OCCURRENCE' AND c.status <> 'CLOSED'
          AND coalesce(c.extended_due_date, c.due_date) < {_TODAY}""", count),
    "REL": ("deferred_items_per_aircraft", """
        SELECT count(*) FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = :amo AND d.voided_at IS NULL AND d.is_deferred
          AND d.status NOT IN ('RECTIFIED', 'CLOSED') AND d.reported_at <= now()""", count),
    "ENG": ("mel_deferrals", """
        SELECT count(*) FROM defects d JOIN aircraft a ON a.id = d.aircraft_id
        WHERE a.amo_id = :amo AND d.voided_at IS NULL AND d.is_deferred AND d.reported_at <= now()
          AND d.status NOT IN ('RECTIFIED', 'CLOSED') AND d.deferral_expires_at < now()""", count),
    "PLAN": ("non_routine_ratio", """
        SELECT sum(coalesce(t.actual_mh, t.planned_mh)) FILTER (WHERE t.card_type = 'NON_ROUTINE')
               / sum(coalesce(t.actual_mh, t.planned_mh)) FILTER (WHERE t.card_type = 'ROUTINE')
        FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
        WHERE w.amo_id = :amo AND w.voided_at IS NULL AND t.voided_at IS NULL AND t.created_at <= now()""",
             lambda value: f"{value:.2f}"),
    "PROD": ("independent_inspections_pending", """
        SELECT count(*) FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
        WHERE w.amo_id = :amo AND w.voided_at IS NULL AND t.voided_at IS NULL
          AND t.requires_independent_inspection AND t.performed_at <= now()
          AND (t.inspected_at IS NULL OR t.inspected_at > now())""", count),
    "STOR": ("expired_in_serviceable", """
        SELECT count(*) FROM stock_items s
        WHERE s.amo_id = :amo AND s.voided_at IS NULL AND s.received_at <= now() AND s.qty > 0
          AND s.condition = 'SERVICEABLE' AND s.store_type NOT IN ('QUARANTINE', 'SCRAP', 'U_S')
          AND s.shelf_life_expires_at < now()""", count),
    "WKSP": ("calibration_due", """
        SELECT count(*) FROM tools t
        WHERE t.amo_id = :amo AND t.voided_at IS NULL AND t.is_calibrated
          AND t.status NOT IN ('LOST', 'SCRAPPED') AND t.next_due_at < now()""", count),
}


def _rendered_cards(client, dash_app, code: str) -> dict[str, str]:
    """KPI name → the value its card shows, on ``code``'s cockpit as served."""
    response = call(client, dash_app, "cockpit-body.children",
                    values={"url.search": "",
                            "url.pathname": f"/maintenance/{AMO}/{DEPARTMENT_SLUGS[code]}"})
    assert response.status_code == 200
    tree = response.get_json()["response"]["cockpit-body"]["children"]
    cards = {}
    for node in walk_components(tree):
        if node["type"] == "Card" and str(node["props"].get("id", "")).startswith("kpi-"):
            value = next(n for n in walk_components(node)
                         if "kpi-value" in str(n["props"].get("className", "")))
            cards[node["props"]["id"][4:]] = value["props"]["children"]
    return cards


@pytest.fixture(scope="module")
def warehouse(world):
    warehouse = Warehouse(world.settings.warehouse, world.engine)
    yield warehouse
    warehouse.close()


def test_every_kpi_has_an_independent_recomputation():
    assert set(EXPECTED) == {name for name, d in REGISTRY.items() if d.department in cockpits.PANELS}


@pytest.mark.parametrize("code", sorted(cockpits.PANELS))
def test_every_card_shows_its_kpis_headline_recomputed_from_the_kpi_table(world, clients, dash_app, warehouse,
                                                                          code):
    shown = _rendered_cards(clients["boss@nam.example"], dash_app, code)
    tables = warehouse.kpi.cockpit_snapshot(code, amo_id=world.amo_id)
    assert set(shown) == set(tables)
    for name, frame in tables.items():
        assert shown[name] == EXPECTED[name](frame), name


@pytest.mark.parametrize("code", sorted(SQL))
def test_one_card_per_department_matches_sql_on_postgresql(world, clients, dash_app, code):
    kpi, query, text = SQL[code]
    with world.engine.connect() as connection:
        value = connection.execute(sa.text(query), {"amo": world.amo_id}).scalar_one()
    assert _rendered_cards(clients["boss@nam.example"], dash_app, code)[kpi] == text(value)
