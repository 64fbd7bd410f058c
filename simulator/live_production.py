"""Live changes on the hangar floor: defects, line work orders, sign-offs, releases, parts, tools.

Each function makes one change at the simulated moment ``now`` in the caller's transaction and
returns what it did (or None when the data offers nothing to do), for the simulator's tally.
Work moves on when its time has come in simulated time: a card is signed some hours after its
work order started, by someone holding an authorisation in force; an inspection follows within
hours by someone else; the release (CRS) follows the last card; a defect is rectified within days.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.live_records import actor_in, certifier, department_of, insert, pick_row, update
from simulator.reliability import MEL_DAYS
from warehouse import schema as s
from warehouse.events import RequestContext

DEFERRAL_USED = 0.6  # share of its MEL interval a deferred defect waits for its rectification
LINE_CARDS = (
    ("05", "Daily check", 1.5, False),
    ("12", "Servicing: engine oil", 1.0, False),
    ("32", "Landing gear wheel change", 2.5, True),
)


def new_defect(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A pilot or mechanic reports a defect on an aircraft."""
    aircraft = pick_row(connection, sa.select(s.aircraft).where(s.aircraft.c.status == "IN_SERVICE"), rng)
    if aircraft is None:
        return None
    context = actor_in(connection, rng, aircraft.amo_id, "PROD")
    ata = rng.choice(("21", "23", "24", "27", "32", "34", "36", "49"))
    number = connection.execute(sa.select(sa.func.count()).select_from(s.defects)).scalar_one() + 1
    insert(
        connection,
        context,
        s.defects,
        {
            "defect_no": f"D{aircraft.registration.replace('-', '')}-L{number:06d}",
            "aircraft_id": aircraft.id,
            "source": rng.choice(("PIREP", "MAREP", "CABIN")),
            "reported_at": now,
            "reported_fh": aircraft.tsn_fh,
            "ata_chapter": ata,
            "description": f"ATA {ata} fault reported",
            "status": "OPEN",
        },
        at=now,
        amo_id=aircraft.amo_id,
        department_id=department_of(connection, aircraft.amo_id, "PROD"),
        activity=("defect.reported", f"Defect reported on {aircraft.registration}: ATA {ata}"),
    )
    return "defect reported"


def rectify_defect(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The oldest open, undeferred defect reported over a day ago (or a deferred one some 60 % into
    its MEL interval, as the history rectifies them) is rectified."""
    d = s.defects
    deferral_worked_off = (
        sa.and_(d.c.mel_category == category, d.c.reported_at < now - timedelta(days=days * DEFERRAL_USED))
        for category, days in MEL_DAYS.items()
    )
    defect = connection.execute(
        sa.select(d, s.aircraft.c.amo_id, s.aircraft.c.registration)
        .join(s.aircraft)
        .where(
            d.c.status.in_(("OPEN", "DEFERRED")),
            d.c.voided_at.is_(None),
            sa.or_(
                sa.and_(d.c.is_deferred.is_not(True), d.c.reported_at < now - timedelta(hours=20)),
                d.c.deferral_expires_at < now + timedelta(days=2),
                *deferral_worked_off,
            ),
        )
        .order_by(d.c.reported_at)
        .limit(1)
    ).first()
    if defect is None:
        return None
    context = certifier(connection, rng, defect.amo_id, now) or actor_in(
        connection, rng, defect.amo_id, "PROD"
    )
    update(
        connection,
        context,
        d,
        defect,
        {"status": "RECTIFIED", "rectified_at": now},
        at=now,
        amo_id=defect.amo_id,
        department_id=department_of(connection, defect.amo_id, "PROD"),
        action="STATE_CHANGE",
        activity=("defect.rectified", f"{defect.defect_no} rectified"),
    )
    return "defect rectified"


def open_work_order(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Planning releases a line work order with its cards, and production starts it."""
    aircraft = pick_row(connection, sa.select(s.aircraft), rng)
    if aircraft is None:
        return None
    context = actor_in(connection, rng, aircraft.amo_id, "PLAN")
    cards = LINE_CARDS[:2] if rng.random() < 0.7 else LINE_CARDS
    wo = insert_work_order(
        connection,
        context,
        aircraft,
        {
            "wo_type": "LINE",
            "planned_start": now,
            "planned_end": now + timedelta(hours=12),
            "actual_start": now,
            "planned_mh": sum(card[2] for card in cards),
            "status": "IN_WORK",
        },
        at=now,
        activity=("work_order.started", f"Line work order started on {aircraft.registration}"),
    )
    for ata, text, mh, inspection in cards:
        add_task_card(
            connection,
            context,
            wo,
            {
                "source": "MPD",
                "ata_chapter": ata,
                "description": text,
                "planned_mh": mh,
                "requires_independent_inspection": inspection,
            },
            at=now,
        )
    return "work order opened"


def insert_work_order(
    connection: Connection,
    context: RequestContext,
    aircraft,
    values: dict,
    *,
    at: datetime,
    activity: tuple[str, str],
):
    """A work order of production for ``aircraft`` (type, dates, man-hours and status in ``values``)."""
    number = connection.execute(sa.select(sa.func.count()).select_from(s.work_orders)).scalar_one() + 1
    department_id = department_of(connection, aircraft.amo_id, "PROD")
    return insert(
        connection,
        context,
        s.work_orders,
        {
            "amo_id": aircraft.amo_id,
            "wo_no": f"LIVE-{number:07d}",
            "aircraft_id": aircraft.id,
            "customer": aircraft.customer_operator,
            "department_id": department_id,
            **values,
        },
        at=at,
        amo_id=aircraft.amo_id,
        department_id=department_id,
        activity=activity,
    )


def add_task_card(
    connection: Connection,
    context: RequestContext,
    wo,
    values: dict,
    *,
    at: datetime,
    activity: tuple[str, str] | None = None,
):
    """The next routine card of work order ``wo`` (source, ATA, text, man-hours... in ``values``)."""
    cards = connection.execute(
        sa.select(sa.func.count()).select_from(s.task_cards).where(s.task_cards.c.work_order_id == wo.id)
    ).scalar_one()
    return insert(
        connection,
        context,
        s.task_cards,
        {
            "card_no": f"{wo.wo_no}-{cards + 1:03d}",
            "work_order_id": wo.id,
            "card_type": "ROUTINE",
            "status": "OPEN",
            **values,
        },
        at=at,
        amo_id=wo.amo_id,
        department_id=wo.department_id,
        activity=activity,
    )


def sign_task_card(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The oldest open card of a work order in work for over two hours is performed by a
    certifying engineer, or a performed card awaiting its independent inspection is inspected."""
    t, w = s.task_cards, s.work_orders
    base = (
        sa.select(t, w.c.amo_id, w.c.department_id)
        .join(w)
        .where(w.c.status == "IN_WORK", t.c.voided_at.is_(None))
    )
    card = connection.execute(
        base.where(
            t.c.status == "DONE",
            t.c.requires_independent_inspection,
            t.c.performed_at < now - timedelta(minutes=30),
        )
        .order_by(t.c.performed_at)
        .limit(1)
    ).first()
    if card is not None:
        inspector = certifier(connection, rng, card.amo_id, now, besides=card.performed_by)
        if inspector is not None:
            update(
                connection,
                inspector,
                t,
                card,
                {"status": "INSPECTED", "inspected_by": inspector.actor_user_id, "inspected_at": now},
                at=now,
                amo_id=card.amo_id,
                department_id=card.department_id,
                action="SIGN",
                signature="INSPECTED",
                activity=("task_card.inspected", f"Task card {card.card_no} inspected"),
            )
            return "task card inspected"
    card = connection.execute(
        base.where(t.c.status == "OPEN", w.c.actual_start < now - timedelta(hours=2))
        .order_by(w.c.actual_start, t.c.id)
        .limit(1)
    ).first()
    if card is None:
        return None
    engineer = certifier(connection, rng, card.amo_id, now)
    if engineer is None:
        return None
    update(
        connection,
        engineer,
        t,
        card,
        {
            "status": "DONE",
            "performed_by": engineer.actor_user_id,
            "performed_at": now,
            "actual_mh": round(card.planned_mh * rng.uniform(0.7, 1.5), 1),
        },
        at=now,
        amo_id=card.amo_id,
        department_id=card.department_id,
        action="SIGN",
        signature="PERFORMED",
        activity=("task_card.signed", f"Task card {card.card_no} signed off"),
    )
    return "task card signed"


def release_work_order(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A work order whose cards are all signed (and inspected where required) is completed,
    released with a CRS by a CRS holder and closed."""
    t, w = s.task_cards, s.work_orders
    unfinished = sa.select(t.c.id).where(
        t.c.work_order_id == w.c.id,
        t.c.voided_at.is_(None),
        sa.or_(
            t.c.status == "OPEN", sa.and_(t.c.requires_independent_inspection, t.c.inspected_at.is_(None))
        ),
    )
    wo = connection.execute(
        sa.select(w)
        .where(
            w.c.status == "IN_WORK",
            w.c.wo_type.in_(("LINE", "A_CHECK", "C_CHECK")),
            ~unfinished.exists(),
            w.c.actual_start < now - timedelta(hours=3),
        )
        .order_by(w.c.actual_start)
        .limit(1)
    ).first()
    if wo is None:
        return None
    releaser = certifier(connection, rng, wo.amo_id, now, crs=True)
    if releaser is None:
        return None
    mh = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(t.c.actual_mh), wo.planned_mh)).where(
            t.c.work_order_id == wo.id
        )
    ).scalar_one()
    update(
        connection,
        releaser,
        w,
        wo,
        {
            "status": "CLOSED",
            "actual_end": now,
            "actual_mh": mh,
            "crs_issued_at": now,
            "crs_signed_by": releaser.actor_user_id,
        },
        at=now,
        amo_id=wo.amo_id,
        department_id=wo.department_id,
        action="SIGN",
        signature="CRS",
        activity=("crs.issued", f"CRS issued for {wo.wo_no}"),
    )
    return "work order released"


def issue_part(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Stores issue serviceable, in-date stock to a card of a work order in work."""
    card = pick_row(
        connection,
        sa.select(s.task_cards, s.work_orders.c.amo_id)
        .join(s.work_orders)
        .where(s.work_orders.c.status == "IN_WORK")
        .order_by(s.task_cards.c.id.desc()),
        rng,
    )
    return None if card is None else issue_to(connection, rng, now, card)


def issue_to(connection: Connection, rng: random.Random, now: datetime, card) -> str | None:
    """Stores issue serviceable, in-date stock of the card's AMO to ``card``; the ledger and
    quantity move together."""
    item = pick_row(
        connection,
        sa.select(s.stock_items).where(
            s.stock_items.c.amo_id == card.amo_id,
            s.stock_items.c.condition == "SERVICEABLE",
            s.stock_items.c.receiving_inspection_status == "ACCEPTED",
            s.stock_items.c.qty >= 1,
            sa.or_(
                s.stock_items.c.shelf_life_expires_at.is_(None), s.stock_items.c.shelf_life_expires_at > now
            ),
        ),
        rng,
    )
    if item is None:
        return None
    department_id = department_of(connection, item.amo_id, "STOR")
    context = actor_in(connection, rng, item.amo_id, "STOR")
    qty = float(min(item.qty, rng.randint(1, 3)))
    update(
        connection,
        context,
        s.stock_items,
        item,
        {"qty": item.qty - qty},
        at=now,
        amo_id=item.amo_id,
        department_id=department_id,
    )
    insert(
        connection,
        context,
        s.part_movements,
        {
            "stock_item_id": item.id,
            "movement_type": "ISSUE",
            "qty": -qty,
            "from_location": item.location_code,
            "work_order_id": card.work_order_id,
            "task_card_id": card.id,
            "performed_by": context.actor_user_id,
            "performed_at": now,
        },
        at=now,
        amo_id=item.amo_id,
        department_id=department_id,
        activity=("part.issued", f"{qty:g} {item.uom} {item.part_no} issued to {card.card_no}"),
    )
    return "part issued"


def return_tool(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A tool out for over two hours comes back: tools go back within the shift."""
    returns = sa.select(s.tool_usage.c.check_out_id).where(
        s.tool_usage.c.usage_kind == "RETURN", s.tool_usage.c.check_out_id.is_not(None)
    )
    out = connection.execute(
        sa.select(s.tool_usage)
        .where(
            s.tool_usage.c.usage_kind == "CHECK_OUT",
            s.tool_usage.c.occurred_at < now - timedelta(hours=2),
            s.tool_usage.c.occurred_at > now - timedelta(days=3),
            s.tool_usage.c.id.not_in(returns.scalar_subquery()),
        )
        .order_by(s.tool_usage.c.occurred_at)
        .limit(1)
    ).first()
    if out is None:
        return None
    return _tool_usage(
        connection,
        rng,
        now,
        "RETURN",
        {
            "tool_id": out.tool_id,
            "user_id": out.user_id,
            "task_card_id": out.task_card_id,
            "check_out_id": out.id,
        },
    )


def check_out_tool(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A serviceable tool is checked out against an open card of a work order in work."""
    card = pick_row(
        connection,
        sa.select(s.task_cards.c.id, s.work_orders.c.amo_id)
        .join(s.work_orders)
        .where(s.task_cards.c.status == "OPEN", s.work_orders.c.status == "IN_WORK"),
        rng,
    )
    if card is None:
        return None
    tool = pick_row(
        connection,
        sa.select(s.tools.c.id).where(s.tools.c.status == "SERVICEABLE", s.tools.c.amo_id == card.amo_id),
        rng,
    )
    user = pick_row(
        connection, sa.select(s.users.c.id).where(s.users.c.is_active, s.users.c.amo_id == card.amo_id), rng
    )
    if tool is None or user is None:
        return None
    return _tool_usage(
        connection, rng, now, "CHECK_OUT", {"tool_id": tool.id, "user_id": user.id, "task_card_id": card.id}
    )


def _tool_usage(connection: Connection, rng: random.Random, now: datetime, kind: str, values: dict) -> str:
    tool = connection.execute(sa.select(s.tools).where(s.tools.c.id == values["tool_id"])).one()
    department_id = department_of(connection, tool.amo_id, "WKSP")
    context = actor_in(connection, rng, tool.amo_id, "WKSP")
    verb = "checked_out" if kind == "CHECK_OUT" else "returned"
    insert(
        connection,
        context,
        s.tool_usage,
        {**values, "usage_kind": kind, "occurred_at": now},
        at=now,
        amo_id=tool.amo_id,
        department_id=department_id,
        activity=(f"tool.{verb}", f"{tool.tool_no} {verb.replace('_', ' ')}"),
    )
    return f"tool {verb.replace('_', ' ')}"
