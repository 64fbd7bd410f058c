"""Maintenance of each aircraft: line work packages and the hangar checks.

Line work orders cover the fleet in ten-day packages: a weekly check card plus a non-routine
card for every defect rectified in the package's days. Checks (A and C) come from the fleet's
check plan, with MPD task cards (released with the work order, so stores can kit their parts
before the check starts), independent inspections on flight controls and landing gear, and the
non-routine findings a check always turns up.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from simulator import vocabulary as v
from simulator.fleet import Plane
from simulator.people import People
from simulator.production import Production
from simulator.reliability import PlannedDefect, group_repeats, plan_defects, rectify, report_defect
from simulator.world import World

LINE_PACKAGE = timedelta(days=10)
CHECK_CARDS = {"A_CHECK": 12, "C_CHECK": 40}
CHECK_MH = {"A_CHECK": 60.0, "C_CHECK": 3200.0}
INSPECTED_ATAS = {"27", "32"}
PACKAGE_RELEASE = timedelta(hours=2)  # a check's MPD cards are released with its work order, for kitting


def maintain_fleet(
    world: World, people: People, production: Production, fleet: list[Plane]
) -> list[PlannedDefect]:
    """Work every aircraft's line and base maintenance; returns all defects for later steps."""
    everything: list[PlannedDefect] = []
    for plane in fleet:
        defects = plan_defects(world, people, plane)
        defects += _checks(world, people, production, plane)
        _line(world, people, production, plane, [d for d in defects if d.row["source"] != "FINDING_NRC"])
        everything += defects
    group_repeats(world, people, everything)
    return everything


def _line(
    world: World, people: People, production: Production, plane: Plane, defects: list[PlannedDefect]
) -> None:
    pending = sorted((d for d in defects if d.rectify_at), key=lambda d: d.rectify_at)
    week_start = datetime.combine(world.start.date(), time(6), tzinfo=UTC)
    while world.is_past(week_start):
        week_end = week_start + LINE_PACKAGE
        wo = production.plan(
            plane.amo_id,
            "LINE",
            "PROD",
            week_start,
            week_end - timedelta(hours=1),
            round(world.rng.uniform(8, 20), 1),
            aircraft=plane.row,
        )
        production.start(wo, week_start)
        check = production.card(
            wo,
            week_start + timedelta(hours=2),
            card_type="ROUTINE",
            source="MPD",
            ata="05",
            description="Weekly check",
            planned_mh=3.0,
        )
        production.perform(wo, check, world.later(week_start, 3, 24 * 6))
        while pending and pending[0].rectify_at < week_end:
            rectify(world, people, production, pending.pop(0), wo)
        production.finish(wo, week_end - timedelta(hours=2))
        week_start = week_end


def _checks(world: World, people: People, production: Production, plane: Plane) -> list[PlannedDefect]:
    """Work each planned check: MPD cards first, then the non-routine findings."""
    rng = world.rng
    findings: list[PlannedDefect] = []
    for wo_type, first, last in plane.checks:
        start = datetime.combine(first, time(6), tzinfo=UTC)
        end = datetime.combine(last, time(18), tzinfo=UTC)
        wo = production.plan(plane.amo_id, wo_type, "PROD", start, end, CHECK_MH[wo_type], aircraft=plane.row)
        if not production.start(wo, start):
            continue
        span = (end - start).total_seconds() / 3600
        for ata, text in rng.choices(v.MPD_TASKS, k=CHECK_CARDS[wo_type]):
            card = production.card(
                wo,
                wo["created_at"] + PACKAGE_RELEASE,
                card_type="ROUTINE",
                source="MPD",
                ata=ata,
                description=text,
                planned_mh=round(rng.uniform(0.5, 8), 1),
                source_ref=f"MPD {ata}-{rng.randint(100, 999)}-01",
                inspection=ata in INSPECTED_ATAS,
                package=True,
            )
            production.perform(wo, card, world.later(start, 2, span * 0.7))
        for _ in range(rng.randint(1, 3 if wo_type == "A_CHECK" else 8)):
            found = world.later(start, 3, span * 0.6)
            if not world.is_past(found):
                break
            ata = rng.choice(list(v.ATA))
            defect = report_defect(world, people, plane, found, ata, "FINDING_NRC", deferrable=False)
            defect.rectify_at = min(world.later(found, 2, 30), end - timedelta(hours=2))
            if not world.is_past(defect.rectify_at):
                defect.rectify_at = None
            if defect.rectify_at:
                rectify(world, people, production, defect, wo)
            findings.append(defect)
        production.finish(wo, end)
    return findings
