"""The two sides of every warehouse read, the archive and the hot tail, and how they meet.

Events are immutable and carry the same ``id`` on both sides, so a read takes what each side
has, drops the rows both hold (archived but not yet pruned) and sorts. Reading the hot tail
first and the manifests second means a prune that runs in between cannot hide rows: whatever
the prune removed was committed to a manifest before it, and that manifest is then visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from warehouse.archive import DataFile
from warehouse.catalog import ArchiveCatalog
from warehouse.cursor import after_sql
from warehouse.duck import DuckGate
from warehouse.event_cache import EventCache
from warehouse.hot import HotTail, table_schema
from warehouse.scope import ALL_AMOS, LINKS, TenantScope, rule_of

STREAM_TABLES = {"activity": "activity_events", "audit": "audit_events"}


@dataclass
class Sources:
    """The archive catalog, the hot tail, the DuckDB gate and the event cache (if any) of one
    warehouse, and the tenant scope every read through them keeps to (both sides alike)."""

    catalog: ArchiveCatalog
    hot: HotTail
    gate: DuckGate
    cache: EventCache | None = None
    scope: TenantScope = ALL_AMOS

    def scoped(self, scope: TenantScope) -> Sources:
        """The same sources, reading only ``scope``'s rows."""
        return replace(self, hot=self.hot.scoped(scope), scope=scope)

    def scope_sql(self, table: str) -> str:
        """The scope's rule for ``table`` as a DuckDB condition with literal values ("true": unscoped).

        A child table's parents are looked up in the operational database, which holds every
        record (records are voided, never deleted).
        """
        amo_id = self.scope.amo_id
        if amo_id is None:
            return "true"
        rule = rule_of(table)
        if rule != "links":
            return f"{'id' if rule == 'amo' else 'amo_id'} = {int(amo_id)}"
        conditions = []
        for link in LINKS[table]:
            values = [int(value) for value in self.hot.values(link.parent, link.parent_column)]
            if values:
                conditions.append(f'"{link.column}" IN ({", ".join(map(str, values))})')
        return "(" + " OR ".join(conditions) + ")" if conditions else "false"

    def archive_rows(self, table: str, files: Sequence[DataFile], conditions: Sequence[str],
                     params: Sequence[Any], order_by: str, limit: int | None) -> pa.Table:
        """Rows of the archived ``table`` in ``files`` matching ``conditions``, in the archive schema."""
        schema = table_schema(table)
        if not files:
            return schema.empty_table()
        cursor = self.gate.cursor()
        source = self.catalog.scan(cursor, table, list(files))
        columns = ", ".join(f'"{name}"' for name in schema.names)
        where = " AND ".join([*conditions, self.scope_sql(table)])
        sql = f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return cursor.sql(sql, params=list(params)).to_arrow_table().cast(schema)

    def entity_rows(self, table: str, conditions: Sequence[str], params: Sequence[Any]) -> pa.Table:
        """Archived rows of ``table`` matching conditions on its entity columns, in no particular order.

        From the event cache's entity-sorted copy up to the cursor it covers, and from the archive
        files above it; every file when there is no cache. Callers merge with :func:`merge_events`.
        """
        files = self.catalog.files(table)
        found = None
        if self.cache is not None:  # archive_rows keeps to the scope itself; the cache is told here
            found = self.cache.lookup(table, [*conditions, self.scope_sql(table)], params)
        if found is None:
            return self.archive_rows(table, files, conditions, params, "id", None)
        cached, covered = found
        above = [f for f in files if tuple(f.last) > tuple(covered)]
        newer = self.archive_rows(table, above, [*conditions, after_sql(covered)], params, "id", None)
        return pa.concat_tables([cached, newer])


def merge_events(tables: Sequence[pa.Table], sort_keys: list[tuple[str, str]], limit: int | None) -> pa.Table:
    """Union of event rows from both sides: one row per ``id``, sorted, cut to ``limit``."""
    combined = pa.concat_tables(tables)
    if combined.num_rows == 0:
        return combined
    combined = combined.sort_by(sort_keys)
    ids = combined.column("id").to_pylist()
    seen: set[int] = set()
    keep = []
    for index, event_id in enumerate(ids):
        if event_id not in seen:
            seen.add(event_id)
            keep.append(index)
            if limit is not None and len(keep) == limit:
                break
    return combined.take(keep)
