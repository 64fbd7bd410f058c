"""The live simulator: keeps the seeded AMO busy at about ``rate`` changes per second.

Each change (a defect reported, a task card signed, a part issued, a finding raised, a CAR
moving on, a tool checked out or returned) is one transaction with its audit and activity
events, so live feeds and the ETL always see consistent data. Stopping (the ``stop`` event,
set by SIGINT/SIGTERM in the CLI) takes effect after the current transaction.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl.generator.live_changes import (
    CAR_NEXT,
    actor_in,
    department_of,
    insert,
    issue_part,
    new_defect,
    open_work_order,
    pick_row,
    record_image,
    sign_task_card,
    update,
)
from etl.generator.world import GeneratorError
from warehouse import schema as s
from warehouse.events import record_activity, record_audit


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


def use_tool(connection: Connection, rng: random.Random) -> str | None:
    """A tool out on a card comes back, or a serviceable tool is checked out against an open card."""
    returns = sa.select(s.tool_usage.c.check_out_id).where(s.tool_usage.c.usage_kind == "RETURN")
    out = pick_row(
        connection,
        sa.select(s.tool_usage)
        .where(s.tool_usage.c.usage_kind == "CHECK_OUT", s.tool_usage.c.id.not_in(returns.scalar_subquery()))
        .order_by(s.tool_usage.c.id.desc()),
        rng,
    )
    if out is not None and rng.random() < 0.5:
        kind, values = (
            "RETURN",
            {
                "tool_id": out.tool_id,
                "user_id": out.user_id,
                "task_card_id": out.task_card_id,
                "check_out_id": out.id,
            },
        )
    else:
        card = pick_row(
            connection,
            sa.select(s.task_cards.c.id, s.task_cards.c.performed_by)
            .join(s.work_orders)
            .where(s.task_cards.c.status == "OPEN", s.work_orders.c.status == "IN_WORK"),
            rng,
        )
        tool = pick_row(connection, sa.select(s.tools.c.id).where(s.tools.c.status == "SERVICEABLE"), rng)
        if card is None or tool is None:
            return None
        user = pick_row(connection, sa.select(s.users.c.id).where(s.users.c.is_active), rng)
        kind, values = "CHECK_OUT", {"tool_id": tool.id, "user_id": user.id, "task_card_id": card.id}
    tool = connection.execute(sa.select(s.tools).where(s.tools.c.id == values["tool_id"])).one()
    department_id = department_of(connection, tool.amo_id, "WKSP")
    context = actor_in(connection, rng, tool.amo_id, "WKSP")
    row = connection.execute(
        s.tool_usage.insert()
        .values(**values, usage_kind=kind, occurred_at=datetime.now(UTC))
        .returning(*s.tool_usage.c)
    ).one()
    record_audit(
        connection,
        context,
        "CREATE",
        amo_id=tool.amo_id,
        entity_type="tool_usage",
        entity_id=row.id,
        department_id=department_id,
        after=record_image(row),
    )
    verb = "checked_out" if kind == "CHECK_OUT" else "returned"
    record_activity(
        connection,
        amo_id=tool.amo_id,
        department_id=department_id,
        kind=f"tool.{verb}",
        summary=f"{tool.tool_no} {verb.replace('_', ' ')}",
        entity_type="tool_usage",
        entity_id=row.id,
        actor_user_id=context.actor_user_id,
    )
    return f"tool {verb.replace('_', ' ')}"


CHANGES = (
    (new_defect, 3),
    (sign_task_card, 5),
    (open_work_order, 1),
    (issue_part, 3),
    (raise_finding, 1),
    (advance_car, 2),
    (use_tool, 3),
)


def simulate(
    engine: Engine,
    rate: float,
    stop: threading.Event,
    *,
    seconds: float | None = None,
    seed: int | None = None,
) -> Counter:
    """Make about ``rate`` changes per second until ``stop`` is set (or ``seconds`` pass).

    Returns how many changes of each kind ("task card signed", "part issued"...) were committed.
    A change that fails is rolled back whole and its error raised: nothing half-written stays.
    """
    if rate <= 0:
        raise GeneratorError(f"rate must be above 0 changes per second, not {rate}")
    with engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(s.aircraft)).scalar_one() == 0:
            raise GeneratorError("the database holds no AMO to simulate: seed it first (amoscope seed)")
    rng = random.Random(seed)
    functions, weights = zip(*CHANGES, strict=True)
    done: Counter = Counter()
    started = time.monotonic()
    next_at = started
    while not stop.is_set() and (seconds is None or time.monotonic() - started < seconds):
        change = rng.choices(functions, weights)[0]
        with engine.begin() as connection:
            if made := change(connection, rng):
                done[made] += 1
        next_at += 1 / rate
        stop.wait(max(0.0, next_at - time.monotonic()))
    return done
