"""Live changes in the quality system: findings raised, corrective actions moving on, checks.

Each function makes one change at the simulated moment ``now`` in the caller's transaction and
returns what it did, for the simulator's tally. A CAR takes its steps (CAP submitted, accepted,
implemented, verified and closed) at the pace of the seeded history, in simulated days: an L2 CAR
closes in about a month, with a tail; its effectiveness is checked when due.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator import vocabulary as v
from simulator.live_records import actor_in, department_of, insert, update
from warehouse import schema as s

CAR_NEXT = {
    "OPEN": "CAP_SUBMITTED",
    "CAP_SUBMITTED": "CAP_ACCEPTED",
    "CAP_ACCEPTED": "IMPLEMENTED",
    "IMPLEMENTED": "CLOSED",
}
# mean simulated days an L2 CAR spends in each status (L1: a fifth); about 30 days in all
CAR_STEP_DAYS = {"OPEN": 6.0, "CAP_SUBMITTED": 3.0, "CAP_ACCEPTED": 16.0, "IMPLEMENTED": 4.0}
STEP_COLUMN = {
    "CAP_SUBMITTED": "cap_submitted_at",
    "CAP_ACCEPTED": "cap_accepted_at",
    "IMPLEMENTED": "implemented_at",
    "CLOSED": "closed_at",
}
REPEAT_WINDOW = timedelta(days=730)


def raise_finding(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A quality auditor raises an observation or a level-2 finding (with its CAR), on a
    paragraph not found in that department in the last 24 months."""
    amo_id = rng.choice(connection.execute(sa.select(s.amos.c.id)).scalars().all())
    point, dept_code = rng.choice(list(v.REGULATION_OWNER.items()))
    department_id = department_of(connection, amo_id, dept_code)
    recent = set(
        connection.execute(
            sa.select(s.findings.c.regulation_ref).where(
                s.findings.c.amo_id == amo_id,
                s.findings.c.department_id == department_id,
                s.findings.c.raised_at > now - REPEAT_WINDOW,
            )
        ).scalars()
    )
    fresh = [ref for ref in (f"{point}({letter})" for letter in "abcdef") if ref not in recent]
    if not fresh:
        return None
    ref = rng.choice(fresh)
    context = actor_in(connection, rng, amo_id, "QUAL")
    level = rng.choices(("OBS", "L2", "L1"), (4, 5, 0.5))[0]
    number = connection.execute(sa.select(sa.func.count()).select_from(s.findings)).scalar_one() + 1
    due = (now + timedelta(days=90 if level == "L2" else 7)).date() if level != "OBS" else None
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
            "target_date": due,
        },
        at=now,
        amo_id=amo_id,
        department_id=department_id,
        activity=("finding.raised", f"{level} finding against {ref} ({dept_code})"),
    )
    if due is not None:
        owner = actor_in(connection, rng, amo_id, dept_code)
        insert(
            connection,
            context,
            s.cars,
            {
                "amo_id": amo_id,
                "car_no": f"LIVE-CAR{number:06d}",
                "finding_id": finding.id,
                "owner_user_id": owner.actor_user_id,
                "department_id": department_id,
                "due_date": due,
                "status": "OPEN",
            },
            at=now,
            amo_id=amo_id,
            department_id=department_id,
            activity=("car.opened", f"CAR for {finding.finding_no} due {due:%d %b %Y}"),
        )
    return "finding raised"


def advance_cars(connection: Connection, rng: random.Random, now: datetime, elapsed: timedelta) -> int:
    """Every open CAR takes its next step with the chance that its step ends within ``elapsed``
    (exponential steps of CAR_STEP_DAYS on average): returns how many moved."""
    moved = 0
    rows = connection.execute(
        sa.select(s.cars, s.findings.c.level, s.findings.c.id.label("finding"))
        .join(s.findings, s.findings.c.id == s.cars.c.finding_id)
        .where(s.cars.c.status.in_(list(CAR_NEXT)), s.cars.c.voided_at.is_(None), s.cars.c.updated_at < now)
        .order_by(s.cars.c.id)
    ).all()
    for car in rows:
        mean = CAR_STEP_DAYS[car.status] / (5 if car.level == "L1" else 1)
        if rng.random() >= 1 - math.exp(-elapsed / timedelta(days=mean)):
            continue
        status = CAR_NEXT[car.status]
        changes = {"status": status, STEP_COLUMN[status]: now}
        context = actor_in(connection, rng, car.amo_id, "QUAL")
        if status == "CAP_SUBMITTED":
            changes.update(
                root_cause_category=rng.choice(v.MEDA_CATEGORIES),
                root_cause_text="Task step ambiguous",
                corrective_action="Procedure amended",
            )
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
            at=now,
            amo_id=car.amo_id,
            department_id=car.department_id,
            action="STATE_CHANGE",
            activity=(f"car.{status.lower()}", f"{car.car_no}: {status.replace('_', ' ')}"),
        )
        finding = connection.execute(sa.select(s.findings).where(s.findings.c.id == car.finding)).one()
        update(
            connection,
            context,
            s.findings,
            finding,
            {"status": status, **({"closed_at": now} if status == "CLOSED" else {})},
            at=now,
            amo_id=car.amo_id,
            department_id=car.department_id,
            action="STATE_CHANGE",
        )
        moved += 1
    return moved


def close_observation(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """An open observation (no CAR) raised over a week ago is closed."""
    finding = connection.execute(
        sa.select(s.findings)
        .where(
            s.findings.c.level == "OBS",
            s.findings.c.status == "OPEN",
            s.findings.c.voided_at.is_(None),
            s.findings.c.raised_at < now - timedelta(days=7),
        )
        .order_by(s.findings.c.raised_at)
        .limit(1)
    ).first()
    if finding is None:
        return None
    context = actor_in(connection, rng, finding.amo_id, "QUAL")
    update(
        connection,
        context,
        s.findings,
        finding,
        {"status": "CLOSED", "closed_at": now},
        at=now,
        amo_id=finding.amo_id,
        department_id=finding.department_id,
        action="STATE_CHANGE",
        activity=("finding.closed", f"Observation {finding.finding_no} closed"),
    )
    return "observation closed"


def check_effectiveness(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A closed CAR whose effectiveness check falls due within a week is checked; a few fail."""
    car = connection.execute(
        sa.select(s.cars)
        .where(
            s.cars.c.status == "CLOSED",
            s.cars.c.effectiveness_result == "PENDING",
            s.cars.c.voided_at.is_(None),
            s.cars.c.effectiveness_due_at < now + timedelta(days=7),
        )
        .order_by(s.cars.c.effectiveness_due_at)
        .limit(1)
    ).first()
    if car is None:
        return None
    result = "NOT_EFFECTIVE" if rng.random() < 0.05 else "EFFECTIVE"
    context = actor_in(connection, rng, car.amo_id, "QUAL")
    update(
        connection,
        context,
        s.cars,
        car,
        {"effectiveness_result": result},
        at=now,
        amo_id=car.amo_id,
        department_id=car.department_id,
        activity=("car.effectiveness_checked", f"{car.car_no} effectiveness: {result}"),
    )
    return "effectiveness checked"
