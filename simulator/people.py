"""The people directory: who works where, since when, and when they were authorised to certify.

Other generators ask it for someone of a department employed at a moment, or for a certifying
person whose authorisation was valid (or, for the deliberate lapses, was not) at that moment.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.world import Actor, World


@dataclass
class People:
    """Who works where, and when their authorisations were valid."""

    amos: list[dict[str, Any]] = field(default_factory=list)
    departments: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    by_department: dict[tuple[int, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    certifying: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    role_codes: dict[int, str] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    # user id → sorted (issued_at, expires_at) periods of a valid authorisation
    periods: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=lambda: defaultdict(list))
    crs_holders: set[int] = field(default_factory=set)  # users whose authorisation is a CRS_* type

    def department(self, amo_id: int, code: str) -> dict[str, Any]:
        return self.departments[(amo_id, code)]

    def actor(self, user: dict[str, Any]) -> Actor:
        return Actor(user["id"], self.role_codes[user["role_id"]])

    def staff(self, world: World, amo_id: int, code: str, at: datetime) -> dict[str, Any]:
        """Someone of department ``code`` who was employed at ``at``."""
        members = self.by_department[(amo_id, code)]
        return _choose(world, members, lambda u: employed(u, at)) or world.rng.choice(members)

    def is_authorised(self, user_id: int, at: datetime) -> bool:
        """True when ``user_id`` held a valid authorisation at ``at``."""
        spans = self.periods.get(user_id, [])
        index = bisect.bisect_right(spans, (at, at)) - 1
        return index >= 0 and spans[index][0] <= at < spans[index][1]

    def signer(self, world: World, amo_id: int, at: datetime, *, valid: bool = True, crs: bool = False,
               besides: int | None = None) -> dict[str, Any] | None:
        """A certifying person who was (or, with ``valid=False``, was not) authorised at ``at``;
        with ``crs``, one holding a certifying (CRS) authorisation; never the user ``besides``."""
        return _choose(
            world,
            self.certifying[amo_id],
            lambda u: employed(u, at) and self.is_authorised(u["id"], at) == valid and u["id"] != besides
            and (not crs or u["id"] in self.crs_holders),
        )


def employed(user: dict[str, Any], at: datetime) -> bool:
    return user["created_at"] <= at and (user["left_at"] is None or at < user["left_at"])


def _choose(world: World, people: list[dict], fits: Callable[[dict], bool]) -> dict[str, Any] | None:
    """A random person who ``fits``: a few random draws first (most people fit), then a full scan."""
    for _ in range(12 if people else 0):
        person = world.rng.choice(people)
        if fits(person):
            return person
    pool = [person for person in people if fits(person)]
    return world.rng.choice(pool) if pool else None
