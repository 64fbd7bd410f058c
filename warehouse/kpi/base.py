"""The KPI machinery: a registry of versioned definitions and the tables they read.

A KPI is a function ``(ctx, *, amo_id, department_id) -> DataFrame`` registered with
:func:`kpi`, which records its department, title, definition version (bump the version
whenever the formula changes: a figure reproduced for a past date names the definition used)
and its headline figure (:class:`warehouse.kpi.headline.Headline`, what its card shows).

:class:`KpiContext` gives the SQL of a KPI its record tables as DuckDB views: the current rows
from the operational database, or, with ``as_of``, each record's state at that moment rebuilt
from the audit trail (the ``after`` image of its latest audit event by then, archive ∪ hot tail).
``ctx.today`` and ``ctx.now`` are the as-of moment, so "overdue" means overdue then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from warehouse.cursor import after_sql, up_to_sql
from warehouse.event_cache import CACHED_TABLES
from warehouse.hot import table_schema
from warehouse.kpi.headline import Headline
from warehouse.schema import APPEND_ONLY_TABLES, metadata
from warehouse.scope import ALL_AMOS
from warehouse.sources import Sources, merge_events

KpiFunction = Callable[..., pd.DataFrame]
Dept = int | None  # a department id, or None for the whole AMO
Frame = pd.DataFrame


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    department: str  # QUAL, SAFE, REL, ENG, PLAN, PROD, STOR, WKSP, ADMIN
    version: int
    title: str
    function: KpiFunction
    headline: Headline


REGISTRY: dict[str, KpiDefinition] = {}


def kpi(department: str, version: int, title: str, *,
        headline: Headline) -> Callable[[KpiFunction], KpiFunction]:
    """Register a KPI function under its own name, with the headline figure its card shows."""

    def register(function: KpiFunction) -> KpiFunction:
        if function.__name__ in REGISTRY:
            raise ValueError(f"KPI {function.__name__} is defined twice")
        REGISTRY[function.__name__] = KpiDefinition(function.__name__, department, version, title, function,
                                                    headline)
        return function

    return register


def as_of_moment(as_of: datetime | date | None) -> datetime | None:
    """The moment an ``as_of`` means: a date is the whole of that day, a naive time is UTC."""
    if isinstance(as_of, date) and not isinstance(as_of, datetime):
        return datetime.combine(as_of, time.max, UTC)
    if as_of is not None and as_of.tzinfo is None:
        return as_of.replace(tzinfo=UTC)
    return as_of


_DUCK_TYPES = {pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.float64(): "DOUBLE", pa.date32(): "DATE",
               pa.string(): "VARCHAR"}


class KpiContext:
    """Record tables as DuckDB views on this thread's cursor, current or as of a moment."""

    def __init__(self, sources: Sources, as_of: datetime | date | None = None, *,
                 now: datetime | None = None) -> None:
        self.sources = sources
        self.as_of = as_of = as_of_moment(as_of)
        self.now = as_of or now or datetime.now(UTC)  # ``now``: the warehouse's clock
        self.today = self.now.astimezone(UTC).date()
        self.cursor = sources.gate.cursor()
        self._loaded: set[str] = set()  # Arrow tables registered on the cursor
        self._views: set[str] = set()  # temporary views created on the cursor
        self._tables: dict[str, pa.Table] = {}  # record tables loaded, as registered

    def __enter__(self) -> KpiContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name in self._views:
            self.cursor.execute(f'DROP VIEW IF EXISTS "{name}"')
        for name in self._loaded:
            self.cursor.unregister(name)
        self._views.clear()
        self._loaded.clear()
        self._tables.clear()

    def query(self, sql: str, params: dict[str, Any] | None = None, *,
              tables: tuple[str, ...]) -> pd.DataFrame:
        """Run ``sql`` with ``tables`` available under their own names; ``$now``/``$today`` are bound."""
        for name in tables:
            self._load(name)
        values = {"now": self.now, "today": self.today, **(params or {})}
        used = {key: value for key, value in values.items() if f"${key}" in sql}
        return self.cursor.sql(sql, params=used).df()

    def _load(self, name: str) -> None:
        if name in self._loaded or name in self._views:
            return
        if name in APPEND_ONLY_TABLES:
            self._event_view(name)
            return
        if self.as_of is None or "row_version" not in metadata.tables[name].c:
            rows = self.sources.hot.records(name)  # current rows of the scope, or a day-keyed table
        else:
            rows = self._rebuild(name)
            keep = self.sources.scope.arrow_filter(name, rows.schema.names, self._parent_values)
            rows = rows if keep is None else rows.filter(keep)
        self._tables[name] = rows
        self.cursor.register(name, rows)
        self._loaded.add(name)

    def _parent_values(self, parent: str, column: str) -> pa.Array:
        """The values of ``column`` in the scope's rows of the record table ``parent`` (as of the moment)."""
        self._load(parent)
        return self._tables[parent].column(column).unique()

    def _event_view(self, name: str) -> None:
        """Events and ledgers: a view of the archived rows ∪ the hot rows above the watermark.

        DuckDB scans the Parquet files itself (filters and aggregates pushed into the scan), so
        a KPI over millions of archived events never copies them; with the event cache, the
        department-sorted copy up to the cursor it covers replaces the files below it, so a
        department's KPI reads only that department's row groups. The hot tail is read first
        and the manifests second; hot rows already archived are left out by the newer watermark.
        """
        catalog = self.sources.catalog
        table = metadata.tables[name]
        before = catalog.watermark(name) or (0, 0)
        newer = sa.tuple_(table.c.txid, table.c.id) > sa.tuple_(*before)
        hot = self.sources.hot.events(name, [newer], [], None)
        mark = tuple(catalog.watermark(name) or (0, 0))
        files = [f for f in catalog.files(name) if tuple(f.first) <= mark]  # later batches: still hot
        hot_name = f"_hot_{name}"
        self.cursor.register(hot_name, hot)
        self._loaded.add(hot_name)
        columns = ", ".join(f'"{column}"' for column in hot.schema.names)
        scope = self.sources.scope_sql(name)  # the hot rows are read in scope already
        archived, above = "", f" WHERE {scope}"
        copy = self.sources.cache.scope_copy(name) if self.sources.cache and name in CACHED_TABLES else None
        if copy is not None:  # the department-sorted copy up to its cursor, the archive files above it
            copied, covered = copy
            low = min(tuple(covered), mark)
            archived = f"SELECT {columns} FROM {copied} WHERE {up_to_sql(low)} AND {scope} UNION ALL "
            files = [f for f in files if tuple(f.last) > low]
            above = f" WHERE {after_sql(low)} AND {scope}"
        if files:
            source = catalog.scan(self.cursor, name, files)
            if source.isidentifier():  # a registered dataset (object store), not a read_parquet call
                self._loaded.add(source)
            archived += f"SELECT {columns} FROM {source}{above} UNION ALL "
        self.cursor.execute(
            f'CREATE OR REPLACE TEMP VIEW "{name}" AS {archived}SELECT {columns} FROM {hot_name} '
            f"WHERE {after_sql(mark)}")
        self._views.add(name)

    def _rebuild(self, name: str) -> pa.Table:
        """The rows of ``name`` as they were at ``as_of``, from the audit trail's ``after`` images."""
        audit = metadata.tables["audit_events"]
        where = [audit.c.entity_type == name, audit.c.occurred_at <= self.as_of, audit.c.after.is_not(None)]
        every_amo = self.sources.scoped(ALL_AMOS)  # images of every AMO; _load keeps the scope's rows
        hot = every_amo.hot.events("audit_events", where, [], None)
        archived = every_amo.entity_rows(
            "audit_events", ["entity_type = ?", "occurred_at <= ?", "after IS NOT NULL"], [name, self.as_of])
        events = merge_events([hot, archived], [("id", "ascending")], None).select(
            ["entity_id", "occurred_at", "id", "after"])
        schema = table_schema(name)
        relaxed = pa.schema([field.with_nullable(True) for field in schema])  # images may lack a field
        if events.num_rows == 0:  # no record existed by then
            return relaxed.empty_table()
        columns = []
        json_columns = {c.name for c in metadata.tables[name].columns if isinstance(c.type, sa.JSON)}
        for field in schema:
            path = f"'$.{field.name}'"
            if field.name in json_columns:
                value = f"json_extract(after, {path})::VARCHAR"
            elif pa.types.is_timestamp(field.type):
                value = f"json_extract_string(after, {path})::TIMESTAMPTZ"
            else:
                value = f"json_extract_string(after, {path})::{_DUCK_TYPES[field.type]}"
            columns.append(f'{value} AS "{field.name}"')
        view = f"_audit_images_{name}"
        self.cursor.register(view, events)
        try:
            sql = (f"SELECT {', '.join(columns)} FROM (SELECT after, row_number() OVER ("
                   f"PARTITION BY entity_id ORDER BY occurred_at DESC, id DESC) AS newest FROM {view}) "
                   "WHERE newest = 1")
            return self.cursor.sql(sql).to_arrow_table().cast(relaxed)
        finally:
            self.cursor.unregister(view)
