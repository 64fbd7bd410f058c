"""The hazard register: standing risks the safety office identifies, assesses and reviews.

A hazard comes from a HAZARD report or from the safety office's own survey; it is risk-assessed
(severity × likelihood), reviewed on an interval set by its tolerability, mitigated at its first
review (the likelihood falls; an intolerable one within the week), and now and then closed. A
few reviews are missed, so the "stale risk reviews" KPI has something to show. Built last, so
the rest of the history stays as it was.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.people import People
from simulator.safety import OCCURRENCE_DEPARTMENTS, tolerability
from simulator.world import World

HAZARDS_PER_AMO = 10
FROM_REPORT_SHARE = 0.6
MISSED_REVIEW_SHARE = 0.03
CLOSE_SHARE = 0.1
REVIEW_DAYS = {"INTOLERABLE": 30, "TOLERABLE": 90, "ACCEPTABLE": 365}
# an intolerable risk calls for immediate action (ICAO Doc 9859: stop or mitigate): its first
# review, which mitigates it, is held within a day of identifying it and is never missed
FIRST_REVIEW_DAYS = {**REVIEW_DAYS, "INTOLERABLE": 1}


def build_hazards(world: World, people: People) -> None:
    """About ten hazards per AMO and scale step, each reviewed until now, missed or closed."""
    rng = world.rng
    for amo in people.amos:
        codes = {people.department(amo["id"], code)["id"]: code for code in OCCURRENCE_DEPARTMENTS}
        reports = [r for r in world.tables["safety_reports"]
                   if r["amo_id"] == amo["id"] and r["kind"] == "HAZARD" and r["voided_at"] is None]
        for _ in range(HAZARDS_PER_AMO * world.factor):
            report = rng.choice(reports) if reports and rng.random() < FROM_REPORT_SHARE else None
            if report:
                identified = world.later(report["reported_at"], 24, 24 * 14)
                code = codes.get(report["department_id"], "PROD")
            else:
                identified = world.moment()
                code = rng.choice(OCCURRENCE_DEPARTMENTS)
            if not world.is_past(identified):
                continue
            hazard = _identify(world, people, amo, identified, code, report)
            _review(world, people, amo, hazard)


def _identify(world: World, people: People, amo: dict, at, code: str, report: dict | None) -> dict[str, Any]:
    rng = world.rng
    title, _ = rng.choice(v.HAZARD_REGISTER)
    severity, likelihood = rng.randint(2, 5), rng.randint(2, 5)
    risk = tolerability(severity * likelihood)
    officer = people.staff(world, amo["id"], "SAFE", at)
    number = f"{amo['code']}-HZ-{world.next_id('hazard numbers'):04d}"
    return world.create(
        "hazards",
        at,
        people.actor(officer),
        {
            "amo_id": amo["id"],
            "hazard_no": number,
            "title": title,
            "description": report["description"] if report else f"{title}: found in the safety survey",
            "department_id": people.department(amo["id"], code)["id"],
            "owner_user_id": people.staff(world, amo["id"], code, at)["id"],
            "source_report_id": report["id"] if report else None,
            "identified_at": at,
            "severity": severity,
            "likelihood": likelihood,
            "risk_index": severity * likelihood,
            "tolerability": risk,
            "mitigation": None,
            "review_interval_days": REVIEW_DAYS[risk],
            "last_reviewed_at": None,
            "next_review_due_at": at + timedelta(days=FIRST_REVIEW_DAYS[risk]),
            "status": "OPEN",
            "closed_at": None,
        },
        amo_id=amo["id"],
        department_id=people.department(amo["id"], "SAFE")["id"],
        activity=("hazard.identified", f"Hazard {number} identified: {title}"),
    )


def _review(world: World, people: People, amo: dict, hazard: dict[str, Any]) -> None:
    """Reviews near each due date: the first mitigates, a later one may close; a few are held late."""
    rng = world.rng
    while True:
        intolerable = hazard["tolerability"] == "INTOLERABLE"
        if intolerable and hazard["status"] == "OPEN":  # the immediate action, hours after identifying it
            at = world.later(hazard["identified_at"], 2, 20)
        else:
            at = world.later(hazard["next_review_due_at"] - timedelta(days=7), 0, 24 * 10)
        if not intolerable and rng.random() < MISSED_REVIEW_SHARE:  # missed, then caught up weeks late
            at += timedelta(days=rng.randint(14, 56))
        if not world.is_past(at):
            return
        officer = people.actor(people.staff(world, amo["id"], "SAFE", at))
        if hazard["status"] == "MITIGATED" and rng.random() < CLOSE_SHARE:
            world.change("hazards", hazard, at, officer,
                         {"status": "CLOSED", "closed_at": at, "last_reviewed_at": at}, action="STATE_CHANGE",
                         activity=("hazard.closed", f"Hazard {hazard['hazard_no']} closed"))
            return
        changes = mitigation(hazard, rng) if hazard["status"] == "OPEN" else {}
        interval = changes.get("review_interval_days", hazard["review_interval_days"])
        changes.update(last_reviewed_at=at, next_review_due_at=at + timedelta(days=interval))
        world.change("hazards", hazard, at, officer, changes,
                     action="STATE_CHANGE" if "status" in changes else "UPDATE",
                     activity=("hazard.reviewed", f"Hazard {hazard['hazard_no']} risk reviewed"))


def mitigation(hazard, rng) -> dict[str, Any]:
    """The changes a hazard's first review makes: its register mitigation lowers the likelihood
    by one or two steps, and the review interval follows the new tolerability."""
    likelihood = max(1, hazard["likelihood"] - rng.randint(1, 2))
    risk = tolerability(hazard["severity"] * likelihood)
    return {"status": "MITIGATED", "mitigation": dict(v.HAZARD_REGISTER)[hazard["title"]],
            "likelihood": likelihood, "risk_index": hazard["severity"] * likelihood, "tolerability": risk,
            "review_interval_days": REVIEW_DAYS[risk]}
