"""Live cycle counts: the rolling count programme of ``simulator/cycle_counts.py`` goes on.

A week after an AMO's last count, a storekeeper counts the stock on hand in the next rack of the
bonded store (skipping empty racks): one ADJUST movement per item, qty 0 when the shelf agrees,
else the correction, which moves the item's quantity with it.
"""

from __future__ import annotations

import random
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.cycle_counts import COUNT_EVERY, COUNT_REASON, RACKS, counted_difference, rack_of
from simulator.live_records import actor_in, aware, department_of, insert, update
from warehouse import schema as s

M, STOCK = s.part_movements, s.stock_items


def count_rack(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The AMO whose last count is a week old counts its next rack."""
    for amo_id in connection.execute(sa.select(s.amos.c.id).order_by(s.amos.c.id)).scalars():
        last = connection.execute(
            sa.select(M.c.performed_at, M.c.from_location)
            .join(STOCK, STOCK.c.id == M.c.stock_item_id)
            .where(STOCK.c.amo_id == amo_id, M.c.movement_type == "ADJUST")
            .order_by(M.c.performed_at.desc(), M.c.id.desc())
            .limit(1)
        ).first()
        if last is None or aware(last.performed_at) <= now - COUNT_EVERY:
            return _count_next_rack(connection, rng, now, amo_id, rack_of(last and last.from_location) or 0)
    return None


def _count_next_rack(
    connection: Connection, rng: random.Random, now: datetime, amo_id: int, last_rack: int
) -> str | None:
    for rack in ((last_rack + step) % RACKS + 1 for step in range(RACKS)):
        if items := _on_hand(connection, amo_id, rack):
            _count(connection, rng, now, amo_id, rack, items)
            return "stock counted"
    return None


def _on_hand(connection: Connection, amo_id: int, rack: int) -> list:
    return connection.execute(
        sa.select(STOCK)
        .where(
            STOCK.c.amo_id == amo_id,
            STOCK.c.voided_at.is_(None),
            STOCK.c.qty > 0,
            STOCK.c.store_type == "BONDED",
            STOCK.c.location_code.like(f"B-{rack:02d}-%"),
        )
        .order_by(STOCK.c.id)
    ).all()


def _count(
    connection: Connection, rng: random.Random, now: datetime, amo_id: int, rack: int, items: list
) -> None:
    """One count of a rack: an ADJUST per item, the item's quantity corrected where the shelf differs."""
    context = actor_in(connection, rng, amo_id, "STOR")
    department_id = department_of(connection, amo_id, "STOR")
    adjusted = 0
    for number, item in enumerate(items, start=1):
        difference = counted_difference(rng, item.qty)
        if difference:
            adjusted += 1
            update(connection, context, STOCK, item, {"qty": item.qty + difference}, at=now, amo_id=amo_id,
                   department_id=department_id)
        summary = f"Cycle count of rack B-{rack:02d}: {len(items)} items, {adjusted} adjusted"
        insert(
            connection,
            context,
            M,
            {
                "stock_item_id": item.id,
                "movement_type": "ADJUST",
                "qty": difference,
                "from_location": item.location_code,
                "performed_by": context.actor_user_id,
                "performed_at": now,
                "reason": COUNT_REASON if difference else None,
            },
            at=now,
            amo_id=amo_id,
            department_id=department_id,
            activity=("stock.counted", summary) if number == len(items) else None,
        )
