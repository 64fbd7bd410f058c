"""Event filters shared by replay, history and the live feed, for both sides of the union.

One :class:`EventFilter` renders to SQLAlchemy clauses for the operational hot tail and to
parameterised DuckDB SQL for the archive, so both sides always filter alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from warehouse.errors import WarehouseError

_COMMON = ("amo_id", "department_id", "entity_type", "entity_id", "actor_user_id", "since", "until", "text")
ALLOWED = {"audit": (*_COMMON, "action"), "activity": (*_COMMON, "kind")}
_TEXT_COLUMN = {"audit": "reason", "activity": "summary"}
MAX_TEXT = 200


@dataclass(frozen=True)
class EventFilter:
    """Which events of a stream to return; every field is optional (None: no restriction).

    ``action`` (audit) and ``kind`` (activity) take one value or a list; ``since`` is inclusive
    and ``until`` exclusive (timezone-aware, or naive meaning UTC); ``text`` matches the activity
    summary or the audit reason, case-insensitively, as plain text (no wildcards).
    """

    stream: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def build(cls, stream: str, filters: Mapping[str, Any]) -> EventFilter:
        """Check the filter names and value types for ``stream``; a clear error for anything else."""
        allowed = ALLOWED[stream]
        values = []
        for name, value in sorted(filters.items()):
            if name not in allowed:
                raise WarehouseError(f"unknown {stream} filter {name!r}; use {', '.join(allowed)}")
            if value is None:
                continue
            values.append((name, _check(name, value)))
        return cls(stream, tuple(values))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def sa_clauses(self, table: sa.Table) -> list[sa.ColumnElement]:
        """The filter as SQLAlchemy clauses on the operational ``table``."""
        clauses = []
        for name, value in self.values:
            if name == "since":
                clauses.append(table.c.occurred_at >= value)
            elif name == "until":
                clauses.append(table.c.occurred_at < value)
            elif name == "text":
                pattern = "%" + _escape_like(value.lower()) + "%"
                clauses.append(sa.func.lower(table.c[_TEXT_COLUMN[self.stream]]).like(pattern, escape="\\"))
            elif isinstance(value, tuple):
                clauses.append(table.c[name].in_(value))
            else:
                clauses.append(table.c[name] == value)
        return clauses

    def duck_clauses(self) -> tuple[list[str], list[Any]]:
        """The filter as DuckDB SQL conditions with ``?`` parameters, and the parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        for name, value in self.values:
            if name == "since":
                clauses.append("occurred_at >= ?")
                params.append(value)
            elif name == "until":
                clauses.append("occurred_at < ?")
                params.append(value)
            elif name == "text":
                clauses.append(f"lower({_TEXT_COLUMN[self.stream]}) LIKE ? ESCAPE '\\'")
                params.append("%" + _escape_like(value.lower()) + "%")
            elif isinstance(value, tuple):
                clauses.append(f"{name} IN ({', '.join('?' for _ in value)})")
                params.extend(value)
            else:
                clauses.append(f"{name} = ?")
                params.append(value)
        return clauses, params


def _check(name: str, value: Any) -> Any:
    if name in ("amo_id", "department_id", "actor_user_id"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WarehouseError(f"filter {name} takes a whole number, not {value!r}")
        return value
    if name in ("since", "until"):
        if not isinstance(value, datetime):
            raise WarehouseError(f"filter {name} takes a datetime, not {value!r}")
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if name in ("action", "kind"):
        items = (value,) if isinstance(value, str) else tuple(value)
        if not items or not all(isinstance(item, str) and item for item in items):
            raise WarehouseError(f"filter {name} takes a non-empty text or a list of them")
        return items[0] if len(items) == 1 else items
    if not isinstance(value, str) or not value:
        raise WarehouseError(f"filter {name} takes a non-empty text, not {value!r}")
    if name == "text" and len(value) > MAX_TEXT:
        raise WarehouseError(f"filter text is longer than {MAX_TEXT} characters")
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
