"""Live MEL deferrals: some of the defects reported go on the MEL instead of being fixed at once.

As in the seeded history (``simulator/reliability.py``): about 30 % of the defects the MEL allows
to wait are deferred by a certifying engineer soon after their report, category B, C or D with
the expiry the category gives (3, 10 or 120 days after the day of discovery); the rectification
of ``live_production.rectify_defect`` takes them up some 60 % into that interval. The defects to
defer are chosen by id, so a defect passed over once is not deferred later.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.live_records import actor_in, aware, certifier, department_of, update
from simulator.reliability import MEL_DAYS
from simulator.world import chosen_by_id
from warehouse import schema as s

DEFERRED_SHARE = 0.3
CATEGORIES = (("B", "C", "D"), (4, 5, 1))
DEFER_WITHIN = timedelta(hours=20)  # before rectify_defect takes an undeferred defect up


def defer_defect(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A fresh open defect chosen for the MEL is deferred under a category and its expiry."""
    d = s.defects
    fresh = connection.execute(
        sa.select(d, s.aircraft.c.amo_id, s.aircraft.c.registration)
        .join(s.aircraft)
        .where(d.c.status == "OPEN", d.c.is_deferred.is_not(True), d.c.voided_at.is_(None),
               d.c.reported_at > now - DEFER_WITHIN)
        .order_by(d.c.reported_at, d.c.id)
    )
    defect = next((row for row in fresh if chosen_by_id(row.id, DEFERRED_SHARE)), None)
    if defect is None:
        return None
    category = rng.choices(*CATEGORIES)[0]
    discovered = aware(defect.reported_at).date()
    amo_id = defect.amo_id
    update(
        connection,
        certifier(connection, rng, amo_id, now) or actor_in(connection, rng, amo_id, "PROD"),
        d,
        defect,
        {
            "status": "DEFERRED",
            "is_deferred": True,
            "mel_category": category,
            "mel_ref": f"{defect.ata_chapter}-{rng.randint(10, 60)}-{rng.randint(1, 9):02d}",
            "deferral_expires_at": datetime.combine(
                discovered + timedelta(days=MEL_DAYS[category] + 1), time(0), tzinfo=UTC
            ),
        },
        at=now,
        amo_id=defect.amo_id,
        department_id=department_of(connection, defect.amo_id, "PROD"),
        action="STATE_CHANGE",
        activity=("defect.deferred", f"MEL cat {category} deferral on {defect.registration}: "
                                     f"ATA {defect.ata_chapter}"),
    )
    return "defect deferred"
