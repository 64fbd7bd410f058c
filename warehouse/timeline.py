"""Entity timelines and point-in-time state, from the audit trail on both sides of the archive.

By the audit contract, every change of a record writes an audit event whose ``after`` is the
full row image after the change; so the record's state at time T is the ``after`` of its latest
audit event at or before T.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from warehouse.errors import WarehouseError
from warehouse.schema import metadata
from warehouse.sources import Sources, merge_events

_AUDIT_COLUMNS = ["occurred_at", "id", "event_id", "action", "actor_user_id", "actor_role", "entity_version",
                  "workflow_phase", "changed_fields", "before", "after", "reason", "signature_meaning",
                  "outcome"]
_ACTIVITY_COLUMNS = ["occurred_at", "id", "event_id", "kind", "actor_user_id", "summary", "department_id"]


def _entity_events(sources: Sources, table_name: str, entity_type: str, entity_id: str,
                   until: datetime | None = None) -> pa.Table:
    table = metadata.tables[table_name]
    where = [table.c.entity_type == entity_type, table.c.entity_id == entity_id]
    conditions, params = ["entity_type = ?", "entity_id = ?"], [entity_type, entity_id]
    if until is not None:
        where.append(table.c.occurred_at <= until)
        conditions.append("occurred_at <= ?")
        params.append(until)
    hot = sources.hot.events(table_name, where, [table.c.occurred_at, table.c.id], None)
    archived = sources.entity_rows(table_name, conditions, params)
    return merge_events([hot, archived], [("occurred_at", "ascending"), ("id", "ascending")], None)


def _check_entity(entity_type: str, entity_id: Any) -> str:
    if not isinstance(entity_type, str) or not entity_type:
        raise WarehouseError("entity_type must be a table name such as 'cars'")
    if entity_id is None or str(entity_id) == "":
        raise WarehouseError("entity_id must be given")
    return str(entity_id)


def timeline(sources: Sources, entity_type: str, entity_id: Any) -> pd.DataFrame:
    """Every audit and activity event of one record, oldest first.

    Columns: ``stream`` ("audit" or "activity"), ``occurred_at``, ``id``, ``event_id``, ``action`` (audit) or
    ``kind`` (activity), ``actor_user_id``, ``summary`` / ``reason``, ``entity_version``,
    ``workflow_phase``, ``changed_fields``, ``before`` and ``after`` (dicts: the record's state
    after the event), ``signature_meaning`` and ``outcome``.

    >>> wh.timeline("cars", 42)[["occurred_at", "action", "workflow_phase"]]   # doctest: +SKIP
    """
    entity_id = _check_entity(entity_type, entity_id)
    audit = _entity_events(sources, "audit_events", entity_type, entity_id).select(_AUDIT_COLUMNS)
    activity = _entity_events(sources, "activity_events", entity_type, entity_id).select(_ACTIVITY_COLUMNS)
    frames = []
    if audit.num_rows:
        frame = audit.to_pandas()
        for column in ("changed_fields", "before", "after"):
            frame[column] = frame[column].map(_parse_json)
        frame.insert(0, "stream", "audit")
        frames.append(frame)
    if activity.num_rows:
        frame = activity.to_pandas()
        frame.insert(0, "stream", "activity")
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["stream", *dict.fromkeys(_AUDIT_COLUMNS + _ACTIVITY_COLUMNS)])
    result = pd.concat(frames, ignore_index=True)
    return result.sort_values(["occurred_at", "stream", "id"], kind="stable").reset_index(drop=True)


def as_of(sources: Sources, entity_type: str, entity_id: Any, when: datetime) -> dict[str, Any] | None:
    """The record as it was at ``when``: the ``after`` image of its latest audit event by then.

    None if the record did not exist yet (no audit event with an image at or before ``when``).

    >>> wh.as_of("cars", 42, datetime(2025, 6, 30, tzinfo=UTC))["status"]   # doctest: +SKIP
    """
    entity_id = _check_entity(entity_type, entity_id)
    if not isinstance(when, datetime):
        raise WarehouseError(f"when must be a datetime, not {when!r}")
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    events = _entity_events(sources, "audit_events", entity_type, entity_id, until=when)
    for after in reversed(events.column("after").to_pylist()):
        if after is not None:
            return _parse_json(after)
    return None


def _parse_json(text: str | None) -> Any:
    # pandas gives NaN, not None, for a null in an object column
    return None if text is None or (isinstance(text, float) and pd.isna(text)) else json.loads(text)
