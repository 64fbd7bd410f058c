"""Writing records from the live simulator: each insert or update with its audit and activity events.

Every change reads the current state, writes the record and records its events through
``warehouse.events`` in the same transaction, stamped with the simulated clock's time ``at``
(record timestamps and event times alike, so durations follow simulated time). The record's
``row_version`` and ``updated_at/by`` move as the audit-event contract expects.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse import schema as s
from warehouse.events import RequestContext, record_activity, record_audit


def record_image(row: Any) -> dict[str, Any]:
    """The audit ``after`` image: every column but the extraction cursors the database assigns."""
    return {key: value for key, value in row._mapping.items() if key not in ("txid", "change_txid")}


def aware(moment: datetime) -> datetime:
    """A time read back from the database, in UTC (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pick_row(connection: Connection, query: sa.Select, rng: random.Random) -> Any:
    """A random row of ``query`` (among its first hundred), or None."""
    rows = connection.execute(query.limit(100)).all()
    return rng.choice(rows) if rows else None


def actor_in(connection: Connection, rng: random.Random, amo_id: int, dept_code: str) -> RequestContext:
    query = (
        sa.select(s.users.c.id, s.roles.c.code)
        .join(s.roles)
        .join(s.departments, s.departments.c.id == s.users.c.department_id)
        .where(s.users.c.amo_id == amo_id, s.departments.c.code == dept_code, s.users.c.is_active)
    )
    user = pick_row(connection, query, rng)
    return RequestContext(actor_user_id=user.id, actor_role=user.code, auth_method="SESSION")


def department_of(connection: Connection, amo_id: int, code: str) -> int:
    return connection.execute(
        sa.select(s.departments.c.id).where(s.departments.c.amo_id == amo_id, s.departments.c.code == code)
    ).scalar_one()


def insert(
    connection: Connection,
    context: RequestContext,
    table: sa.Table,
    values: dict[str, Any],
    *,
    at: datetime,
    amo_id: int,
    department_id: int | None,
    activity: tuple[str, str] | None = None,
) -> Any:
    """Insert a record at ``at`` with its CREATE audit event (and activity event); returns the new row."""
    if "created_by" in table.c:
        values = {**values, "created_by": context.actor_user_id, "updated_by": context.actor_user_id}
    if "created_at" in table.c:
        values = {**values, "created_at": at, "updated_at": at}
    row = connection.execute(table.insert().values(values).returning(*table.c)).one()
    record_audit(
        connection,
        context,
        "CREATE",
        amo_id=amo_id,
        entity_type=table.name,
        entity_id=row.id,
        entity_version=row._mapping.get("row_version"),
        department_id=department_id,
        workflow_phase=row._mapping.get("status"),
        after=record_image(row),
        occurred_at=at,
    )
    _announce(connection, context, table, row.id, amo_id, department_id, activity, at)
    return row


def update(
    connection: Connection,
    context: RequestContext,
    table: sa.Table,
    row: Any,
    changes: dict[str, Any],
    *,
    at: datetime,
    amo_id: int,
    department_id: int | None,
    action: str = "UPDATE",
    signature: str | None = None,
    activity: tuple[str, str] | None = None,
) -> Any:
    """Apply ``changes`` to ``row`` at ``at`` (bumping its version) with the matching audit event."""
    before = {key: row._mapping[key] for key, value in changes.items() if row._mapping[key] != value}
    new = connection.execute(
        table.update()
        .where(table.c.id == row.id)
        .values(
            **changes,
            row_version=table.c.row_version + 1,
            updated_at=at,
            updated_by=context.actor_user_id,
        )
        .returning(*table.c)
    ).one()
    record_audit(
        connection,
        context,
        action,
        amo_id=amo_id,
        entity_type=table.name,
        entity_id=row.id,
        entity_version=new.row_version,
        department_id=department_id,
        before=before,
        after=record_image(new),
        workflow_phase=new._mapping.get("status") if action in ("STATE_CHANGE", "SIGN") else None,
        signature_meaning=signature,
        occurred_at=at,
    )
    _announce(connection, context, table, row.id, amo_id, department_id, activity, at)
    return new


def _announce(
    connection: Connection,
    context: RequestContext,
    table: sa.Table,
    row_id: int,
    amo_id: int,
    department_id: int | None,
    activity: tuple[str, str] | None,
    at: datetime,
) -> None:
    """The change's activity-feed event, when it has one: (kind, summary)."""
    if activity:
        record_activity(
            connection,
            amo_id=amo_id,
            department_id=department_id,
            kind=activity[0],
            summary=activity[1],
            entity_type=table.name,
            entity_id=row_id,
            actor_user_id=context.actor_user_id,
            occurred_at=at,
        )


def certifier(
    connection: Connection,
    rng: random.Random,
    amo_id: int,
    at: datetime,
    *,
    crs: bool = False,
    besides: int | None = None,
) -> RequestContext | None:
    """A person of the AMO holding an authorisation in force at ``at`` (a CRS one with ``crs``),
    other than ``besides``: who may sign a task card, an inspection or a release."""
    a = s.staff_authorisations
    query = (
        sa.select(s.users.c.id, s.roles.c.code)
        .join(s.roles)
        .join(a, a.c.user_id == s.users.c.id)
        .where(
            s.users.c.amo_id == amo_id,
            s.users.c.is_active,
            a.c.voided_at.is_(None),
            a.c.status == "valid",
            a.c.issued_at <= at,
            a.c.expires_at > at,
            a.c.auth_type.like("CRS%") if crs else a.c.auth_type != "AUDITOR",
        )
    )
    if besides is not None:
        query = query.where(s.users.c.id != besides)
    user = pick_row(connection, query.distinct(), rng)
    return (
        None
        if user is None
        else RequestContext(actor_user_id=user.id, actor_role=user.code, auth_method="SESSION")
    )
