"""Operational interruptions: each technical delay and cancellation the operator reports, by ATA.

The utilisation feed counts a day's technical delays over 15 minutes and cancellations; this
feed, delivered with it at the day's end, names each one with the ATA chapter it was attributed
to, so the daily counts and the rows agree. Built after the rest of the history (its own draws
change nothing else).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.world import SYSTEM_ACTOR, World

DELAY_MINUTES = (16, 240)
CHAPTERS = sorted(v.ATA)


def build_interruptions(world: World) -> None:
    """One row per delay and cancellation counted in the utilisation feed, created with that day's feed."""
    rng = world.rng
    for day in list(world.tables["aircraft_utilisation"]):
        events = ["DELAY"] * day["tech_delays_15m"] + ["CANCELLATION"] * day["tech_cancellations"]
        if not events:
            continue
        amo_id, department_id = world.scope_of("aircraft_utilisation", f"{day['aircraft_id']}:{day['day']}")
        delivered = datetime.combine(day["day"], time(23, 30), tzinfo=UTC) + timedelta(seconds=1)
        for kind in events:
            world.create(
                "operational_interruptions",
                delivered,
                SYSTEM_ACTOR,
                interruption(rng, day["aircraft_id"], day["day"], kind),
                amo_id=amo_id,
                department_id=department_id,
            )


def interruption(rng: random.Random, aircraft_id: int, day: date, kind: str) -> dict[str, Any]:
    """One interruption's values: an ATA chapter, a delay length (delays only) and what failed.

    Shared by the history and the live simulator, so both report interruptions alike.
    """
    ata = rng.choice(CHAPTERS)
    name, problems = v.ATA[ata]
    return {
        "aircraft_id": aircraft_id,
        "day": day,
        "kind": kind,
        "ata_chapter": ata,
        "delay_minutes": rng.randint(*DELAY_MINUTES) if kind == "DELAY" else None,
        "description": f"{name}: {rng.choice(problems)}",
    }
