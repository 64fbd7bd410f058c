"""What people do without changing records: log in, view records, export lists, log out.

These events make up most of a real audit log (DOMAIN.md §6: views and exports must be logged),
so the larger scales reach their event count with them. They are produced as a stream, day by
day in time order, so ten million of them never sit in memory at once.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from simulator.people import People
from simulator.world import World

RECENT_DAYS = 90
RECENT_FACTOR = 3.0  # a recent day is at least this much busier than an older one
EVENTS_PER_LOGIN = 10  # events of a session (login, views, logout) with a margin, to budget logins
MAX_RECENT_SHARE = 0.6  # the recent days never take more than this share of the events
VIEWED_TABLES = (
    "cars",
    "findings",
    "audits",
    "work_orders",
    "task_cards",
    "defects",
    "aircraft",
    "stock_items",
    "tools",
    "safety_reports",
    "directive_compliance",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/129.0",
    "Mozilla/5.0 (Macintosh) Safari/17.4",
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
    "Mozilla/5.0 (iPad; CPU OS 17_5) Mobile Safari",
)


class SessionStream:
    """A time-ordered stream of session events; remembers each user's last login."""

    def __init__(self, world: World, people: People, count: int) -> None:
        self.world, self.people, self.count = world, people, count
        self.rng = random.Random(f"{world.seed}/sessions")
        self.last_login: dict[int, datetime] = {}
        self._pool: dict[int, list[tuple[datetime, str, int, int | None]]] = {}
        for table in VIEWED_TABLES:
            for row in world.tables[table]:
                amo_id, department_id = world.scope_of(table, row["id"])
                self._pool.setdefault(amo_id, []).append((row["created_at"], table, row["id"], department_id))
        for pool in self._pool.values():
            pool.sort()
        self._staff = [u for users in people.by_department.values() for u in users]

    def __iter__(self) -> Iterator[tuple]:
        days = list(self.world.days())
        recent = self.world.now.date() - timedelta(days=RECENT_DAYS)
        # weekdays busier than weekends; the recent weeks busier, so every active account has
        # logged in lately (whoever has not logged in for longest goes first) and "dormant
        # accounts" are the few a real AMO has
        weekday = [1.0 if day.weekday() < 5 else 0.35 for day in days]
        busier = self._recent_factor(
            sum(w for day, w in zip(days, weekday, strict=True) if day < recent),
            sum(w for day, w in zip(days, weekday, strict=True) if day >= recent),
        )
        weights = [w * (busier if day >= recent else 1.0) for day, w in zip(days, weekday, strict=True)]
        per_weight = self.count / sum(weights)
        produced, carried = 0, 0.0
        for day, weight in zip(days, weights, strict=True):
            carried += per_weight * weight
            quota = min(int(carried), self.count - produced)
            carried -= quota
            events = self._day(day, quota)
            produced += len(events)
            yield from events

    def _recent_factor(self, older: float, recent: float) -> float:
        """How much busier a recent day is than an older one: three times, or more when the events
        are few (the demo scale), so the recent days hold a login for every employed person."""
        employed = sum(1 for u in self._staff if u["left_at"] is None or u["left_at"] > self.world.now)
        needed = min(employed * EVENTS_PER_LOGIN, self.count * MAX_RECENT_SHARE)
        return max(RECENT_FACTOR, needed * older / (recent * (self.count - needed)))

    def _day(self, day, quota: int) -> list[tuple]:
        events: list[tuple] = []
        start = datetime.combine(day, time(6), tzinfo=UTC)
        employed = [
            u
            for u in self._staff
            if u["created_at"] <= start and (u["left_at"] is None or u["left_at"] > start)
        ]
        employed.sort(key=lambda u: (self.last_login.get(u["id"], u["created_at"]), u["id"]))
        while len(events) < quota:
            # mostly whoever has not logged in for longest: people log in to do their work
            user = employed.pop(0) if employed and self.rng.random() < 0.85 else self.rng.choice(self._staff)
            if not (user["created_at"] <= start and (user["left_at"] is None or user["left_at"] > start)):
                continue
            events.extend(
                self._session(
                    user, start + timedelta(seconds=self.rng.randrange(12 * 3600)), quota - len(events)
                )
            )
        events.sort(key=lambda event: event[0])
        return events

    def _session(self, user: dict[str, Any], at: datetime, budget: int) -> list[tuple]:
        rng = self.rng
        role = self.people.role_codes[user["role_id"]]
        session = f"{rng.getrandbits(128):032x}"
        ip = f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        agent = rng.choice(USER_AGENTS)
        events = []

        def event(
            action: str,
            moment: datetime,
            entity: tuple | None = None,
            method: str = "SESSION",
            outcome: str = "SUCCESS",
        ) -> None:
            table, entity_id, department_id = entity or (None, None, user["department_id"])
            events.append(
                (
                    moment,
                    0,
                    self.world.uuid7(moment),
                    moment,
                    user["amo_id"],
                    user["id"],
                    role,
                    None,
                    method,
                    session if outcome == "SUCCESS" else None,
                    f"{rng.getrandbits(64):016x}",
                    ip,
                    agent,
                    action,
                    outcome,
                    table,
                    None if entity_id is None else str(entity_id),
                    None,
                    None,
                    department_id,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
            )

        if rng.random() < 0.03:
            event(
                "LOGIN_FAILED",
                at - timedelta(seconds=rng.randint(5, 60)),
                method="PASSWORD",
                outcome="FAILURE",
            )
        event("LOGIN", at, method="PASSWORD")
        self.last_login[user["id"]] = max(at, self.last_login.get(user["id"], at))
        moment = at
        for _ in range(max(1, min(budget - len(events) - 1, rng.randint(3, 12)))):
            moment += timedelta(seconds=rng.randint(8, 400))
            entity = self._recent(user["amo_id"], moment)
            if entity:
                event("EXPORT" if rng.random() < 0.04 else "VIEW", moment, entity)
        if len(events) < budget and rng.random() < 0.8:
            event("LOGOUT", moment + timedelta(seconds=rng.randint(5, 120)))
        return events[:budget]

    def _recent(self, amo_id: int, at: datetime) -> tuple[str, int, int | None] | None:
        """A record of the AMO created before ``at``, mostly a recent one."""
        pool = self._pool.get(amo_id, [])
        end = bisect.bisect_left(pool, (at,))
        if end == 0:
            return None
        _created, table, entity_id, department_id = pool[self.rng.randrange(max(0, end - 3000), end)]
        return table, entity_id, department_id
