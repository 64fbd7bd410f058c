"""Live changes in the quality system: findings raised and corrective actions moving on.

Each function makes one change in the caller's transaction and returns what it did, for the
simulator's tally.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.live_records import actor_in, department_of, insert, pick_row, update
from warehouse import schema as s

CAR_NEXT = {
    "OPEN": "CAP_SUBMITTED",
    "CAP_SUBMITTED": "CAP_ACCEPTED",
    "CAP_ACCEPTED": "IMPLEMENTED",
    "IMPLEMENTED": "CLOSED",
}


def raise_finding(connection: Connection, rng: random.Random) -> str | None:
    """A quality auditor raises an observation or a level-2 finding (with its CAR)."""
    amo_id = pick_row(connection, sa.select(s.amos.c.id), rng).id
    dept_code = rng.choice(("PROD", "STOR", "WKSP", "PLAN"))
    department_id = department_of(connection, amo_id, dept_code)
    context = actor_in(connection, rng, amo_id, "QUAL")
    now = datetime.now(UTC)
    level = rng.choice(("OBS", "L2"))
    number = connection.execute(sa.select(sa.func.count()).select_from(s.findings)).scalar_one() + 1
    ref = rng.choice(("145.A.40", "145.A.42", "145.A.47", "145.A.48"))
    finding = insert(
        connection,
        context,
        s.findings,
        {
            "amo_id": amo_id,
            "finding_no": f"LIVE-F{number:06d}",
            "source": "INTERNAL_AUDIT",
            "level": level,
            "regulation_ref": ref,
            "department_id": department_id,
            "description": "Observed during product sampling",
            "raised_by": context.actor_user_id,
            "raised_at": now,
            "status": "OPEN",
            "target_date": (now + timedelta(days=90)).date() if level == "L2" else None,
        },
        amo_id=amo_id,
        department_id=department_id,
        activity=("finding.raised", f"{level} finding against {ref} ({dept_code})"),
    )
    if level == "L2":
        insert(
            connection,
            context,
            s.cars,
            {
                "amo_id": amo_id,
                "car_no": f"LIVE-CAR{number:06d}",
                "finding_id": finding.id,
                "department_id": department_id,
                "due_date": finding.target_date,
                "status": "OPEN",
            },
            amo_id=amo_id,
            department_id=department_id,
            activity=("car.opened", f"CAR for {finding.finding_no} due {finding.target_date:%d %b %Y}"),
        )
    return "finding raised"


def advance_car(connection: Connection, rng: random.Random) -> str | None:
    """An open CAR takes its next workflow step (CAP submitted, accepted, implemented, closed)."""
    car = pick_row(connection, sa.select(s.cars).where(s.cars.c.status.in_(list(CAR_NEXT))), rng)
    if car is None:
        return raise_finding(connection, rng)
    status = CAR_NEXT[car.status]
    now = datetime.now(UTC)
    column = {
        "CAP_SUBMITTED": "cap_submitted_at",
        "CAP_ACCEPTED": "cap_accepted_at",
        "IMPLEMENTED": "implemented_at",
        "CLOSED": "closed_at",
    }[status]
    changes = {"status": status, column: now}
    if status == "CAP_SUBMITTED":
        changes.update(
            root_cause_category="JOB_TASK",
            root_cause_text="Task step ambiguous",
            corrective_action="Procedure amended",
        )
    context = actor_in(connection, rng, car.amo_id, "QUAL")
    if status == "CLOSED":
        changes.update(
            verified_by=context.actor_user_id,
            verified_at=now,
            effectiveness_result="PENDING",
            effectiveness_due_at=now + timedelta(days=90),
        )
    update(
        connection,
        context,
        s.cars,
        car,
        changes,
        amo_id=car.amo_id,
        department_id=car.department_id,
        action="STATE_CHANGE",
        activity=(f"car.{status.lower()}", f"{car.car_no}: {status.replace('_', ' ')}"),
    )
    return "CAR advanced"
