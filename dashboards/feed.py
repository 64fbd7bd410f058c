"""The live activity feed of an AMO or one department: keyset reads after a ``(txid, id)`` cursor,
narrowed to kind families (the filter chips), and the rules that pin important events.

On PostgreSQL a row becomes readable only once its transaction id is below the horizon of the
statement's own snapshot: every transaction with a smaller id has ended, so a transaction that
commits late can never slip in behind a cursor that has moved past it (DESIGN.md "Extraction
cursor"). As in the ETL's extraction, the horizon is the oldest transaction still running *in
this database* (transaction ids are cluster-wide, but another database's transactions cannot
write our tables, so they must not hold the feed back). SQLite has one writer, so the cursor is
``(0, id)`` there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.database import HORIZON_SQL
from warehouse.schema import activity_events
from warehouse.scope import TenantScope

PAGE_SIZE = 50


def _horizon(dialect: str):
    if dialect == "postgresql":
        return activity_events.c.txid < sa.literal_column(HORIZON_SQL)
    return sa.true()


def _columns():
    return (activity_events.c.txid, activity_events.c.id, activity_events.c.occurred_at,
            activity_events.c.kind, activity_events.c.summary, activity_events.c.entity_type,
            activity_events.c.entity_id, activity_events.c.actor_user_id)


# Kind families a reader can narrow the feed to (the part of a kind before the dot).
FAMILIES = {"car": "CARs", "finding": "Findings", "audit": "Audits", "defect": "Defects",
            "work_order": "Work orders", "task_card": "Task cards", "crs": "CRS", "part": "Parts",
            "tool": "Tools", "hazard": "Hazards", "safety_report": "Safety reports", "aircraft": "Aircraft",
            "directive": "Directives", "user": "Accounts"}


@dataclass(frozen=True)
class PinRule:
    """Events of ``kind`` (whose summary holds ``marker``, when set) stay on top until acknowledged."""

    label: str
    kind: str
    marker: str | None = None

    def matches(self, event: dict) -> bool:
        return event.get("kind") == self.kind and (
            self.marker is None or self.marker in str(event.get("summary") or "").upper())


PIN_RULES = (
    PinRule("Overdue CAR", "car.overdue"),
    PinRule("Level-1 finding", "finding.raised", "L1 "),
    PinRule("AOG defect", "defect.reported", "AOG"),
    PinRule("Out-of-tolerance tool", "tool.out_of_tolerance"),
    PinRule("Out-of-tolerance tool", "tool.recall_review"),
    PinRule("Disabled account", "user.disabled"),
)


def pin_label(event: dict) -> str | None:
    """Why this event is pinned, or None when it is not."""
    return next((rule.label for rule in PIN_RULES if rule.matches(event)), None)


def _where(amo_id: int, department_id: int | None, families: tuple[str, ...]) -> list:
    clauses = TenantScope.for_amo(amo_id).where("activity_events")  # the warehouse's tenant rule
    if department_id is not None:
        clauses.append(activity_events.c.department_id == department_id)
    if families:
        clauses.append(sa.or_(*(activity_events.c.kind.like(f"{family}.%") for family in families)))
    return clauses


def latest(connection: Connection, amo_id: int, department_id: int | None, limit: int = PAGE_SIZE,
           families: tuple[str, ...] = ()) -> list[dict]:
    """The newest readable events (of a department, or None: the whole AMO), newest first."""
    rows = connection.execute(
        sa.select(*_columns())
        .where(*_where(amo_id, department_id, families), _horizon(connection.dialect.name))
        .order_by(activity_events.c.txid.desc(), activity_events.c.id.desc()).limit(limit)
    ).mappings().all()
    return [dict(row) for row in rows]


def news(connection: Connection, amo_id: int, department_id: int | None, cursor: tuple[int, int],
         families: tuple[str, ...] = ()) -> list[dict] | None:
    """Readable events after ``cursor`` (up to :data:`PAGE_SIZE`), oldest first; None when the
    cursor is stale.

    One statement (a poll with nothing new costs one round trip): the events, and beside them
    what :func:`_is_stale` needs, in a probe row that is there even when no event is.
    """
    statement = _news_statement(connection.dialect.name, amo_id, department_id, families)
    rows = connection.execute(statement, {"txid": cursor[0], "last_id": cursor[1]}).mappings().all()
    if _is_stale(cursor, rows[0]["newest"], rows[0]["next_txid"]):
        return None
    return [{name: row[name] for name in _NEWS_COLUMNS} for row in rows if row["id"] is not None]


_NEWS_COLUMNS = tuple(column.name for column in _columns())


@functools.lru_cache(maxsize=512)
def _news_statement(dialect: str, amo_id: int, department_id: int | None, families: tuple[str, ...]):
    """The statement of :func:`news` for one feed, built once: the cursor is its only parameter,
    so a poll does not rebuild it (SQLAlchemy keeps its compiled form under the same key)."""
    cursor = sa.tuple_(sa.bindparam("txid", type_=sa.BigInteger),
                       sa.bindparam("last_id", type_=sa.BigInteger))
    events = (
        sa.select(*_columns())
        .where(*_where(amo_id, department_id, families),
               sa.tuple_(activity_events.c.txid, activity_events.c.id) > cursor, _horizon(dialect))
        .order_by(activity_events.c.txid, activity_events.c.id).limit(PAGE_SIZE)
    ).subquery("news")
    newest = sa.select(sa.func.coalesce(sa.func.max(activity_events.c.id), 0)).scalar_subquery()
    probe = sa.select(newest.label("newest"), _next_txid(dialect).label("next_txid")).subquery("probe")
    return (sa.select(probe.c.newest, probe.c.next_txid, *events.c)
            .select_from(probe.outerjoin(events, sa.true()))
            .order_by(events.c.txid, events.c.id))


def pinnable(connection: Connection, amo_id: int, department_id: int | None, *, days: int = 30,
             limit: int = 20) -> list[dict]:
    """The newest events of the last ``days`` that a pin rule holds on top, newest first."""
    since = datetime.now(UTC) - timedelta(days=days)
    kinds = sorted({rule.kind for rule in PIN_RULES})
    rows = connection.execute(
        sa.select(*_columns())
        .where(*_where(amo_id, department_id, ()), activity_events.c.kind.in_(kinds),
               activity_events.c.occurred_at >= since, _horizon(connection.dialect.name))
        .order_by(activity_events.c.id.desc()).limit(limit * 5)
    ).mappings().all()
    return [dict(row) for row in rows if pin_label(row)][:limit]


def parse_cursor(value: Any) -> tuple[int, int] | None:
    """A cursor from the browser's store, or None when it is missing or malformed (→ reset)."""
    if not isinstance(value, dict):
        return None
    txid, last_id = value.get("txid"), value.get("id")
    parts = (txid, last_id)
    if not all(isinstance(part, int) and not isinstance(part, bool) and part >= 0 for part in parts):
        return None
    return txid, last_id


def cursor_of(event: dict) -> dict[str, int]:
    return {"txid": int(event["txid"]), "id": int(event["id"])}


def _next_txid(dialect: str) -> sa.ColumnElement:
    """The next transaction id to be assigned (the snapshot's xmax): reading it assigns none
    (``pg_current_xact_id()`` would, and a poll every few seconds per open tab would then burn
    millions of ids a day towards wraparound vacuums). SQLite has no transaction ids: NULL."""
    if dialect == "postgresql":
        return sa.literal_column("pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
    return sa.null()


def _is_stale(cursor: tuple[int, int], newest_id: int, next_txid: int | None) -> bool:
    """A cursor beyond anything this database has (e.g. after a restore) must be reset."""
    return cursor[1] > newest_id or (next_txid is not None and cursor[0] >= next_txid)
