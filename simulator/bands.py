"""Plausibility bands: what each KPI headline of a real Part-145 of the seeded size shows.

The synthetic AMO is only useful if a quality manager recognises it. Each band bounds one
figure of a KPI's card (its headline, or a named companion such as "oldest" or "p90") for one
AMO; counts that grow with the organisation are per scale factor (the demo scale is 1: about a
dozen aircraft and a hundred staff; ``1m`` is 4). ``why`` is the source: DOMAIN.md's cited
figures, the Part-145 rules, or the practice it describes. docs/synthetic-data.md lists them
with the anomalies planted on purpose; the tests seed and simulate the AMO and hold every
headline to its band.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.kpi import DEPARTMENTS
from warehouse.kpi.base import REGISTRY
from warehouse.kpi.headline import Figure


@dataclass(frozen=True)
class Band:
    """Where one figure of a KPI plausibly lies (None: unbounded on that side)."""

    kpi: str
    low: float | None
    high: float | None
    why: str
    figure: str | None = None  # a companion's label ("oldest"); None: the headline itself
    per_scale: bool = False  # bounds multiply by the scale factor
    no_data: bool = False  # "no data" is plausible too (nothing of the kind happened yet)

    def bounds(self, factor: int) -> tuple[float | None, float | None]:
        scale = factor if self.per_scale else 1
        return (
            None if self.low is None else self.low * scale,
            None if self.high is None else self.high * scale,
        )

    def breach(self, figure: Figure, factor: int) -> str | None:
        """Why ``figure`` is outside this band, or None when it is inside."""
        shown = (
            figure if self.figure is None else next((f for f in figure.also if f.label == self.figure), None)
        )
        if shown is None:
            return f"{self.kpi}: no figure labelled {self.figure!r}"
        if shown.value is None:
            return None if self.no_data or self.low is None else f"{self.kpi} {shown.label}: no data"
        low, high = self.bounds(factor)
        if (low is not None and shown.value < low) or (high is not None and shown.value > high):
            return f"{self.kpi} {shown.label} = {shown.value:g}, outside [{low}, {high}]"
        return None


def _band(kpi: str, low: float | None, high: float | None, why: str, **options) -> Band:
    return Band(kpi, low, high, why, **options)


PLANTED = "planted on purpose, a few (see the anomalies)"
MONTHS_36 = "counted over the three-year history"

BANDS: tuple[Band, ...] = (
    # Quality & compliance
    _band(
        "audit_programme_completion",
        0.85,
        1.0,
        "≥ 95 % on-time execution is a typical quality objective "
        "(aviationhunt); a well-run programme slips a few audits at most",
    ),
    _band(
        "regulation_coverage", 0, 2, "AMC2 145.A.200(a)(6): every point audited every year", per_scale=False
    ),
    _band("regulation_coverage_by_month", 0, 2, "as regulation coverage"),
    _band("unannounced_night_share", 0, 0.4, "AMC2 145.A.200: some unannounced and night audits, a minority"),
    _band("unannounced_night_share", 0, 0.4, "night audits of production shifts, a minority", figure="night"),
    _band("auditor_independence_violations", 0, 3, "AMC 145.A.65(c)(1) §11: should be 0; " + PLANTED),
    _band("open_findings_by_level", 0, 15, "findings close in weeks; a few open at any time", per_scale=True),
    _band(
        "open_findings_by_level",
        0,
        1,
        "level 1 needs immediate action (145.A.95)",
        figure="level 1",
        per_scale=True,
    ),
    _band(
        "overdue_cars",
        0,
        3,
        "overdue CARs a small minority of the open ones (Centrik, aerotrack show them as exceptions)",
        per_scale=True,
    ),
    _band(
        "overdue_cars",
        0,
        90,
        "none years overdue: a late CAR is chased within weeks",
        figure="oldest",
        no_data=True,
    ),
    _band("car_ageing", 0, 15, "open CARs: a month's worth", per_scale=True),
    _band(
        "car_ageing",
        0,
        2,
        "the 90-day level-2 horizon (145.A.95): few beyond it",
        figure="over 90 d",
        per_scale=True,
    ),
    _band("car_closure_time", 20, 60, "issue brief: median 20–60 days; L2 due in 90 days (145.A.95)"),
    _band("car_closure_time", 30, 120, "DOMAIN.md target: L2 p90 ≤ 90 d, with a tail", figure="p90"),
    _band(
        "on_time_closure_rate",
        0.7,
        0.97,
        "most CARs closed by their original due date; some rely on extensions",
    ),
    _band("extension_rate", 0.02, 0.3, "Centrik lets owners postpone; a minority of CARs are extended"),
    _band(
        "repeat_findings",
        0,
        20,
        "symptom-only fixes cause repeats (Sofema); a few in three years",
        per_scale=True,
    ),
    _band("effectiveness_checks", 0, 18, "a few checks late or failed in three years", per_scale=True),
    _band("root_cause_pareto", 8, 70, "CARs raised in 12 months: one to six a month", per_scale=True),
    _band(
        "findings_by_source",
        50,
        220,
        "findings in the history: one to six a month " + MONTHS_36,
        per_scale=True,
    ),
    _band("evidence_integrity", 0, 3, "should be 0; " + PLANTED),
    _band(
        "authorisations_expiring",
        0,
        10,
        "two-year authorisations renewed on time: a few fall due each quarter",
        per_scale=True,
    ),
    _band(
        "continuation_training_missing",
        0,
        3,
        "145.A.35(d): continuation training every two years; new starters awaiting their first course",
        per_scale=True,
    ),
    _band(
        "experience_lapsed",
        0,
        2,
        "145.A.35(c): certifying staff exercise privileges; a rare exception",
        per_scale=True,
    ),
    # Safety
    _band(
        "safety_reports_per_month",
        30,
        150,
        "an open reporting culture: a report or two a week for a hundred staff",
        per_scale=True,
    ),
    _band("risk_matrix", 0, 8, "intolerable risks are actioned at once: few open", per_scale=True),
    _band("mor_timeliness", 0.7, 1.0, "376/2014: MORs within 72 h; a few late (one in ten, over a year's "
          "30-odd MORs)"),
    _band("sdr_timeliness", 0.7, 1.0, "FAA SDR within 96 h; none when no SDR-reportable event", no_data=True),
    _band(
        "spi_control_chart",
        0,
        14,
        "ICAO Doc 9859 alert levels over four series × 12 months, lines from the prior year; monthly "
        "man-hours swing with base checks, so several crossings in a year are usual",
    ),
    _band("contributing_factors_pareto", 25, 150, "most analysed reports name a MEDA factor", per_scale=True),
    _band("overdue_safety_actions", 0, 2, "safety actions are CARs: rarely overdue", per_scale=True),
    _band("top_hazards", 4, 20, "a register's worst open hazard: tolerable with mitigation, rarely 25"),
    _band("stale_risk_reviews", 0, 2, "risk reviews held on time, a rare slip", per_scale=True),
    # Reliability
    _band(
        "pirep_rate_by_ata",
        0,
        8,
        "alert level = mean + 2 SD of the prior 12 months (Buddha Air RCB): a few chapters above it",
    ),
    _band(
        "unscheduled_removals_by_part",
        3,
        30,
        "a small fleet removes a component every month or so",
        per_scale=True,
    ),
    _band(
        "nff_rate",
        0,
        0.9,
        "NFF is typically 30–50 % of unscheduled removals (industry practice); a dozen removals a "
        "year swing it, down to none at all (at 35 %, eight removals are all confirmed 3 % of the time)",
    ),
    _band(
        "repeat_defects",
        0,
        25,
        "≥ 3 on the same aircraft and ATA within 15 sectors (Sofema): some",
        per_scale=True,
    ),
    _band("dispatch_reliability", 97.5, 99.8, "technical dispatch reliability of airline fleets: 98–99.7 %"),
    _band("interruptions_by_ata", 0.2, 3.0, "delays and cancellations per 100 departures (Ramco rates)"),
    _band(
        "deferred_items_per_aircraft", 0, 8, "a few open deferred defects across a dozen aircraft",
        per_scale=True,
    ),
    # Engineering
    _band(
        "directive_status_by_aircraft", 0, 40, "open AD/SB records awaiting their due date", per_scale=True
    ),
    _band("ads_due", 0, 2, "overdue ADs should be 0; " + PLANTED, per_scale=True),
    _band(
        "ads_due",
        0,
        10,
        "ADs falling due within 30 days or 50 FH",
        figure="due in 30 d or 50 FH",
        per_scale=True,
    ),
    _band("na_without_reason", 0, 1, "should be 0; " + PLANTED, per_scale=True),
    _band("llp_remaining", 0.1, 0.9, "least remaining LLP life in a mixed-age fleet"),
    _band("mel_deferrals", 0, 1, "expired MEL deferrals should be 0; " + PLANTED, per_scale=True),
    _band("mel_deferrals", 0, 8, "open MEL deferrals across a dozen aircraft", figure="open", per_scale=True),
    _band("repeat_defect_investigations", 0, 3, "a repeat-defect investigation or two open", per_scale=True),
    # Planning
    _band("maintenance_forecast", 0, 20, "directives due in the next 90 days", per_scale=True),
    _band(
        "check_tat",
        0.6,
        0.98,
        "on-time redelivery; a 29 % planned-vs-actual TAT gap is reported for heavy checks (B737NG study)",
    ),
    _band(
        "non_routine_ratio",
        0.2,
        1.0,
        "non-routine MH ÷ routine MH; 54 % of the load was non-routine in the B737NG study",
    ),
    _band("more_ground_time", 0, 0.1, "unplanned ground time a small share of planned (aircargopedia)"),
    _band(
        "man_hour_plan",
        0.5,
        1.1,
        "145.A.47(a): enough staff for the planned work; planners load the roster 65–85 % with line "
        "packages and checks, leaving room for unplanned defects (simulator/work_plan.py)",
    ),
    _band(
        "work_package_readiness",
        0.7,
        1.0,
        "DOMAIN.md §3.5: check cards kitted before the check starts; one in twelve waits for material on "
        "order (simulator/work_plan.py)",
    ),
    # Production
    _band("task_card_burndown", 0, 60, "cards of the work orders in work and of the check packages released "
          "(12 each, up to one per aircraft when checks fall close together)", per_scale=True),
    _band("mh_variance", 0.9, 1.4, "actual ÷ planned MH: cards overrun their estimate a little"),
    _band("independent_inspections_pending", 0, 10, "inspections a shift can clear", per_scale=True),
    _band(
        "independent_inspections_pending",
        0,
        24,
        "an inspection waits hours, not days",
        figure="longest wait",
        no_data=True,
    ),
    _band(
        "signoffs_without_authorisation",
        0,
        6,
        "a handful a year at most; should be 0; " + PLANTED + ", " + MONTHS_36,
        per_scale=True,
    ),
    _band("awaiting_parts_ageing", 0, 3, "work orders blocked on material: a few", per_scale=True),
    _band("tools_not_returned", 0, 4, "tools back by shift end; a rare one never returned in three years",
          per_scale=True),
    _band(
        "activity_volume",
        300,
        4000,
        "the activity feed of a working AMO: several events a day",
        per_scale=True,
    ),
    # Stores
    _band("stock_expiring", 0, 15, "shelf-life items expiring within 90 days", per_scale=True),
    _band(
        "expired_in_serviceable",
        0,
        1,
        "should be 0 (IFS Maintenix routes them to quarantine); " + PLANTED,
        per_scale=True,
    ),
    _band("quarantine_ageing", 0, 15, "items in quarantine awaiting review", per_scale=True),
    _band(
        "quarantine_ageing", 0, 120, "a quarantine review ends within weeks", figure="oldest", no_data=True
    ),
    _band("receiving_backlog", 0, 5, "receiving inspections done within days", per_scale=True),
    _band("unserviceable_awaiting_disposal", 0, 5, "repair or mutilation follows soon", per_scale=True),
    _band("ledger_discrepancies", 0, 1, "should be 0; " + PLANTED),
    _band("robbery_count", 0, 6, "cannibalisation is the exception", per_scale=True),
    _band(
        "cycle_count_accuracy",
        0.85,
        1.0,
        "a rolling count of one rack a week finds a unit or two off now and then (target 98 %, alarm 95 %); "
        "a small store's few adjustments a year swing it (simulator/cycle_counts.py)",
    ),
    # Workshops
    _band("calibration_due", 0, 1, "calibration overdue should be 0; " + PLANTED, per_scale=True),
    _band(
        "calibration_due",
        0,
        15,
        "calibrations falling due within 30 days",
        figure="due in 30 d",
        per_scale=True,
    ),
    _band("lost_tools", 0, 2, "lost tools are rare (a FOD risk)", per_scale=True),
    _band(
        "out_of_tolerance_recall",
        0,
        40,
        "a tool found out of tolerance now and then recalls the cards it served",
        per_scale=True,
    ),
    _band("shop_tat", 2, 20, "component shop turn-around of days to a few weeks"),
    # Admin
    _band("account_state", 0.6, 1.0, "MFA for most accounts"),
    _band(
        "leavers_still_active", 0, 3, "should be 0; " + PLANTED + "; grows with the headcount", per_scale=True
    ),
    _band("dormant_accounts", 0, 20, "people log in to work: dormant accounts are few", per_scale=True),
    _band("performer_is_inspector", 0, 0, "an independent inspection is never by the performer"),
    _band("privileged_actions", 0, 60, "admin actions in 12 months", per_scale=True),
)


def bands_of(kpi: str) -> list[Band]:
    """The bands of one KPI (its headline and any companions)."""
    return [band for band in BANDS if band.kpi == kpi]


def measure(warehouse, amo_id: int) -> dict[str, Figure]:
    """Every KPI's headline figure for one AMO, each department's KPIs read in one snapshot."""
    figures = {}
    for department in DEPARTMENTS:
        for name, frame in warehouse.kpi.cockpit_snapshot(department, amo_id=amo_id).items():
            figures[name] = REGISTRY[name].headline.evaluate(frame)
    return figures


def breaches(figures: dict[str, Figure], factor: int) -> list[str]:
    """Every figure outside its band, as readable lines (empty: all plausible)."""
    found = [band.breach(figures[band.kpi], factor) for band in BANDS if band.kpi in figures]
    return [line for line in found if line]


def bands_table_markdown() -> str:
    """The bands as a Markdown table: the body of docs/synthetic-data.md's band section."""
    lines = ["| KPI | figure | band (demo scale) | grows with scale | why |", "|---|---|---|---|---|"]
    for band in BANDS:
        definition = REGISTRY[band.kpi]
        headline = definition.headline
        if band.figure is not None:
            headline = next(companion for companion in headline.also if companion.label == band.figure)
        low, high = (headline.format(bound) if bound is not None else "…" for bound in (band.low, band.high))
        shown = f"{low} – {high}" + (" (or no data)" if band.no_data else "")
        lines.append(
            f"| {definition.title} | {headline.label} | {shown} | {'yes' if band.per_scale else ''} "
            f"| {band.why} |"
        )
    return "\n".join(lines) + "\n"
