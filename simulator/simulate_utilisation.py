"""The operator's end-of-day feed in the live simulator: one aircraft's utilisation day and its interruptions.

Like the seeded history, a day arrives only once it is over (in simulated time), carries its
technical delays and cancellations as counts, and names each of them in
``operational_interruptions`` (with its ATA chapter) in the same transaction, so the daily counts
and the interruption records always agree; the aircraft's hours and cycles since new grow with it.
The feed is a system delivery: its audit events have no user, as in the history.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.fleet import UTILISATION, flying_day
from simulator.interruptions import interruption
from simulator.live_records import department_of, insert, record_image, update
from warehouse import schema as s
from warehouse.events import SYSTEM, record_activity, record_audit


def deliver_utilisation_day(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The next finished day of the aircraft furthest behind: FH, cycles, delays and cancellations,
    each delay and cancellation as an interruption record. None when every aircraft is up to date."""
    days = s.aircraft_utilisation
    latest = sa.select(days.c.aircraft_id, sa.func.max(days.c.day).label("day")).group_by(days.c.aircraft_id)
    latest = latest.subquery()
    yesterday = now.date() - timedelta(days=1)
    aircraft = connection.execute(
        sa.select(s.aircraft, latest.c.day.label("last_day"))
        .join(latest, latest.c.aircraft_id == s.aircraft.c.id)
        .where(latest.c.day < yesterday)
        .order_by(latest.c.day, s.aircraft.c.id)
        .limit(1)
    ).first()
    if aircraft is None:
        return None
    day = aircraft.last_day + timedelta(days=1)
    fh, cycles, delays, cancellations = flying_day(
        rng, *UTILISATION[aircraft.type_model], grounded=aircraft.status == "IN_CHECK"
    )
    department_id = department_of(connection, aircraft.amo_id, "PLAN")
    row = connection.execute(
        s.aircraft_utilisation.insert()
        .values(
            aircraft_id=aircraft.id,
            day=day,
            fh=fh,
            fc=cycles,
            departures=cycles,
            tech_delays_15m=delays,
            tech_cancellations=cancellations,
        )
        .returning(*s.aircraft_utilisation.c)
    ).one()
    key = f"{aircraft.id}:{day}"
    record_audit(
        connection,
        SYSTEM,
        "CREATE",
        amo_id=aircraft.amo_id,
        entity_type="aircraft_utilisation",
        entity_id=key,
        department_id=department_id,
        after=record_image(row),
        occurred_at=now,
    )
    record_activity(
        connection,
        amo_id=aircraft.amo_id,
        department_id=department_id,
        kind="utilisation.reported",
        summary=f"{aircraft.registration} on {day}: {fh:g} FH, {cycles} cycles, "
        f"{delays} technical delays, {cancellations} cancellations",
        entity_type="aircraft_utilisation",
        entity_id=key,
        actor_user_id=None,
        occurred_at=now,
    )
    update(
        connection,
        SYSTEM,
        s.aircraft,
        aircraft,
        {"tsn_fh": round(aircraft.tsn_fh + fh, 1), "csn_fc": aircraft.csn_fc + cycles},
        at=now,
        amo_id=aircraft.amo_id,
        department_id=department_id,
    )
    for kind in ["DELAY"] * delays + ["CANCELLATION"] * cancellations:
        values = interruption(rng, aircraft.id, day, kind)
        insert(
            connection,
            SYSTEM,
            s.operational_interruptions,
            values,
            at=now,
            amo_id=aircraft.amo_id,
            department_id=department_id,
            activity=(
                "interruption.reported",
                f"Technical {kind.lower()} of {aircraft.registration} on {day}: ATA {values['ata_chapter']}",
            ),
        )
    return "utilisation day delivered"
