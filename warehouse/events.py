"""The event-log writer: audit and activity events, written in the caller's transaction.

Every change to a record goes with its ``audit_events`` row (who, what, before and after, why)
and, where a department should see it, an ``activity_events`` row, in the same transaction, so
the event history never disagrees with the tables.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from warehouse.schema import activity_events, audit_events

AUDIT_ACTIONS = frozenset({
    "CREATE", "UPDATE", "STATE_CHANGE", "VOID", "SIGN", "VIEW", "EXPORT", "DOWNLOAD",
    "LOGIN", "LOGIN_FAILED", "LOGOUT", "LOCKOUT", "PASSWORD_RESET_REQUEST", "PASSWORD_RESET",
    "PASSWORD_CHANGE", "AUTHZ_DENIED", "INPUT_REJECTED", "CONSOLE_QUERY",
    "ADMIN_DISABLE", "ADMIN_ENABLE", "ADMIN_REVOKE", "ADMIN_RESET", "ADMIN_NOTIFY",
    "ADMIN_SCHEDULE", "ADMIN_CANCEL_SCHEDULE", "ADMIN_SET_ROLE", "ADMIN_CREATE_USER",
})


def uuid7(at: datetime | None = None) -> str:
    """A UUIDv7 string (RFC 9562): time-ordered, so ids sort like the events they name."""
    millis = int((at.timestamp() if at else time.time()) * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=(millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b))


@dataclass(frozen=True)
class RequestContext:
    """Who acts and from where; passed down from the web request, the CLI or a system job."""

    actor_user_id: int | None = None
    actor_role: str | None = None
    auth_method: str = "SYSTEM"
    session_id: str | None = None
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    on_behalf_of: int | None = None


SYSTEM = RequestContext()


def record_audit(
    connection: Connection,
    context: RequestContext,
    action: str,
    *,
    amo_id: int | None,
    entity_type: str | None = None,
    entity_id: Any = None,
    entity_version: int | None = None,
    workflow_phase: str | None = None,
    department_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
    outcome: str = "SUCCESS",
    signature_meaning: str | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """Insert one audit event in the caller's transaction and return its ``event_id``.

    ``changed_fields`` is derived from ``before`` and ``after`` so it cannot disagree with them.
    ``occurred_at`` is the database clock unless a generator replays history.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event_id = uuid7(occurred_at)
    row = {
        "event_id": event_id,
        "amo_id": amo_id,
        "actor_user_id": context.actor_user_id,
        "actor_role": context.actor_role,
        "on_behalf_of": context.on_behalf_of,
        "auth_method": context.auth_method,
        "session_id": context.session_id,
        "request_id": context.request_id,
        "ip": context.ip,
        "user_agent": context.user_agent,
        "action": action,
        "outcome": outcome,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "entity_version": entity_version,
        "workflow_phase": workflow_phase,
        "department_id": department_id,
        "changed_fields": changed_fields(before, after),
        "before": _jsonable(before),
        "after": _jsonable(after),
        "reason": reason,
        "signature_meaning": signature_meaning,
    }
    if occurred_at is not None:
        row["occurred_at"] = occurred_at
    connection.execute(audit_events.insert(), row)
    return event_id


def record_activity(
    connection: Connection,
    *,
    amo_id: int,
    kind: str,
    summary: str,
    department_id: int | None = None,
    entity_type: str | None = None,
    entity_id: Any = None,
    actor_user_id: int | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """Insert one activity-feed event in the caller's transaction and return its ``event_id``."""
    event_id = uuid7(occurred_at)
    row = {
        "event_id": event_id,
        "amo_id": amo_id,
        "department_id": department_id,
        "kind": kind,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "summary": summary,
        "actor_user_id": actor_user_id,
    }
    if occurred_at is not None:
        row["occurred_at"] = occurred_at
    connection.execute(activity_events.insert(), row)
    return event_id


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str] | None:
    """Names of the fields the change touched (sorted).

    ``before`` holds the previous values of the changed fields only (the audit contract), so
    those are its keys whose value differs in ``after``; on a CREATE (no ``before``) every field
    of ``after`` is new.
    """
    if before is None and after is None:
        return None
    if before is None:
        return sorted(after)
    after = after or {}
    return sorted(key for key in before if before[key] != after.get(key))


def _jsonable(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Dates and decimals as ISO strings / floats so the JSON column takes them on both dialects."""
    if image is None:
        return None
    result = {}
    for key, value in image.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | int | float | str | list | dict):
            value = str(value)
        result[key] = value
    return result
