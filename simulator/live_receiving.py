"""Live receiving: stores keep receiving consumables, and inspect each receipt.

As in the seeded history (``simulator/stores.py``): a batch of a consumable arrives with its
release certificate (an EASA Form 1, an FAA 8130-3 or a certificate of conformity; now and then
none), is booked into a bin of the bonded store with a RECEIVE movement, and is inspected within
hours: accepted, or, without a certificate, rejected and quarantined. Without receipts the live
simulator would issue, kit and scrap its stock away.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator import vocabulary as v
from simulator.live_records import actor_in, department_of, insert, pick_row, update
from simulator.stores import BATCH_SIZES, CERTIFICATES, SHELF_LIFE_DAYS
from warehouse import schema as s

STOCK = s.stock_items
INSPECT_AFTER = timedelta(hours=2)
NO_CERTIFICATE = "No release certificate"


def receive_stock(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A batch of a consumable arrives and is booked into a bin of the bonded store."""
    amo = pick_row(connection, sa.select(s.amos.c.id), rng)
    if amo is None:
        return None
    part_no, description, uom, has_shelf_life = rng.choice(v.CONSUMABLES)
    certificate = rng.choices(*CERTIFICATES)[0]
    qty = float(rng.choice(BATCH_SIZES))
    location = f"B-{rng.randint(1, 12):02d}-{rng.randint(1, 8):02d}"
    context = actor_in(connection, rng, amo.id, "STOR")
    department_id = department_of(connection, amo.id, "STOR")
    batches = connection.execute(sa.select(sa.func.count()).select_from(STOCK)).scalar_one() + 1
    certificate_ref = None if certificate == "NONE" else f"{certificate[:4]}-{rng.randrange(10**6):06d}"
    expires = now + timedelta(days=rng.randint(*SHELF_LIFE_DAYS)) if has_shelf_life else None
    item = insert(
        connection,
        context,
        STOCK,
        {
            "amo_id": amo.id,
            "part_no": part_no,
            "batch_no": f"L{now:%y%m}{batches:05d}",
            "description": description,
            "qty": qty,
            "uom": uom,
            "location_code": location,
            "store_type": "BONDED",
            "condition": "SERVICEABLE",
            "certificate_type": certificate,
            "certificate_ref": certificate_ref,
            "received_at": now,
            "receiving_inspection_status": "PENDING",
            "shelf_life_expires_at": expires,
        },
        at=now,
        amo_id=amo.id,
        department_id=department_id,
    )
    insert(
        connection,
        context,
        s.part_movements,
        {"stock_item_id": item.id, "movement_type": "RECEIVE", "qty": qty, "to_location": location,
         "performed_by": context.actor_user_id, "performed_at": now},
        at=now,
        amo_id=amo.id,
        department_id=department_id,
        activity=("part.received", f"{qty:g} {uom} {part_no} received"),
    )
    return "stock received"


def inspect_receipt(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The oldest receipt waiting for its receiving inspection is accepted, or rejected to
    quarantine when it came without a release certificate."""
    item = connection.execute(
        sa.select(STOCK)
        .where(STOCK.c.receiving_inspection_status == "PENDING", STOCK.c.voided_at.is_(None),
               STOCK.c.received_at <= now - INSPECT_AFTER)
        .order_by(STOCK.c.received_at, STOCK.c.id)
        .limit(1)
    ).first()
    if item is None:
        return None
    accepted = item.certificate_type != "NONE"
    changes = {"receiving_inspection_status": "ACCEPTED" if accepted else "REJECTED"}
    if not accepted:
        changes.update(location_code="Q-01", store_type="QUARANTINE", condition="QUARANTINE",
                       quarantine_reason=NO_CERTIFICATE, quarantined_at=now)
    verdict = "accepted" if accepted else "rejected and quarantined: no release certificate"
    update(
        connection,
        actor_in(connection, rng, item.amo_id, "STOR"),
        STOCK,
        item,
        changes,
        at=now,
        amo_id=item.amo_id,
        department_id=department_of(connection, item.amo_id, "STOR"),
        action="STATE_CHANGE",
        activity=("part.inspected", f"{item.part_no} batch {item.batch_no} {verdict}"),
    )
    return "receipt inspected"
