"""Safety (SMS): occurrence, hazard, near-miss and error reports with MOR/SDR timers.

Reports are captured, risk-assessed (severity × likelihood), actioned, monitored and closed.
Mandatory occurrence reports go to the authority within 72 hours (and SDRs of the FAA-regulated
AMO within 96), but for a few late ones. Some reports lead to a finding with a CAR: one CAPA
engine for quality and safety.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from simulator import vocabulary as v
from simulator.fleet import Plane
from simulator.people import People
from simulator.production import Production
from simulator.quality import Quality
from simulator.world import World

REPORTS_PER_WEEK = 1.5
# Severity and likelihood (1-5) of a reported event: most maintenance reports are minor and
# occasional, a few are serious, so only some 4 % land in the intolerable region (index >= 15)
SEVERITY_WEIGHTS = (30, 35, 22, 10, 3)
LIKELIHOOD_WEIGHTS = (20, 35, 28, 12, 5)
# a safety action (a finding with its CAR) for every intolerable risk, half the tolerable ones
# (mitigated to as low as reasonably practicable) and a few acceptable ones
ACTION_SHARE = {"INTOLERABLE": 1.0, "TOLERABLE": 0.5, "ACCEPTABLE": 0.05}


def draw_risk(rng: random.Random) -> tuple[int, int]:
    """The severity and likelihood a report's risk assessment finds, by the weights above."""
    return rng.choices(range(1, 6), SEVERITY_WEIGHTS)[0], rng.choices(range(1, 6), LIKELIHOOD_WEIGHTS)[0]


OCCURRENCE_DEPARTMENTS = ("PROD", "PROD", "PROD", "STOR", "WKSP", "PLAN")
SAFETY_REFS = (
    "145.A.30(e)",
    "145.A.45(b)",
    "145.A.47(b)",
    "145.A.48(a)",
    "145.A.48(b)",
    "145.A.48(c)",
    "145.A.60(a)",
    "145.A.60(b)",
    "145.A.200(a)",
    "145.A.202(a)",
    "145.A.202(b)",
)
# the sub-paragraphs a safety action may be raised against (a repeat only when one recurs)
SAFETY_PARAGRAPHS = tuple(
    dict.fromkeys(f"{ref.split('(')[0]}({letter})" for ref in SAFETY_REFS for letter in "abcdef"))


def tolerability(risk_index: int) -> str:
    return "INTOLERABLE" if risk_index >= 15 else "TOLERABLE" if risk_index >= 6 else "ACCEPTABLE"


def build_safety(
    world: World, people: People, quality: Quality, fleet: list[Plane], production: Production
) -> None:
    """About 1.5 reports per week per AMO and scale step, each worked through the SMS workflow."""
    rng = world.rng
    work_orders = {}
    for signed in production.signed:
        work_orders.setdefault(signed.work_order["aircraft_id"], []).append(signed)
    for amo, spec in zip(people.amos, v.AMOS, strict=True):
        regime = spec[3]
        planes = [p for p in fleet if p.amo_id == amo["id"]]
        safety = people.department(amo["id"], "SAFE")
        count = int(REPORTS_PER_WEEK * world.factor * (world.now - world.start).days / 7)
        moments, man_hours = _work_moments(production, amo["id"])
        for _ in range(count):
            kind = rng.choices(("OCCURRENCE", "HAZARD", "NEAR_MISS", "ERROR"), (4, 3, 2, 2))[0]
            # reports come from the work: a busy month (a base check) brings more of them, so the
            # reports per 1000 MH (the SPIs) swing with chance alone, not with the workload
            at_work = rng.choices(moments, cum_weights=man_hours)[0] if moments else world.moment()
            occurred = world.later(at_work, -4, 4)
            reported = world.later(occurred, 0.5, 48)
            if not world.is_past(reported):
                continue
            dept_code = rng.choice(OCCURRENCE_DEPARTMENTS)
            reporter = people.staff(world, amo["id"], dept_code, reported)
            confidential = rng.random() < 0.2
            plane = rng.choice(planes) if kind in ("OCCURRENCE", "ERROR") else None
            candidates = work_orders.get(plane.row["id"], []) if plane else []
            near = (
                [s for s in candidates[-400:] if abs((s.performed_at - occurred).days) < 3] if plane else []
            )
            is_mor = kind == "OCCURRENCE" and rng.random() < 0.4
            is_sdr = is_mor and regime == "DUAL" and rng.random() < 0.6
            report = world.create(
                "safety_reports",
                reported,
                people.actor(reporter),
                {
                    "amo_id": amo["id"],
                    "report_no": f"{amo['code']}-SR{reported:%y}-{world.next_id('report numbers'):05d}",
                    "kind": kind,
                    "occurred_at": occurred,
                    "reported_at": reported,
                    "reporter_user_id": None if confidential else reporter["id"],
                    "is_confidential": confidential,
                    "department_id": people.department(amo["id"], dept_code)["id"],
                    "aircraft_id": plane.row["id"] if plane else None,
                    "work_order_id": near[0].work_order["id"] if near else None,
                    "ata_chapter": rng.choice(list(v.ATA)) if plane else None,
                    "occurrence_category": rng.choice(v.OCCURRENCE_CATEGORIES)
                    if kind == "OCCURRENCE"
                    else None,
                    "description": rng.choice(v.SAFETY_TEXTS[kind]),
                    "is_mor": is_mor,
                    "mor_submitted_at": None,
                    "is_sdr": is_sdr,
                    "sdr_submitted_at": None,
                    "severity": None,
                    "likelihood": None,
                    "risk_index": None,
                    "tolerability": None,
                    "investigation_method": None,
                    "investigation_due_at": None,
                    "analysed_at": None,
                    "contributing_factors": [],
                    "status": "CAPTURED",
                    "closed_at": None,
                },
                amo_id=amo["id"],
                department_id=safety["id"],
                activity=("safety_report.captured", f"{kind.replace('_', ' ').title()} report captured"),
            )
            _work(world, people, quality, amo, report, dept_code)


def _work_moments(production: Production, amo_id: int) -> tuple[list[datetime], list[float]]:
    """When the AMO's task cards were performed, and the man-hours booked up to each (cumulative)."""
    moments, man_hours, total = [], [], 0.0
    for signed in sorted(production.signed, key=lambda s: s.performed_at):
        if signed.work_order["amo_id"] == amo_id and signed.card["actual_mh"]:
            total += signed.card["actual_mh"]
            moments.append(signed.performed_at)
            man_hours.append(total)
    return moments, man_hours


def _work(world: World, people: People, quality: Quality, amo: dict, report: dict, dept_code: str) -> None:
    rng = world.rng
    officer = people.actor(people.staff(world, amo["id"], "SAFE", report["reported_at"]))
    reported = report["reported_at"]
    for flag, column, hours in (("is_mor", "mor_submitted_at", 72), ("is_sdr", "sdr_submitted_at", 96)):
        if report[flag]:
            submitted = (
                world.later(reported, 2, hours * 0.95)
                if rng.random() > 0.06
                else world.later(reported, hours + 2, hours * 2)
            )
            if world.is_past(submitted):
                world.change(
                    "safety_reports",
                    report,
                    max(submitted, report["updated_at"]),
                    officer,
                    {column: submitted},
                    activity=(
                        f"{column[:3]}.submitted",
                        f"{column[:3].upper()} sent for {report['report_no']}",
                    ),
                )
    assessed = max(world.later(reported, 24, 24 * 7), report["updated_at"])
    if not world.is_past(assessed):
        return
    severity, likelihood = draw_risk(rng)
    world.change(
        "safety_reports",
        report,
        assessed,
        officer,
        {
            "status": "ASSESSED",
            "severity": severity,
            "likelihood": likelihood,
            "risk_index": severity * likelihood,
            "tolerability": tolerability(severity * likelihood),
            "investigation_method": "MEDA",
            "investigation_due_at": reported + timedelta(days=30),
        },
        action="STATE_CHANGE",
    )
    analysed = world.later(assessed, 24 * 3, 24 * (40 if rng.random() < 0.15 else 25))
    if not world.is_past(analysed):
        return
    factors = sorted(rng.sample(v.MEDA_CATEGORIES, rng.randint(1, 3)))
    world.change(
        "safety_reports",
        report,
        analysed,
        officer,
        {"status": "ACTIONED", "analysed_at": analysed, "contributing_factors": factors},
        action="STATE_CHANGE",
    )
    needs_action = rng.random() < ACTION_SHARE[tolerability(severity * likelihood)]
    raised = analysed + timedelta(hours=1)
    # a paragraph found in the department within 24 months already has its CAR: the action joins it
    fresh = [ref for ref in SAFETY_PARAGRAPHS if not quality.would_repeat(amo, ref, dept_code, raised)]
    if needs_action and fresh and world.is_past(raised):
        quality.raise_finding(
            amo,
            dept_code,
            analysed + timedelta(hours=1),
            level="L2",
            regulation_ref=rng.choice(fresh),
            source="OCCURRENCE",
            description=f"Safety action: {report['description']}",
            safety_report=report,
        )
    monitoring = world.later(analysed, 24 * 5, 24 * 30)
    if not world.is_past(monitoring):
        return
    world.change(
        "safety_reports", report, monitoring, officer, {"status": "MONITORING"}, action="STATE_CHANGE"
    )
    closed = world.later(monitoring, 24 * 10, 24 * 60)
    if world.is_past(closed):
        world.change(
            "safety_reports",
            report,
            closed,
            officer,
            {"status": "CLOSED", "closed_at": closed},
            action="STATE_CHANGE",
            activity=("safety_report.closed", f"{report['report_no']} closed"),
        )
