"""Staff records: recurrent training and two-year authorisations, with a few lapses.

Authorisations are renewed on time but for some weeks-long lapses, which the sign-off
generators use to produce the "sign-offs without a valid authorisation" the dashboards catch.
"""

from __future__ import annotations

from datetime import timedelta

from simulator import vocabulary as v
from simulator.people import People
from simulator.world import SYSTEM_ACTOR, World

AUTHORISATION_DAYS = 730


def train(world: World, people: People, user: dict) -> None:
    """Recurrent courses every two years from hiring on; a few failed attempts, retaken within weeks."""
    rng = world.rng
    quality = people.department(user["amo_id"], "QUAL")
    courses = rng.sample([c for c in v.COURSES if c[1] != "CONTINUATION"], k=2)
    # everyone takes continuation training every two years (145.A.35(d))
    for course, course_type, validity in [*courses, *(c for c in v.COURSES if c[1] == "CONTINUATION")]:
        # continuation training is part of induction; the other courses follow within months
        first = 45 if course_type == "CONTINUATION" else 200
        done = world.later(user["created_at"], 24 * 5, 24 * first)
        while world.is_past(done) and (user["left_at"] is None or done < user["left_at"]):
            result = "FAIL" if rng.random() < 0.04 else "PASS"
            world.create(
                "training_records",
                done,
                SYSTEM_ACTOR,
                {
                    "user_id": user["id"],
                    "course_code": course,
                    "course_type": course_type,
                    "completed_at": done,
                    "valid_until": done + timedelta(days=validity) if result == "PASS" else None,
                    "result": result,
                    "provider": "In-house training",
                    "certificate_sha256": f"{rng.getrandbits(256):064x}" if result == "PASS" else None,
                },
                amo_id=user["amo_id"],
                department_id=quality["id"],
            )
            if result == "FAIL":  # retaken within weeks
                done = world.later(done, 24 * 14, 24 * 42)
            else:
                done = world.later(done, 24 * (validity - 60), 24 * (validity - 5))


def authorise(world: World, people: People, amo: dict, user: dict, auth_type: str) -> None:
    """Two-year authorisations renewed on time, but for a few lapses of some weeks."""
    rng = world.rng
    quality_head = people.by_department[(amo["id"], "QUAL")][0]
    quality = people.department(amo["id"], "QUAL")
    issued = world.later(user["created_at"], 24 * 2, 24 * 20)
    if user["created_at"] <= world.later(world.start, 0, 73):  # staff from before: mid-validity
        issued = issued - timedelta(days=rng.randint(0, AUTHORISATION_DAYS - 30))
    while world.is_past(issued) and (user["left_at"] is None or issued < user["left_at"]):
        expires = issued + timedelta(days=AUTHORISATION_DAYS)
        at = max(issued, user["created_at"])
        row = world.create(
            "staff_authorisations",
            at,
            people.actor(quality_head),
            {
                "user_id": user["id"],
                "auth_type": auth_type,
                "scope": "A320/B737/ATR72 line and base",
                "licence_no": f"{amo['code']}.66.{rng.randrange(10**5):05d}",
                "issued_by": quality_head["id"],
                "issued_at": issued,
                "expires_at": expires,
                "status": "valid",
                "last_experience_check_at": issued,
                "suspension_reason": None,
            },
            amo_id=amo["id"],
            department_id=quality["id"],
            activity=("authorisation.issued", f"{auth_type} authorisation issued to {user['full_name']}"),
        )
        people.periods[user["id"]].append((issued, expires))
        if auth_type.startswith("CRS"):
            people.crs_holders.add(user["id"])
        if world.is_past(expires):
            world.change(
                "staff_authorisations",
                row,
                expires,
                SYSTEM_ACTOR,
                {"status": "expired"},
                action="STATE_CHANGE",
            )
        lapse = rng.randint(12, 45) if rng.random() < 0.04 else -rng.randint(1, 20)
        issued = expires + timedelta(days=lapse)
    people.periods[user["id"]].sort()
