"""Live changes on the hangar floor: defects, work orders, sign-offs, parts and tools.

Each function makes one change in the caller's transaction and returns what it did (or None
when the data offers nothing to do), for the simulator's tally.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.live_records import actor_in, department_of, insert, pick_row, record_image, update
from warehouse import schema as s
from warehouse.events import record_activity, record_audit


def new_defect(connection: Connection, rng: random.Random) -> str | None:
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
            "reported_at": datetime.now(UTC),
            "reported_fh": aircraft.tsn_fh,
            "ata_chapter": ata,
            "description": f"ATA {ata} fault reported",
            "status": "OPEN",
        },
        amo_id=aircraft.amo_id,
        department_id=department_of(connection, aircraft.amo_id, "PROD"),
        activity=("defect.reported", f"Defect reported on {aircraft.registration}: ATA {ata}"),
    )
    return "defect reported"


def sign_task_card(connection: Connection, rng: random.Random) -> str | None:
    """A certifying engineer signs an open task card of a work order in work."""
    query = (
        sa.select(s.task_cards, s.work_orders.c.amo_id, s.work_orders.c.department_id)
        .join(s.work_orders)
        .where(s.task_cards.c.status == "OPEN", s.work_orders.c.status == "IN_WORK")
    )
    card = pick_row(connection, query, rng)
    if card is None:
        return open_work_order(connection, rng)
    context = actor_in(connection, rng, card.amo_id, "PROD")
    update(
        connection,
        context,
        s.task_cards,
        card,
        {
            "status": "DONE",
            "performed_by": context.actor_user_id,
            "performed_at": datetime.now(UTC),
            "actual_mh": round(card.planned_mh * rng.uniform(0.7, 1.5), 1),
        },
        amo_id=card.amo_id,
        department_id=card.department_id,
        action="SIGN",
        signature="PERFORMED",
        activity=("task_card.signed", f"Task card {card.card_no} signed off"),
    )
    return "task card signed"


def open_work_order(connection: Connection, rng: random.Random) -> str | None:
    """Planning releases a line work order with two cards, and production starts it."""
    aircraft = pick_row(connection, sa.select(s.aircraft), rng)
    if aircraft is None:
        return None
    department_id = department_of(connection, aircraft.amo_id, "PROD")
    context = actor_in(connection, rng, aircraft.amo_id, "PLAN")
    now = datetime.now(UTC)
    number = connection.execute(sa.select(sa.func.count()).select_from(s.work_orders)).scalar_one() + 1
    wo = insert(
        connection,
        context,
        s.work_orders,
        {
            "amo_id": aircraft.amo_id,
            "wo_no": f"LIVE-{number:07d}",
            "wo_type": "LINE",
            "aircraft_id": aircraft.id,
            "customer": aircraft.customer_operator,
            "department_id": department_id,
            "planned_start": now,
            "planned_end": now + timedelta(hours=12),
            "actual_start": now,
            "planned_mh": 6.0,
            "status": "IN_WORK",
        },
        amo_id=aircraft.amo_id,
        department_id=department_id,
        activity=("work_order.started", f"Line work order started on {aircraft.registration}"),
    )
    for index, (ata, text) in enumerate((("05", "Daily check"), ("12", "Servicing: engine oil")), start=1):
        insert(
            connection,
            context,
            s.task_cards,
            {
                "card_no": f"{wo.wo_no}-{index:03d}",
                "work_order_id": wo.id,
                "card_type": "ROUTINE",
                "source": "MPD",
                "ata_chapter": ata,
                "description": text,
                "planned_mh": 1.5,
                "status": "OPEN",
            },
            amo_id=aircraft.amo_id,
            department_id=department_id,
        )
    return "work order opened"


def issue_part(connection: Connection, rng: random.Random) -> str | None:
    """Stores issue serviceable, in-date stock to a task card; the ledger and quantity move together."""
    now = datetime.now(UTC)
    item = pick_row(
        connection,
        sa.select(s.stock_items).where(
            s.stock_items.c.condition == "SERVICEABLE",
            s.stock_items.c.receiving_inspection_status == "ACCEPTED",
            s.stock_items.c.qty >= 1,
            sa.or_(
                s.stock_items.c.shelf_life_expires_at.is_(None), s.stock_items.c.shelf_life_expires_at > now
            ),
        ),
        rng,
    )
    card = pick_row(
        connection,
        sa.select(s.task_cards, s.work_orders.c.amo_id)
        .join(s.work_orders)
        .where(s.work_orders.c.status == "IN_WORK")
        .order_by(s.task_cards.c.id.desc()),
        rng,
    )
    if item is None or card is None:
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
        amo_id=item.amo_id,
        department_id=department_id,
    )
    movement = connection.execute(
        s.part_movements.insert()
        .values(
            stock_item_id=item.id,
            movement_type="ISSUE",
            qty=-qty,
            from_location=item.location_code,
            work_order_id=card.work_order_id,
            task_card_id=card.id,
            performed_by=context.actor_user_id,
            performed_at=now,
        )
        .returning(*s.part_movements.c)
    ).one()
    record_audit(
        connection,
        context,
        "CREATE",
        amo_id=item.amo_id,
        entity_type="part_movements",
        entity_id=movement.id,
        department_id=department_id,
        after=record_image(movement),
    )
    record_activity(
        connection,
        amo_id=item.amo_id,
        department_id=department_id,
        kind="part.issued",
        summary=f"{qty:g} {item.uom} {item.part_no} issued to {card.card_no}",
        entity_type="part_movements",
        entity_id=movement.id,
        actor_user_id=context.actor_user_id,
    )
    return "part issued"


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
