"""Workshops: the tool crib, calibrations and the tool-usage ledger.

Calibrated tools go to the lab on their interval; about one in twenty comes back out of
tolerance (at most one a year per AMO and scale step, as a real crib sees), which raises a
recall review (a finding) over every task card that used the tool since its previous good
calibration. Tools are checked out against task cards and returned (``tool_usage`` is a ledger:
a CHECK_OUT row, then a RETURN row pointing back to it); a few are never returned, and one
calibration per AMO was let lapse.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.people import People
from simulator.production import SignedCard
from simulator.quality import Quality
from simulator.world import World

COPIES_PER_TOOL = 3
USAGE_SHARE = 0.35
OUT_OF_TOLERANCE_SHARE = 0.05
LAPSED_WITHIN = timedelta(days=90)  # the planted lapsed calibration fell due this recently


def build_workshops(world: World, people: People, quality: Quality, signed: list[SignedCard]) -> None:
    """Tools of each AMO, checked out against its task cards, calibrated on schedule."""
    by_amo: dict[int, list[SignedCard]] = defaultdict(list)
    for card in signed:
        by_amo[card.work_order["amo_id"]].append(card)
    for amo in people.amos:
        tools = _crib(world, people, amo)
        _use(world, people, tools, sorted(by_amo[amo["id"]], key=lambda s: s.performed_at))
        for tool in tools:
            if tool["is_calibrated"]:
                _calibrate(world, people, quality, amo, tool)


def _crib(world: World, people: People, amo: dict) -> list[dict[str, Any]]:
    rng = world.rng
    tools = []
    for description, calibrated, interval in v.TOOLS:
        for _ in range(COPIES_PER_TOOL * world.factor):
            dept_code = rng.choice(("WKSP", "WKSP", "PROD"))
            at = world.later(world.start, 1, 48)
            controller = people.staff(world, amo["id"], "WKSP", at)
            number = world.next_id("tool numbers")
            calibrated_at = at - timedelta(days=rng.randint(0, interval - 1)) if calibrated else None
            tools.append(
                world.create(
                    "tools",
                    at,
                    people.actor(controller),
                    {
                        "amo_id": amo["id"],
                        "tool_no": f"{amo['code']}-T{number:05d}",
                        "description": description,
                        "serial_no": f"SN{rng.randrange(10**6):06d}",
                        "department_id": people.department(amo["id"], dept_code)["id"],
                        "crib_location": rng.choice(("CRIB-1", "CRIB-2", "LINE-1")),
                        "is_calibrated": calibrated,
                        "calibration_interval_days": interval,
                        "last_calibrated_at": calibrated_at,
                        "next_due_at": calibrated_at + timedelta(days=interval) if calibrated else None,
                        "status": "SERVICEABLE",
                        "lost_at": None,
                        "is_personal": False,
                    },
                    amo_id=amo["id"],
                    department_id=people.department(amo["id"], "WKSP")["id"],
                )
            )
    return tools


def _use(world: World, people: People, tools: list[dict], cards: list[SignedCard]) -> None:
    """Check-outs against performed cards; each tool is out to one person at a time."""
    rng = world.rng
    free_from: dict[int, datetime] = {}
    for signed in cards:
        if rng.random() >= USAGE_SHARE:
            continue
        out_at = max(signed.performed_at - timedelta(minutes=rng.randint(30, 180)), signed.card["created_at"])
        tool = rng.choice(tools)
        if free_from.get(tool["id"], world.start) > out_at or tool["lost_at"]:
            continue
        amo_id, department_id = world.scope_of("tools", tool["id"])
        actor = people.actor(signed.performer)
        checkout = world.create(
            "tool_usage",
            out_at,
            actor,
            {
                "tool_id": tool["id"],
                "user_id": signed.performer["id"],
                "task_card_id": signed.card["id"],
                "usage_kind": "CHECK_OUT",
                "occurred_at": out_at,
                "check_out_id": None,
            },
            amo_id=amo_id,
            department_id=department_id,
            bookkeeping=False,
        )
        back = world.later(signed.performed_at, 0.1, 2)
        if rng.random() < 0.001 or not world.is_past(back):
            free_from[tool["id"]] = world.now  # not returned
            continue
        world.create(
            "tool_usage",
            back,
            actor,
            {
                "tool_id": tool["id"],
                "user_id": signed.performer["id"],
                "task_card_id": signed.card["id"],
                "usage_kind": "RETURN",
                "occurred_at": back,
                "check_out_id": checkout["id"],
            },
            amo_id=amo_id,
            department_id=department_id,
            bookkeeping=False,
        )
        free_from[tool["id"]] = back


def _calibrate(world: World, people: People, quality: Quality, amo: dict, tool: dict) -> None:
    rng = world.rng
    interval = tool["calibration_interval_days"]
    due = tool["next_due_at"]
    while True:
        at = due - timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
        at = max(at, tool["updated_at"] + timedelta(hours=1))
        if not world.is_past(at):
            return  # next calibration not yet due
        if world.now - LAPSED_WITHIN < due < world.now and world.plant(amo["id"], "calibration lapsed"):
            return  # planted: the latest one was missed, "calibration overdue" for some weeks
        controller = people.actor(people.staff(world, amo["id"], "WKSP", at))
        out_of_tolerance = rng.random() < OUT_OF_TOLERANCE_SHARE and world.within_yearly_quota(
            amo["id"], "out of tolerance", at, 1
        )
        found = "OUT_OF_TOL" if out_of_tolerance else "IN_TOL"
        due = at + timedelta(days=interval)
        calibration = world.create(
            "tool_calibrations",
            at,
            controller,
            {
                "tool_id": tool["id"],
                "calibrated_at": at,
                "lab": rng.choice(v.CAL_LABS),
                "certificate_no": f"CAL-{world.next_id('calibration certificates'):07d}",
                "as_found": found,
                "as_left": "IN_TOL",
                "next_due_at": due,
                "recall_review_id": None,
            },
            amo_id=amo["id"],
            department_id=world.scope_of("tools", tool["id"])[1],
            activity=("tool.calibrated", f"{tool['tool_no']} calibrated: as found {found}"),
        )
        world.change("tools", tool, at, controller, {"last_calibrated_at": at, "next_due_at": due})
        if found == "OUT_OF_TOL":
            review_at = world.later(at, 4, 72)
            if world.is_past(review_at):
                finding = quality.raise_finding(
                    amo,
                    "WKSP",
                    review_at,
                    level="L2",
                    regulation_ref="145.A.40(b)",
                    source="SELF_REPORTED",
                    description=f"Recall review: {tool['tool_no']} ({tool['description']}) out of tolerance",
                )
                world.change(
                    "tool_calibrations",
                    calibration,
                    review_at,
                    controller,
                    {"recall_review_id": finding["id"]},
                    activity=("tool.recall_review", f"Recall review raised for {tool['tool_no']}"),
                )
