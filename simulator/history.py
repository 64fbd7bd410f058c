"""The whole synthetic history in memory: every generator run once, in dependency order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from simulator.audits import build_audit_programme
from simulator.cycle_counts import count_cycles
from simulator.engineering import build_directives
from simulator.fleet import build_fleet
from simulator.hazards import build_hazards
from simulator.interruptions import build_interruptions
from simulator.maintenance import maintain_fleet
from simulator.notices import build_notices
from simulator.organisation import build_organisation
from simulator.people import People
from simulator.production import Production
from simulator.quality import Quality
from simulator.safety import build_safety
from simulator.stores import build_stores
from simulator.work_plan import kit_packages, plan_ahead
from simulator.workshops import build_workshops
from simulator.world import GeneratorError, World


@dataclass(frozen=True)
class Scale:
    """How big a seeded AMO is: ``factor`` multiplies fleet, staff and workload; ``events`` is the
    total number of audit + activity events to reach (topped up with users' views and logins)."""

    name: str
    factor: int
    events: int


SCALES = {
    scale.name: scale
    for scale in (
        Scale("demo", 1, 50_000),
        Scale("1m", 4, 1_000_000),
        Scale("10m", 10, 10_000_000),
    )
}


def scale_named(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise GeneratorError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None


def build_history(scale: Scale, seed: int, as_of: date) -> tuple[World, People]:
    """Three years of the two AMOs' records and their events, ending at ``as_of``."""
    world = World(seed, as_of, scale.factor)
    people = build_organisation(world)
    fleet = build_fleet(world, people)
    production = Production(world, people)
    maintain_fleet(world, people, production, fleet)
    build_directives(world, people, production, fleet)
    quality = Quality(world, people)
    build_audit_programme(world, quality)
    build_safety(world, people, quality, fleet, production)
    build_stores(world, people, production.signed)
    build_workshops(world, people, quality, production.signed)
    build_notices(world, people)
    build_hazards(world, people)
    build_interruptions(world)
    # last, on their own random streams, so the generators above draw as they always did
    plan_ahead(world, people, production, fleet)
    kit_packages(world, people)
    count_cycles(world, people)
    return world, people
