"""Live planning: the forward plan kept weeks ahead, check packages released and kitted, and
planned work started when its day comes.

The same model as the seeded history's forward plan (``simulator/work_plan.py``): each aircraft's
ten-day line packages and its next A check stay planned :data:`~simulator.work_plan.PLAN_AHEAD`
ahead, a line package loading the roster by 65–85 %; a check's MPD cards are released
:data:`~simulator.work_plan.PACKAGE_LEAD` before it starts and stores issue their parts within
the day, but for the cards whose material is on order. So the man-hour plan and the
work-package readiness stay where the history had them, however long the simulator runs.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.fleet import A_CHECK_DAYS
from simulator.live_production import add_task_card, insert_work_order, issue_to
from simulator.live_records import actor_in, aware, update
from simulator.maintenance import CHECK_MH, LINE_PACKAGE
from simulator.work_plan import (
    CHECKS,
    PACKAGE_LEAD,
    PLAN_AHEAD,
    ROSTERED_DEPARTMENTS,
    awaits_order,
    line_package_mh,
    package_cards,
)
from warehouse import schema as s
from warehouse.kpi.planning import STANDARD_WEEKLY_MH

W, T = s.work_orders, s.task_cards
KITTING = timedelta(hours=2)  # stores start on a released package this long after its release
WEEKLY_CHECK = {"source": "MPD", "ata_chapter": "05", "description": "Weekly check", "planned_mh": 3.0,
                "requires_independent_inspection": False}


def plan_work_ahead(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The aircraft whose plan ends soonest gets its next line package, or its next A check, while
    that starts within the planning horizon (ad-hoc line work orders of hours are no package)."""
    recent = connection.execute(
        sa.select(W.c.aircraft_id, W.c.wo_type, W.c.planned_start, W.c.planned_end)
        .where(W.c.voided_at.is_(None), W.c.aircraft_id.is_not(None), W.c.wo_type.in_(("LINE", *CHECKS)),
               W.c.planned_start > now - timedelta(days=2 * A_CHECK_DAYS))
    ).all()
    for kind, every, length in (
        ("LINE", LINE_PACKAGE, LINE_PACKAGE - timedelta(hours=1)),
        ("A_CHECK", timedelta(days=A_CHECK_DAYS), timedelta(hours=36)),
    ):
        last: dict[int, datetime] = {}
        for wo in recent:
            planned = aware(wo.planned_start)
            of_kind = (wo.wo_type == "LINE") == (kind == "LINE")
            if of_kind and wo.planned_end - wo.planned_start > timedelta(days=1):
                last[wo.aircraft_id] = max(planned, last.get(wo.aircraft_id, planned))
        due = sorted((start + every, aircraft_id) for aircraft_id, start in last.items())
        if due and due[0][0] < now + PLAN_AHEAD:
            aircraft = connection.execute(sa.select(s.aircraft).where(s.aircraft.c.id == due[0][1])).one()
            start = max(due[0][0], now)
            _plan(connection, rng, now, aircraft, kind, start, start + length)
            return "work planned"
    return None


def _plan(connection: Connection, rng: random.Random, now: datetime, aircraft, kind: str, start: datetime,
          end: datetime) -> None:
    amo_id = aircraft.amo_id
    planned_mh = (
        line_package_mh(_rostered_weekly_mh(connection, amo_id), _fleet_size(connection, amo_id), rng)
        if kind == "LINE" else CHECK_MH[kind]
    )
    insert_work_order(
        connection,
        actor_in(connection, rng, amo_id, "PLAN"),
        aircraft,
        {"wo_type": kind, "planned_start": start, "planned_end": end, "planned_mh": planned_mh,
         "status": "PLANNED"},
        at=now,
        activity=("work_order.planned", f"{kind.replace('_', '-')} planned for {aircraft.registration}"),
    )


def _rostered_weekly_mh(connection: Connection, amo_id: int) -> float:
    staff = connection.execute(
        sa.select(sa.func.count())
        .select_from(s.users)
        .join(s.departments, s.departments.c.id == s.users.c.department_id)
        .where(s.users.c.amo_id == amo_id, s.users.c.is_active, s.users.c.left_at.is_(None),
               s.departments.c.code.in_(ROSTERED_DEPARTMENTS))
    ).scalar_one()
    return staff * STANDARD_WEEKLY_MH


def _fleet_size(connection: Connection, amo_id: int) -> int:
    return connection.execute(
        sa.select(sa.func.count()).select_from(s.aircraft).where(s.aircraft.c.amo_id == amo_id)
    ).scalar_one()


def _no_cards():
    return ~sa.select(T.c.id).where(T.c.work_order_id == W.c.id).exists()


def release_work_package(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Planning releases the MPD cards of a check starting within the package lead time."""
    wo = connection.execute(
        sa.select(W)
        .where(W.c.status == "PLANNED", W.c.wo_type.in_(CHECKS), W.c.planned_start <= now + PACKAGE_LEAD,
               W.c.voided_at.is_(None), _no_cards())
        .order_by(W.c.planned_start, W.c.id)
        .limit(1)
    ).first()
    if wo is None:
        return None
    _release(connection, actor_in(connection, rng, wo.amo_id, "PLAN"), rng, wo, now)
    return "work package released"


def _release(connection: Connection, context, rng: random.Random, wo, now: datetime) -> None:
    cards = package_cards(rng, wo.wo_type)
    for number, card in enumerate(cards, start=1):
        summary = f"Work package of {wo.wo_no} released: {len(cards)} cards"
        add_task_card(connection, context, wo, {"source": "MPD", **card}, at=now,
                      activity=("work_package.released", summary) if number == len(cards) else None)


def kit_work_package(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Stores issue the parts of a released check card before the check starts (cards whose
    material is on order wait for it)."""
    issued = sa.select(s.part_movements.c.id).where(
        s.part_movements.c.task_card_id == T.c.id, s.part_movements.c.movement_type == "ISSUE"
    )
    cards = connection.execute(
        sa.select(T, W.c.amo_id)
        .join(W)
        .where(W.c.status == "PLANNED", W.c.wo_type.in_(CHECKS), T.c.card_type == "ROUTINE",
               T.c.created_at <= now - KITTING, ~issued.exists())
        .order_by(T.c.id)
    )
    card = next((card for card in cards if not awaits_order(card.id)), None)
    if card is None or issue_to(connection, rng, now, card) is None:
        return None
    return "work package kitted"


def start_planned_work(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Production starts a planned line package or check on its day; a line package gets its weekly
    check card, a check whose package was never released gets it now."""
    wo = connection.execute(
        sa.select(W)
        .where(W.c.status == "PLANNED", W.c.wo_type.in_(("LINE", *CHECKS)), W.c.planned_start <= now,
               W.c.voided_at.is_(None))
        .order_by(W.c.planned_start, W.c.id)
        .limit(1)
    ).first()
    if wo is None:
        return None
    context = actor_in(connection, rng, wo.amo_id, "PROD")
    unreleased = connection.execute(sa.select(_no_cards()).select_from(W).where(W.c.id == wo.id)).scalar_one()
    if wo.wo_type == "LINE":
        add_task_card(connection, context, wo, WEEKLY_CHECK, at=now)
    elif unreleased:
        _release(connection, context, rng, wo, now)
    update(connection, context, W, wo, {"status": "IN_WORK", "actual_start": now}, at=now, amo_id=wo.amo_id,
           department_id=wo.department_id, action="STATE_CHANGE",
           activity=("work_order.started", f"{wo.wo_no} started"))
    return "work order started"
