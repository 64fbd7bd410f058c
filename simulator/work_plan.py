"""The forward plan and the kitting of work packages.

145.A.47(a) asks for a man-hour plan showing enough staff for the planned work. Planning keeps
each aircraft's next :data:`PLAN_AHEAD` of work planned: its ten-day line packages and the
A check falling due :data:`~simulator.fleet.A_CHECK_DAYS` after the last one. A line package
carries the aircraft's share of the hangar's rostered hours (production and workshop staff ×
:data:`~warehouse.kpi.planning.STANDARD_WEEKLY_MH`) at a load of 65–85 %: the planner loads the
roster, leaving room for the unplanned work defects bring. So the man-hour plan reads about 0.7
to 0.9 of the roster.

A check's routine (MPD) cards are released :data:`PACKAGE_LEAD` before it starts, and stores kit
them: each card gets its parts issued within days of the release, ahead of the check, except the
cards whose material is on order (:func:`awaits_order`), which get it once the work has started.
The work-package readiness KPI reads that share. The live simulator plans, releases and kits the
same way (``simulator/live_planning.py``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.fleet import A_CHECK_DAYS, Plane
from simulator.maintenance import CHECK_CARDS, CHECK_MH, INSPECTED_ATAS, LINE_PACKAGE
from simulator.people import People
from simulator.production import Production
from simulator.stores import issue_to_card, usable
from simulator.world import World, chosen_by_id
from warehouse.kpi.planning import STANDARD_WEEKLY_MH

PLAN_AHEAD = timedelta(weeks=13)  # the man-hour plan looks at this week and the next 11
PACKAGE_LEAD = timedelta(days=10)  # a check's cards are released this long before it starts
ROSTERED_DEPARTMENTS = ("PROD", "WKSP")  # the departments that own work orders
LINE_LOAD = (0.65, 0.85)  # share of the roster a line package plans
KIT_HOURS = (2, 72)  # stores kit a released card within this many hours
ON_ORDER_SHARE = 0.08  # cards whose material is on order when the package is released
CHECKS = ("A_CHECK", "C_CHECK")


def line_package_mh(rostered_weekly_mh: float, aircraft: int, rng: random.Random) -> float:
    """Planned man-hours of one aircraft's ten-day line package: its share of the roster, loaded."""
    share = rostered_weekly_mh * LINE_PACKAGE.days / 7 / max(aircraft, 1)
    return round(share * rng.uniform(*LINE_LOAD), 1)


def package_cards(rng: random.Random, wo_type: str) -> list[dict[str, Any]]:
    """The routine MPD cards of a check's work package, as task-card columns."""
    return [
        {
            "ata_chapter": ata,
            "description": text,
            "planned_mh": round(rng.uniform(0.5, 8), 1),
            "source_ref": f"MPD {ata}-{rng.randint(100, 999)}-01",
            "requires_independent_inspection": ata in INSPECTED_ATAS,
        }
        for ata, text in rng.choices(v.MPD_TASKS, k=CHECK_CARDS[wo_type])
    ]


def awaits_order(card_id: int) -> bool:
    """True for the cards (about one in twelve, fixed by the card's id so the seed and the live
    simulator agree) whose material is not in stock: it arrives only after the check starts."""
    return chosen_by_id(card_id, ON_ORDER_SHARE)


def plan_ahead(world: World, people: People, production: Production, fleet: list[Plane]) -> None:
    """The forward plan at the end of the history: line packages and A checks of the next weeks,
    planned over the last three weeks; the packages of checks starting soon already released."""
    rng = random.Random(f"{world.seed}:work-plan")
    horizon = world.now + PLAN_AHEAD
    for amo in people.amos:
        planes = [plane for plane in fleet if plane.amo_id == amo["id"]]
        roster = _rostered_weekly_mh(world, people, amo["id"])
        for plane in planes:
            start = _next_line_package(world)
            while start < horizon:
                planned = world.now - timedelta(hours=rng.uniform(1, 24 * 21))
                mh = line_package_mh(roster, len(planes), rng)
                end = start + LINE_PACKAGE - timedelta(hours=1)
                production.plan(amo["id"], "LINE", "PROD", start, end, mh, aircraft=plane.row,
                                created=planned)
                start += LINE_PACKAGE
            due = plane.checks[-1][1] + timedelta(days=A_CHECK_DAYS + rng.randint(-10, 10))
            day = max(due, world.now.date() + timedelta(days=1))  # a check falling due now goes in tomorrow
            if datetime.combine(day, time(6), UTC) < horizon:
                _plan_check(world, production, plane, day, rng)


def _plan_check(world: World, production: Production, plane: Plane, day, rng: random.Random) -> None:
    start = datetime.combine(day, time(6), UTC)
    planned = world.now - timedelta(hours=rng.uniform(1, 24 * 21))
    wo = production.plan(plane.amo_id, "A_CHECK", "PROD", start, start + timedelta(hours=36),
                         CHECK_MH["A_CHECK"], aircraft=plane.row, created=planned)
    released = max(planned + timedelta(hours=2), start - PACKAGE_LEAD)
    if world.is_past(released):
        for card in package_cards(rng, "A_CHECK"):
            production.card(wo, released, card_type="ROUTINE", source="MPD", ata=card["ata_chapter"],
                            description=card["description"], planned_mh=card["planned_mh"],
                            source_ref=card["source_ref"], inspection=card["requires_independent_inspection"],
                            package=True)


def _next_line_package(world: World) -> datetime:
    """Where the first line package after the history starts: the history's ten-day cycle goes on."""
    start = datetime.combine(world.start.date(), time(6), tzinfo=UTC)
    while start < world.now:
        start += LINE_PACKAGE
    return start


def _rostered_weekly_mh(world: World, people: People, amo_id: int) -> float:
    departments = {people.department(amo_id, code)["id"] for code in ROSTERED_DEPARTMENTS}
    staff = [
        user for user in world.tables["users"]
        if user["department_id"] in departments and user["is_active"]
        and (user["left_at"] is None or user["left_at"] > world.now)
    ]
    return len(staff) * STANDARD_WEEKLY_MH


def kit_packages(world: World, people: People) -> None:
    """Stores issue parts to each released check card within days, before its check starts."""
    rng = random.Random(f"{world.seed}:kitting")
    checks = {wo["id"]: wo for wo in world.tables["work_orders"] if wo["wo_type"] in CHECKS}
    stock: dict[int, list[dict]] = defaultdict(list)
    for item in world.tables["stock_items"]:
        stock[item["amo_id"]].append(item)
    kits = []
    for card in world.tables["task_cards"]:
        wo = checks.get(card["work_order_id"])
        if wo is None or card["card_type"] != "ROUTINE" or awaits_order(card["id"]):
            continue
        at = card["created_at"] + timedelta(hours=rng.uniform(*KIT_HOURS))
        if at < (wo["actual_start"] or wo["planned_start"]) and world.is_past(at):
            kits.append((at, card["id"], card, wo))
    for at, _, card, wo in sorted(kits, key=lambda kit: kit[:2]):
        qty = float(rng.randint(1, 4))
        candidates = [item for item in stock[wo["amo_id"]] if usable(item, at, qty)]
        if candidates:
            issue_to_card(world, people, rng.choice(candidates), at, qty, card)
