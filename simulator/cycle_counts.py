"""Stores cycle counts: a rolling programme that counts one rack of the bonded store every week.

The bonded store's bins are ``B-<rack>-<shelf>`` on :data:`RACKS` racks; each week a storekeeper
counts the stock on hand in the next rack, so every item is counted about four times a year.
Each counted item gets one ADJUST movement: qty 0 when the shelf agrees with the books, else the
correction (:func:`counted_difference`, mostly a unit or two short), which moves the item's
quantity with it. One count in forty finds a difference (in the history only where the item did
not move since, as the books after it are already written), so the cycle-count accuracy (items
needing no adjustment in 12 months) reads 90–100 %, as in a store that keeps its books.
The live simulator goes on counting a rack a week (``simulator/live_cycle_counts.py``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from simulator.people import People
from simulator.stores import book_movement
from simulator.world import World

RACKS = 12
COUNT_EVERY = timedelta(days=7)
DISCREPANCY_SHARE = 0.025
CORRECTIONS = (-2.0, -1.0, -1.0, -1.0, 1.0)  # shrinkage more often than a surplus
COUNT_REASON = "Cycle count: shelf differs from the books"


def counted_difference(rng: random.Random, qty: float) -> float:
    """What a count finds the shelf differs from the books by (0: it agrees)."""
    if rng.random() >= DISCREPANCY_SHARE or qty < 2:
        return 0.0
    return rng.choice(CORRECTIONS)


def rack_of(location: str | None) -> int | None:
    """The rack number of a bonded-store bin (``B-07-03`` → 7), None elsewhere."""
    if not location or not location.startswith("B-"):
        return None
    return int(location.split("-")[1])


def count_cycles(world: World, people: People) -> None:
    """Every week of the history, the next rack of each AMO's bonded store is counted."""
    rng = random.Random(f"{world.seed}:cycle-counts")
    ledger: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for movement in world.tables["part_movements"]:
        ledger[movement["stock_item_id"]].append((movement["performed_at"], movement["qty"]))
    for amo in people.amos:
        items = [item for item in world.tables["stock_items"] if item["amo_id"] == amo["id"]]
        day, week = world.start.date() + timedelta(days=7 - world.start.weekday()), 0
        while day < world.now.date():
            at = datetime.combine(day, time(rng.randrange(7, 16), rng.randrange(60)), UTC)
            rack = week % RACKS + 1
            on_hand = [
                (item, qty) for item in items
                if rack_of(item["location_code"]) == rack and item["received_at"] < at - timedelta(days=2)
                and (qty := _qty_at(ledger[item["id"]], at)) > 0
                and (item["quarantined_at"] is None or item["quarantined_at"] > at)
            ]
            if world.is_past(at) and on_hand:
                _count(world, people, amo, rack, on_hand, at, rng, ledger)
            day, week = day + COUNT_EVERY, week + 1


def _qty_at(movements: list[tuple[datetime, float]], at: datetime) -> float:
    return sum(qty for performed_at, qty in movements if performed_at <= at)


def _count(world: World, people: People, amo: dict, rack: int, on_hand: list, at: datetime,
           rng: random.Random, ledger: dict) -> None:
    """One count of a rack: an ADJUST per item; a difference only where nothing moved the item since."""
    clerk = people.staff(world, amo["id"], "STOR", at)
    adjusted = 0
    for number, (item, qty) in enumerate(on_hand, start=1):
        difference = counted_difference(rng, qty)
        if item["updated_at"] > at:
            difference = 0.0  # the item moved later on: its books held
        if difference:
            adjusted += 1
            world.change("stock_items", item, at, people.actor(clerk), {"qty": item["qty"] + difference},
                         reason=COUNT_REASON)
            ledger[item["id"]].append((at, difference))
        summary = f"Cycle count of rack B-{rack:02d}: {len(on_hand)} items, {adjusted} adjusted"
        book_movement(world, people, item, at, clerk, "ADJUST", difference,
                      reason=COUNT_REASON if difference else None,
                      activity=("stock.counted", summary) if number == len(on_hand) else None)
