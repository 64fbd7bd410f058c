"""Stores: batch and serial stock with certificates and shelf life, and the movement ledger.

Ledger convention: ``part_movements.qty`` is the signed change of the item's on-hand quantity
(RECEIVE and RETURN positive, ISSUE and SCRAP negative, location-only moves such as QUARANTINE
zero), so ``stock_items.qty`` always equals the sum of its movements. Batches whose shelf life
runs out are quarantined by a storekeeper before they expire, except one per AMO planted in a
serviceable location (the "expired stock in serviceable locations" KPI, which should be 0 and
here is not).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.people import People
from simulator.production import SignedCard
from simulator.world import World

ISSUE_SHARE = 0.3
LEFT_EXPIRED_WITHIN = timedelta(days=365)  # the batch planted on a serviceable shelf expired this recently
CERTIFICATES = (("EASA_FORM1", "FAA_8130_3", "CoC", "NONE"), (5, 2, 3, 0.15))  # release documents, weighted
BATCH_SIZES = (10, 20, 50, 100, 200)
SHELF_LIFE_DAYS = (150, 720)


def build_stores(world: World, people: People, signed: list[SignedCard]) -> None:
    """Receive stock over the history, issue it to performed task cards, quarantine what expires."""
    cards_by_amo: dict[int, list[SignedCard]] = defaultdict(list)
    for card in signed:
        cards_by_amo[card.work_order["amo_id"]].append(card)
    for amo in people.amos:
        batches = _receive(world, people, amo)
        _issue(world, people, amo, batches, sorted(cards_by_amo[amo["id"]], key=lambda s: s.performed_at))
        _expire(world, people, amo, batches)


def book_movement(
    world: World,
    people: People,
    item: dict[str, Any],
    at: datetime,
    user: dict,
    movement: str,
    qty: float,
    *,
    to_location: str | None = None,
    card: dict[str, Any] | None = None,
    reason: str | None = None,
    activity: tuple[str, str] | None = None,
) -> None:
    """One ledger row of ``item`` (naming the task ``card`` it went to, if any); the caller changes the
    item itself (quantity, location) to match."""
    amo_id, department_id = world.scope_of("stock_items", item["id"])
    world.create(
        "part_movements",
        at,
        people.actor(user),
        {
            "stock_item_id": item["id"],
            "movement_type": movement,
            "qty": qty,
            "from_location": item["location_code"] if movement != "RECEIVE" else None,
            "to_location": to_location,
            "work_order_id": card["work_order_id"] if card else None,
            "task_card_id": card["id"] if card else None,
            "performed_by": user["id"],
            "performed_at": at,
            "reason": reason,
        },
        amo_id=amo_id,
        department_id=department_id,
        bookkeeping=False,
        activity=activity,
    )


def _receive(world: World, people: People, amo: dict) -> list[dict[str, Any]]:
    rng = world.rng
    stores = people.department(amo["id"], "STOR")
    batches = []
    for part_no, description, uom, has_shelf_life in v.CONSUMABLES:
        for _ in range(world.factor):
            received = world.later(world.start, 1, 24 * 30)
            while world.is_past(received):
                clerk = people.staff(world, amo["id"], "STOR", received)
                certificate = rng.choices(*CERTIFICATES)[0]
                qty = float(rng.choice(BATCH_SIZES))
                location = f"B-{rng.randint(1, 12):02d}-{rng.randint(1, 8):02d}"
                item = world.create(
                    "stock_items",
                    received,
                    people.actor(clerk),
                    {
                        "amo_id": amo["id"],
                        "part_no": part_no,
                        "serial_no": None,
                        "batch_no": f"B{received:%y%m}{world.next_id('batch numbers'):05d}",
                        "description": description,
                        "qty": qty,
                        "uom": uom,
                        "location_code": location,
                        "store_type": "BONDED",
                        "condition": "SERVICEABLE",
                        "certificate_type": certificate,
                        "certificate_ref": None
                        if certificate == "NONE"
                        else f"{certificate[:4]}-{rng.randrange(10**6):06d}",
                        "received_at": received,
                        "receiving_inspection_status": "PENDING",
                        "shelf_life_expires_at": received + timedelta(days=rng.randint(*SHELF_LIFE_DAYS))
                        if has_shelf_life
                        else None,
                        "quarantine_reason": None,
                        "quarantined_at": None,
                        "component_id": None,
                    },
                    amo_id=amo["id"],
                    department_id=stores["id"],
                )
                book_movement(
                    world,
                    people,
                    item,
                    received,
                    clerk,
                    "RECEIVE",
                    qty,
                    to_location=location,
                    activity=("part.received", f"{qty:g} {uom} {part_no} received"),
                )
                _inspect(world, people, amo, item)
                batches.append(item)
                received = world.later(received, 24 * 45, 24 * 130)
    return batches


def _inspect(world: World, people: People, amo: dict, item: dict[str, Any]) -> None:
    """Receiving inspection: accepted within hours, or rejected to quarantine without a certificate."""
    at = world.later(item["received_at"], 1, 30)
    if not world.is_past(at):
        return
    inspector = people.staff(world, amo["id"], "STOR", at)
    if item["certificate_type"] == "NONE":
        world.change(
            "stock_items",
            item,
            at,
            people.actor(inspector),
            {"receiving_inspection_status": "REJECTED"},
            action="STATE_CHANGE",
            phase="REJECTED",
        )
        _quarantine(world, people, item, at, inspector, "No release certificate")
    else:
        world.change(
            "stock_items",
            item,
            at,
            people.actor(inspector),
            {"receiving_inspection_status": "ACCEPTED"},
            action="STATE_CHANGE",
            phase="ACCEPTED",
        )


def _quarantine(world: World, people: People, item: dict, at: datetime, user: dict, reason: str) -> None:
    book_movement(
        world,
        people,
        item,
        at,
        user,
        "QUARANTINE",
        0.0,
        to_location="Q-01",
        reason=reason,
        activity=("part.quarantined", f"{item['part_no']} batch {item['batch_no']} quarantined: {reason}"),
    )
    world.change(
        "stock_items",
        item,
        at,
        people.actor(user),
        {
            "location_code": "Q-01",
            "store_type": "QUARANTINE",
            "condition": "QUARANTINE",
            "quarantine_reason": reason,
            "quarantined_at": at,
        },
        action="STATE_CHANGE",
        phase="QUARANTINE",
        reason=reason,
    )


def usable(item: dict[str, Any], at: datetime, qty: float) -> bool:
    return (
        item["received_at"] < at
        and item["receiving_inspection_status"] == "ACCEPTED"
        and item["updated_at"] <= at
        and item["condition"] == "SERVICEABLE"
        and item["qty"] >= qty
        and (item["shelf_life_expires_at"] is None or at < item["shelf_life_expires_at"])
    )


def _issue(world: World, people: People, amo: dict, batches: list[dict], cards: list[SignedCard]) -> None:
    rng = world.rng
    by_part: dict[str, list[dict]] = defaultdict(list)
    for item in batches:
        by_part[item["part_no"]].append(item)
    for signed in cards:
        if rng.random() >= ISSUE_SHARE:
            continue
        part_no = rng.choice(list(by_part))
        qty = float(rng.randint(1, 4))
        at = signed.performed_at - timedelta(minutes=rng.randint(15, 90))
        candidates = [item for item in by_part[part_no] if usable(item, at, qty)]
        if not candidates or at < signed.card["created_at"]:
            continue
        issue_to_card(world, people, candidates[0], at, qty, signed.card)  # first expiring, first out


def issue_to_card(world: World, people: People, item: dict, at: datetime, qty: float, card: dict) -> None:
    """A storekeeper issues ``qty`` of ``item`` to a task card: the quantity and the ledger move together."""
    clerk = people.staff(world, item["amo_id"], "STOR", at)
    world.change("stock_items", item, at, people.actor(clerk), {"qty": item["qty"] - qty})
    book_movement(
        world,
        people,
        item,
        at,
        clerk,
        "ISSUE",
        -qty,
        card=card,
        activity=("part.issued", f"{qty:g} {item['uom']} {item['part_no']} issued to {card['card_no']}"),
    )


def _expire(world: World, people: People, amo: dict, batches: list[dict]) -> None:
    for item in batches:
        expires = item["shelf_life_expires_at"]
        if expires is None or item["condition"] != "SERVICEABLE":
            continue
        # the shelf-life check moves a batch to quarantine in the days before it expires
        at = max(world.later(expires, -24 * 4, -1), item["updated_at"] + timedelta(minutes=5))
        if not world.is_past(at):
            continue
        left = world.now - LEFT_EXPIRED_WITHIN < expires < world.now and item["qty"] > 0
        if left and world.plant(amo["id"], "expired batch in a serviceable location"):
            continue  # missed by the storekeeper: still on a serviceable shelf
        clerk = people.staff(world, amo["id"], "STOR", at)
        _quarantine(world, people, item, at, clerk, "Shelf life expired")
    for item in batches:
        disposal = item["quarantined_at"] and world.later(item["quarantined_at"], 24 * 10, 24 * 60)
        if disposal and world.is_past(disposal) and disposal >= item["updated_at"]:
            _scrap(world, people, amo, item, disposal)


def _scrap(world: World, people: People, amo: dict, item: dict, at: datetime) -> None:
    """Quarantined stock leaves the books: mutilated, or returned to the vendor without a certificate."""
    clerk = people.staff(world, amo["id"], "STOR", at)
    reason = "Returned to vendor" if item["certificate_type"] == "NONE" else "Mutilated and scrapped"
    book_movement(world, people, item, at, clerk, "SCRAP", -item["qty"], to_location="SCRAP", reason=reason)
    world.change(
        "stock_items",
        item,
        at,
        people.actor(clerk),
        {"qty": 0.0, "location_code": "SCRAP", "store_type": "SCRAP", "condition": "UNSALVAGEABLE"},
        action="STATE_CHANGE",
        phase="UNSALVAGEABLE",
        reason=reason,
    )
