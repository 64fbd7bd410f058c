"""Notifications and pending admin actions: the reminders an AMO's system sends its people.

Authorisation holders hear 30 days before expiry, CAR owners 7 days before the due date; most
read them. Administrators have a few contract-end disables scheduled beyond the as-of date.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from simulator.people import People
from simulator.world import SYSTEM_ACTOR, World


def build_notices(world: World, people: People) -> None:
    """Reminders for authorisations and CARs, then the admins' scheduled actions."""
    for authorisation in world.tables["staff_authorisations"]:
        at = authorisation["expires_at"] - timedelta(days=30)
        if authorisation["created_at"] < at and world.is_past(at):
            _notify(
                world,
                people,
                authorisation["user_id"],
                at,
                "AUTHORISATION_EXPIRY",
                f"Your {authorisation['auth_type']} authorisation expires in 30 days",
                f"Authorisation {authorisation['licence_no']} expires on "
                f"{authorisation['expires_at']:%d %b %Y}. Book your continuation training.",
            )
    for car in world.tables["cars"]:
        at = datetime.combine(car["due_date"] - timedelta(days=7), time(6), tzinfo=UTC)
        still_open = car["closed_at"] is None or car["closed_at"] > at
        if car["owner_user_id"] and car["created_at"] < at and still_open and world.is_past(at):
            _notify(
                world,
                people,
                car["owner_user_id"],
                at,
                "CAR_DUE",
                f"{car['car_no']} is due in 7 days",
                f"Corrective action {car['car_no']} is due on {car['due_date']:%d %b %Y}.",
            )
    _schedule_contract_ends(world, people)


def _notify(
    world: World, people: People, user_id: int, at: datetime, kind: str, subject: str, body: str
) -> None:
    user = people.users[user_id]
    if user["left_at"] and user["left_at"] <= at:
        return
    note = world.create(
        "notifications",
        at,
        SYSTEM_ACTOR,
        {
            "user_id": user_id,
            "kind": kind,
            "subject": subject,
            "body": body,
            "created_at": at,
            "created_by": None,
            "sent_at": at + timedelta(seconds=world.rng.randint(5, 90)),
            "read_at": None,
        },
        amo_id=user["amo_id"],
        department_id=user["department_id"],
        bookkeeping=False,
    )
    read = world.later(at, 1, 24 * 5)
    if world.rng.random() < 0.75 and world.is_past(read):
        world.change("notifications", note, read, people.actor(user), {"read_at": read})


def _schedule_contract_ends(world: World, people: People) -> None:
    for amo in people.amos:
        admin = next(u for u in people.by_department[(amo["id"], "ADMIN")] if u["is_active"])
        for user in world.rng.sample(
            [u for u in people.by_department[(amo["id"], "PROD")] if u["is_active"]], 2
        ):
            at = world.later(world.now - timedelta(days=10), 0, 24 * 9)
            world.create(
                "scheduled_actions",
                at,
                people.actor(admin),
                {
                    "amo_id": amo["id"],
                    "target_user_id": user["id"],
                    "action": "disable",
                    "params": {},
                    "reason": "Contract ends",
                    "run_at": world.now + timedelta(days=world.rng.randint(5, 40)),
                    "status": "PENDING",
                    "created_at": at,
                    "created_by": admin["id"],
                    "executed_at": None,
                    "result": None,
                    "cancelled_at": None,
                    "cancelled_by": None,
                },
                amo_id=amo["id"],
                department_id=user["department_id"],
                bookkeeping=False,
                action="ADMIN_SCHEDULE",
                reason="Contract ends",
            )
