"""Replay: events in cursor order from any point, across the archive and the hot tail.

The order is the extraction cursor ``(txid, id)`` (DESIGN.md "Extraction cursor"), the same the
ETL archives by, so a page is the first ``limit`` events after the cursor whichever side holds
them, with no gap and no duplicate however the ETL and the prune move rows between the sides.

A cursor that cannot be served, because it comes from another database cluster (a restore, a
fail-over, another site) or points beyond the newest event, gets an explicit reset: no events,
``reset=True`` and the latest cursor, so the client refetches what it shows instead of silently
missing events (the earlier system's "reset fallback and targeted refetch").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from warehouse.archive import DataFile
from warehouse.cursor import Position, ReplayCursor, after_sql, decode_replay, encode_replay
from warehouse.errors import WarehouseError
from warehouse.filters import EventFilter
from warehouse.hot import table_schema
from warehouse.schema import metadata
from warehouse.sources import STREAM_TABLES, Sources, merge_events

MAX_PAGE = 500
DECODED_FILES = 4  # an unfiltered page touching at most this many files reads them decoded in memory
START = Position(0, 0)


@dataclass(frozen=True)
class ReplayPage:
    """One page of replay: ``events`` (oldest first), the cursor to continue, and the reset flag."""

    events: pd.DataFrame
    next_cursor: str
    reset: bool


def check_stream_and_limit(stream: str, limit: int) -> str:
    """The event table of ``stream``; a clear error for an unknown stream or a bad page size."""
    if stream not in STREAM_TABLES:
        raise WarehouseError(f"unknown stream {stream!r}; use 'activity' or 'audit'")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise WarehouseError(f"limit must be a whole number from 1 to {MAX_PAGE}, not {limit!r}")
    return STREAM_TABLES[stream]


def replay(sources: Sources, stream: str, after: str | None = None, limit: int = MAX_PAGE,
           **filters: Any) -> ReplayPage:
    """The first ``limit`` events of ``stream`` after the cursor ``after`` (None: the oldest).

    Filters: see :class:`warehouse.filters.EventFilter`. With filters, ``next_cursor`` still
    moves past every event examined, so the next page continues where this one stopped.
    """
    table_name = check_stream_and_limit(stream, limit)
    event_filter = EventFilter.build(stream, filters)
    cluster = sources.hot.cluster_id()
    position = START
    if after is not None:
        cursor = decode_replay(after, stream)
        if cursor.cluster != cluster:
            return _reset(sources, stream, table_name, cluster)
        position = cursor.position
    table = metadata.tables[table_name]
    hot = sources.hot.events(
        table_name,
        [sa.tuple_(table.c.txid, table.c.id) > sa.tuple_(position.txid, position.id),
         *event_filter.sa_clauses(table)],
        [table.c.txid, table.c.id], limit)
    archived = _archive_page(sources, table_name, position, limit, event_filter)
    events = merge_events([hot, archived], [("txid", "ascending"), ("id", "ascending")], limit)
    if events.num_rows:
        position = Position(events.column("txid")[-1].as_py(), events.column("id")[-1].as_py())
    elif after is not None:
        # Only an empty page can come from a cursor beyond the newest event (an event after the
        # cursor means it is not), so a full page costs no query for the newest event.
        newest = newest_position(sources, table_name)
        if newest is None or position > newest:
            return _reset(sources, stream, table_name, cluster, newest)
    return ReplayPage(events.to_pandas(), encode_replay(ReplayCursor(stream, cluster, position)), False)


def newest_position(sources: Sources, table_name: str) -> Position | None:
    """The cursor of the newest event on either side (None when there is none)."""
    hot = sources.hot.newest(table_name)
    mark = sources.catalog.watermark(table_name)
    archived = Position(*mark) if mark and tuple(mark) != (0, 0) else None
    candidates = [p for p in (hot, archived) if p is not None]
    return max(candidates) if candidates else None


def latest_cursor(sources: Sources, stream: str) -> str:
    """A cursor at the newest event of ``stream``: replay from it returns only what comes next."""
    table_name = check_stream_and_limit(stream, 1)
    position = newest_position(sources, table_name) or START
    return encode_replay(ReplayCursor(stream, sources.hot.cluster_id(), position))


def _reset(sources: Sources, stream: str, table_name: str, cluster: str,
           newest: Position | None = None) -> ReplayPage:
    newest = newest or newest_position(sources, table_name) or START
    empty = table_schema(table_name).empty_table().to_pandas()
    return ReplayPage(empty, encode_replay(ReplayCursor(stream, cluster, newest)), True)


def _archive_page(sources: Sources, table_name: str, position: Position, limit: int,
                  event_filter: EventFilter) -> pa.Table:
    every_row = not event_filter.values and sources.scope.is_unscoped  # no row of the files left out
    files = _candidate_files(sources.catalog.files(table_name), position, limit, bounded=every_row)
    if every_row and len(files) <= DECODED_FILES:
        key = (position.txid, position.id)
        pages = [sources.catalog.decoded(table_name, f).after(key, limit) for f in files]
        schema = table_schema(table_name)
        pages = [page.select(schema.names).cast(schema) for page in pages] or [schema.empty_table()]
        return merge_events(pages, [("txid", "ascending"), ("id", "ascending")], limit)
    conditions = ["txid >= ?", after_sql((position.txid, position.id))]
    params: list[Any] = [position.txid]
    if position.txid == 0:  # SQLite (txid always 0) or the start: lets row-group stats on id prune
        conditions.append("id > ?")
        params.append(position.id)
    extra, extra_params = event_filter.duck_clauses()
    return sources.archive_rows(table_name, files, [*conditions, *extra], [*params, *extra_params],
                                "txid, id", limit)


def _candidate_files(files: list[DataFile], position: Position, limit: int, *,
                     bounded: bool) -> list[DataFile]:
    """Files that can hold one of the first ``limit`` events after ``position``.

    Files are sorted by their first cursor. Without filters, once whole files after the cursor
    hold ``limit`` rows, the page ends at or before the greatest last cursor among them, so
    files starting later cannot contribute.
    """
    key = (position.txid, position.id)
    after = [f for f in files if tuple(f.last) > key]
    if not bounded:
        return after
    counted = 0
    bound = None
    for data_file in after:
        if tuple(data_file.first) > key:
            counted += data_file.rows
            bound = max(bound or tuple(data_file.last), tuple(data_file.last))
            if counted >= limit:
                break
    if bound is None or counted < limit:
        return after
    return [f for f in after if tuple(f.first) <= bound]
