"""Operational interruptions: each technical delay and cancellation the operator reports, by ATA.

The utilisation feed counts a day's technical delays over 15 minutes and cancellations; this
feed, delivered with it at the day's end, names each one with the ATA chapter it was attributed
to, so the daily counts and the rows agree. Built after the rest of the history (its own draws
change nothing else).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from etl.generator import vocabulary as v
from etl.generator.world import SYSTEM_ACTOR, World

DELAY_MINUTES = (16, 240)


def build_interruptions(world: World) -> None:
    """One row per delay and cancellation counted in the utilisation feed, created with that day's feed."""
    rng = world.rng
    chapters = sorted(v.ATA)
    for day in list(world.tables["aircraft_utilisation"]):
        events = ["DELAY"] * day["tech_delays_15m"] + ["CANCELLATION"] * day["tech_cancellations"]
        if not events:
            continue
        amo_id, department_id = world.scope_of("aircraft_utilisation", f"{day['aircraft_id']}:{day['day']}")
        delivered = datetime.combine(day["day"], time(23, 30), tzinfo=UTC) + timedelta(seconds=1)
        for kind in events:
            ata = rng.choice(chapters)
            name, problems = v.ATA[ata]
            world.create(
                "operational_interruptions",
                delivered,
                SYSTEM_ACTOR,
                {
                    "aircraft_id": day["aircraft_id"],
                    "day": day["day"],
                    "kind": kind,
                    "ata_chapter": ata,
                    "delay_minutes": rng.randint(*DELAY_MINUTES) if kind == "DELAY" else None,
                    "description": f"{name}: {rng.choice(problems)}",
                },
                amo_id=amo_id,
                department_id=department_id,
            )
