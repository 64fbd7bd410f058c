"""The synthetic AMO in memory: rows of every table plus the events that tell their story.

Generators build records through :class:`World` only: ``create`` gives a row its id, its
bookkeeping columns and a CREATE audit event; ``change`` applies a change at a moment in the
past, bumps ``row_version`` and records the audit event (before = changed fields, after = the
full image, per the audit-event contract). So the event history agrees with the tables by
construction. Everything random comes from seeded ``random.Random`` instances, and event ids
are UUIDv7 built from the event time and that generator: the same seed and as-of date give the
same data, row for row.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from warehouse.events import AUDIT_ACTIONS

HISTORY_DAYS = 3 * 365

# Column order of the event tuples kept in memory (``id`` is given at load time, in time order).
# fmt: off
AUDIT_FIELDS = (
    "event_id", "occurred_at", "amo_id", "actor_user_id", "actor_role", "on_behalf_of", "auth_method",
    "session_id", "request_id", "ip", "user_agent", "action", "outcome", "entity_type", "entity_id",
    "entity_version", "workflow_phase", "department_id", "changed_fields", "before", "after", "reason",
    "signature_meaning",
)
ACTIVITY_FIELDS = ("event_id", "occurred_at", "amo_id", "department_id", "kind", "entity_type", "entity_id",
                   "summary", "actor_user_id")
# fmt: on


def chosen_by_id(record_id: int, share: float) -> bool:
    """A fixed pseudo-random choice of about ``share`` of the records, by id (Knuth's multiplicative
    hash), for choices the seed and the live simulator must agree on without remembering them."""
    return (record_id * 2654435761) % 2**32 < share * 2**32


class GeneratorError(RuntimeError):
    """The generator was asked for something it cannot do; the message says what."""


@dataclass(frozen=True)
class Actor:
    """Who makes a generated change: a user (with role and AMO) or the system (user None)."""

    user_id: int | None
    role: str | None
    auth_method: str = "SESSION"


SYSTEM_ACTOR = Actor(None, None, "SYSTEM")


def to_json(value: Any) -> str | None:
    """Canonical JSON text (sorted keys, ISO dates) as stored in the JSON columns."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


class World:
    """Rows per table, audit and activity events, a clock window and the seeded randomness."""

    def __init__(self, seed: int, as_of: date, factor: int) -> None:
        self.seed = seed
        self.factor = factor
        self.now = datetime.combine(as_of, time(0, 0), tzinfo=UTC)
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        self.rng = random.Random(seed)
        self._uuid_rng = random.Random(f"{seed}/event-ids")
        self.tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.audit: list[tuple] = []
        self.activity: list[tuple] = []
        self._next_id: dict[str, int] = defaultdict(lambda: 1)
        self._scope: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        self._sequence = 0
        self._planted: set[tuple[int, str]] = set()
        self._counted: dict[tuple[int, str], int] = defaultdict(int)

    # ── ids, time and randomness ────────────────────────────────────────────────────────
    def next_id(self, table: str) -> int:
        value = self._next_id[table]
        self._next_id[table] = value + 1
        return value

    def uuid7(self, at: datetime) -> str:
        """A UUIDv7 for an event at ``at``: the time prefix from ``at``, the rest seeded."""
        millis = int(at.timestamp() * 1000) & ((1 << 48) - 1)
        rand = self._uuid_rng.getrandbits(74)
        value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
        digits = f"{value:032x}"  # formatted by hand: uuid.UUID is the slow part at millions of events
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

    def moment(self, start: datetime | None = None, end: datetime | None = None) -> datetime:
        """A random instant in [start, end) (default: the whole history), to the second."""
        start = start or self.start
        end = end or self.now
        span = max(int((end - start).total_seconds()), 1)
        return start + timedelta(seconds=self.rng.randrange(span))

    def work_time(self, day: date, *, night: bool = False) -> datetime:
        """An instant on ``day`` during the day shift (or the night shift)."""
        hour = self.rng.choice((22, 23, 0, 1, 2, 3, 4)) if night else self.rng.randrange(7, 19)
        stamp = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=UTC)
        return stamp + timedelta(days=1) if night and hour < 12 else stamp

    def later(self, at: datetime, min_hours: float, max_hours: float) -> datetime:
        """An instant between ``min_hours`` and ``max_hours`` after ``at``."""
        return at + timedelta(seconds=int(self.rng.uniform(min_hours, max_hours) * 3600))

    def is_past(self, at: datetime | None) -> bool:
        return at is not None and at < self.now

    def plant(self, amo_id: int, anomaly: str) -> bool:
        """True the first time an AMO offers a chance of ``anomaly``: each deliberate anomaly is
        planted once per AMO (docs/synthetic-data.md lists them), none by accident."""
        if (amo_id, anomaly) in self._planted:
            return False
        self._planted.add((amo_id, anomaly))
        return True

    def within_yearly_quota(self, amo_id: int, anomaly: str, at: datetime, per_year: int) -> bool:
        """True (and counted) while an AMO has had fewer than ``per_year`` times the scale factor of
        ``anomaly`` in the history year of ``at``: chance decides when, this bounds how many."""
        key = (amo_id, f"{anomaly} in year {(at - self.start).days // 365}")
        if self._counted[key] >= per_year * self.factor:
            return False
        self._counted[key] += 1
        return True

    def days(self) -> Iterator[date]:
        """Every day of the history, oldest first."""
        day = self.start.date()
        while day < self.now.date():
            yield day
            day += timedelta(days=1)

    # ── records and their events ────────────────────────────────────────────────────────
    def create(
        self,
        table: str,
        at: datetime,
        actor: Actor,
        values: dict[str, Any],
        *,
        amo_id: int | None,
        department_id: int | None,
        activity: tuple[str, str] | None = None,
        bookkeeping: bool = True,
        action: str = "CREATE",
        reason: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Add a record created at ``at`` by ``actor``, with its CREATE (and activity) event.

        Tables without bookkeeping columns (notifications, scheduled actions, roles) pass
        ``bookkeeping=False`` and their own timestamps in ``values``; a table keyed by other
        columns than ``id`` (daily utilisation) passes the entity id as ``key``.
        """
        self._check_time(at)
        row = dict(values) if key else {"id": self.next_id(table), **values}
        if bookkeeping:
            row.update(
                created_at=at,
                created_by=actor.user_id,
                updated_at=at,
                updated_by=actor.user_id,
                row_version=1,
                voided_at=None,
                voided_by=None,
                void_reason=None,
            )
        self.tables[table].append(row)
        entity_id = key or str(row["id"])
        self._scope[(table, entity_id)] = (amo_id, department_id)
        self._audit(at, actor, action, table, row, before=None, changed=None, reason=reason, key=entity_id)
        if activity:
            self.feed(at, actor, table, entity_id, *activity)
        return row

    def change(
        self,
        table: str,
        row: dict[str, Any],
        at: datetime,
        actor: Actor,
        changes: dict[str, Any],
        *,
        action: str = "UPDATE",
        signature: str | None = None,
        reason: str | None = None,
        activity: tuple[str, str] | None = None,
        phase: str | None = None,
    ) -> None:
        """Apply ``changes`` to ``row`` at ``at`` and record the audit (and activity) event.

        STATE_CHANGE records the new ``status`` as the workflow phase (or ``phase``, for records
        whose state is not called status); SIGN carries the signature meaning (PERFORMED,
        INSPECTED, CRS...).
        """
        self._check_time(at)
        versioned = "row_version" in row
        if versioned and at < row["updated_at"]:
            raise GeneratorError(f"{table} {row['id']}: change at {at} before its last change")
        before = {key: row.get(key) for key, value in changes.items() if row.get(key) != value}
        row.update(changes)
        if versioned:
            row.update(updated_at=at, updated_by=actor.user_id, row_version=row["row_version"] + 1)
        self._audit(
            at,
            actor,
            action,
            table,
            row,
            before=before,
            changed=sorted(before),
            signature=signature,
            reason=reason,
            phase=phase,
        )
        if activity:
            self.feed(at, actor, table, row["id"], *activity)

    def feed(
        self, at: datetime, actor: Actor, table: str, entity_id: int | str, kind: str, summary: str
    ) -> None:
        """An activity-feed event for the department that owns the record."""
        amo_id, department_id = self._scope[(table, str(entity_id))]
        self._sequence += 1
        self.activity.append(
            (
                at,
                self._sequence,
                self.uuid7(at),
                at,
                amo_id,
                department_id,
                kind,
                table,
                str(entity_id),
                summary,
                actor.user_id,
            )
        )

    def scope_of(self, table: str, entity_id: int) -> tuple[int | None, int | None]:
        """(amo_id, department_id) a record was created with."""
        return self._scope[(table, str(entity_id))]

    def set_scope(self, table: str, entity_id: int, amo_id: int | None, department_id: int | None) -> None:
        """Correct the scope of a record whose AMO or department is known only after creation."""
        self._scope[(table, str(entity_id))] = (amo_id, department_id)

    def _audit(
        self,
        at: datetime,
        actor: Actor,
        action: str,
        table: str,
        row: dict[str, Any],
        *,
        before: dict[str, Any] | None,
        changed: list[str] | None,
        signature: str | None = None,
        reason: str | None = None,
        key: str | None = None,
        phase: str | None = None,
    ) -> None:
        if action not in AUDIT_ACTIONS:
            raise GeneratorError(f"unknown audit action {action!r}")
        entity_id = key or str(row["id"])
        amo_id, department_id = self._scope[(table, entity_id)]
        image = {key: value for key, value in row.items() if key != "change_txid"}
        if changed is None:
            changed = sorted(key for key, value in image.items() if value is not None)
        if phase is None and action in ("STATE_CHANGE", "SIGN", "CREATE"):
            phase = row.get("status")
        self._sequence += 1
        # fmt: off
        self.audit.append((
            at, self._sequence, self.uuid7(at), at, amo_id, actor.user_id, actor.role, None,
            actor.auth_method, None, None, None, None, action, "SUCCESS", table, entity_id,
            row.get("row_version"), phase, department_id, to_json(changed), to_json(before), to_json(image),
            reason, signature,
        ))
        # fmt: on

    def _check_time(self, at: datetime) -> None:
        if not self.start - timedelta(days=3650) <= at < self.now:
            raise GeneratorError(f"generated change at {at} lies outside the history (ends {self.now})")

    def event_count(self) -> int:
        return len(self.audit) + len(self.activity)
