"""The changes the live simulator makes, one per transaction, each with its audit and activity events.

Every change reads the current state, writes the record and records its events through
``warehouse.events`` in the same transaction, with the database clock as event time. The
record's ``row_version`` and ``updated_at/by`` move as the audit-event contract expects.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse import schema as s
from warehouse.events import RequestContext, record_activity, record_audit

CAR_NEXT = {
    "OPEN": "CAP_SUBMITTED",
    "CAP_SUBMITTED": "CAP_ACCEPTED",
    "CAP_ACCEPTED": "IMPLEMENTED",
    "IMPLEMENTED": "CLOSED",
}


def record_image(row: Any) -> dict[str, Any]:
    """The audit ``after`` image: every column but the extraction cursors the database assigns."""
    return {key: value for key, value in row._mapping.items() if key not in ("txid", "change_txid")}


def pick_row(connection: Connection, query: sa.Select, rng: random.Random) -> Any:
    """A random row of ``query`` (among its first hundred), or None."""
    rows = connection.execute(query.limit(100)).all()
    return rng.choice(rows) if rows else None


def actor_in(connection: Connection, rng: random.Random, amo_id: int, dept_code: str) -> RequestContext:
    query = (
        sa.select(s.users.c.id, s.roles.c.code)
        .join(s.roles)
        .join(s.departments, s.departments.c.id == s.users.c.department_id)
        .where(s.users.c.amo_id == amo_id, s.departments.c.code == dept_code, s.users.c.is_active)
    )
    user = pick_row(connection, query, rng)
    return RequestContext(actor_user_id=user.id, actor_role=user.code, auth_method="SESSION")


def department_of(connection: Connection, amo_id: int, code: str) -> int:
    return connection.execute(
        sa.select(s.departments.c.id).where(s.departments.c.amo_id == amo_id, s.departments.c.code == code)
    ).scalar_one()


def insert(
    connection: Connection,
    context: RequestContext,
    table: sa.Table,
    values: dict[str, Any],
    *,
    amo_id: int,
    department_id: int | None,
    activity: tuple[str, str] | None = None,
) -> Any:
    """Insert a record with its CREATE audit event (and activity event); returns the new row."""
    if "created_by" in table.c:
        values = {**values, "created_by": context.actor_user_id, "updated_by": context.actor_user_id}
    row = connection.execute(table.insert().values(values).returning(*table.c)).one()
    record_audit(
        connection,
        context,
        "CREATE",
        amo_id=amo_id,
        entity_type=table.name,
        entity_id=row.id,
        entity_version=row._mapping.get("row_version"),
        department_id=department_id,
        workflow_phase=row._mapping.get("status"),
        after=record_image(row),
    )
    if activity:
        record_activity(
            connection,
            amo_id=amo_id,
            department_id=department_id,
            kind=activity[0],
            summary=activity[1],
            entity_type=table.name,
            entity_id=row.id,
            actor_user_id=context.actor_user_id,
        )
    return row


def update(
    connection: Connection,
    context: RequestContext,
    table: sa.Table,
    row: Any,
    changes: dict[str, Any],
    *,
    amo_id: int,
    department_id: int | None,
    action: str = "UPDATE",
    signature: str | None = None,
    activity: tuple[str, str] | None = None,
) -> Any:
    """Apply ``changes`` to ``row`` (bumping its version) with the matching audit event."""
    before = {key: row._mapping[key] for key, value in changes.items() if row._mapping[key] != value}
    new = connection.execute(
        table.update()
        .where(table.c.id == row.id)
        .values(
            **changes,
            row_version=table.c.row_version + 1,
            updated_at=sa.func.current_timestamp(),
            updated_by=context.actor_user_id,
        )
        .returning(*table.c)
    ).one()
    record_audit(
        connection,
        context,
        action,
        amo_id=amo_id,
        entity_type=table.name,
        entity_id=row.id,
        entity_version=new.row_version,
        department_id=department_id,
        before=before,
        after=record_image(new),
        workflow_phase=new._mapping.get("status") if action in ("STATE_CHANGE", "SIGN") else None,
        signature_meaning=signature,
    )
    if activity:
        record_activity(
            connection,
            amo_id=amo_id,
            department_id=department_id,
            kind=activity[0],
            summary=activity[1],
            entity_type=table.name,
            entity_id=row.id,
            actor_user_id=context.actor_user_id,
        )
    return new


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
