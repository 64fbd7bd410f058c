"""History: keyset pages of activity or audit events, newest or oldest first.

Pages are ordered by ``(occurred_at, id)``, so the order is stable and a page boundary never
drops or repeats an event, even while new events arrive. Each page returns the cursors of the
following and the preceding page. A fingerprint (like an HTTP ETag) summarises the events that
match the filters; a poller that sends it back pays one indexed count when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from warehouse.archive import DataFile
from warehouse.cursor import HistoryCursor, decode_history, encode_history
from warehouse.errors import CursorError, WarehouseError
from warehouse.filters import EventFilter
from warehouse.hot import table_schema
from warehouse.replay import MAX_PAGE, check_stream_and_limit
from warehouse.schema import metadata
from warehouse.sources import Sources, merge_events

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class HistoryPage:
    """A page of events in display order, the cursors around it and the result's fingerprint."""

    events: pd.DataFrame
    next_page: str | None  # continues past the last row (older rows when newest first)
    previous_page: str | None  # goes back before the first row; None on the first page
    fingerprint: str
    not_modified: bool = False


def fingerprint(sources: Sources, stream: str, **filters: Any) -> str:
    """16 hex digits that change when an event matching ``filters`` is added to ``stream``.

    Made of the hot tail's matching count and greatest id (one indexed query) and the newest
    archive batch; a prune or an archive batch may change it without a matching change, never
    the other way round.
    """
    table_name = check_stream_and_limit(stream, 1)
    event_filter = EventFilter.build(stream, filters)
    table = metadata.tables[table_name]
    count, newest = sources.hot.count(table_name, event_filter.sa_clauses(table))
    chain = sources.catalog.chain(table_name)
    batches = [stored.manifest.seq for stored in chain if stored.manifest.row_count]
    text = json.dumps([stream, sorted(event_filter.as_dict().items(), key=str), count, newest,
                       batches[-1] if batches else 0], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def history(sources: Sources, stream: str, *, page: str | None = None, limit: int = 100,
            newest_first: bool = True, if_none_match: str | None = None, **filters: Any) -> HistoryPage:
    """One page of ``stream``'s history; ``page`` is a cursor from a previous page (None: the first).

    ``limit`` is at most 500. Filters as for replay, with ``text`` a case-insensitive search in
    the activity summary (or the audit reason).
    """
    table_name = check_stream_and_limit(stream, limit)
    event_filter = EventFilter.build(stream, filters)
    current = fingerprint(sources, stream, **filters)
    if if_none_match is not None and if_none_match == current:
        return HistoryPage(table_schema(table_name).empty_table().to_pandas(), None, None, current, True)
    cluster = sources.hot.cluster_id()
    cursor = decode_history(page, stream) if page is not None else None
    if cursor is not None:
        if cursor.cluster != cluster:
            raise CursorError("this page cursor comes from another database; start again from the first page")
        if cursor.newest_first != newest_first:
            raise CursorError("this page cursor was made for the other sort order; start again")
    backwards = cursor is not None and cursor.direction == "before"
    descending = newest_first != backwards  # the order the rows are fetched in
    key = (cursor.occurred_us, cursor.id) if cursor else None
    rows = _fetch(sources, table_name, event_filter, key, descending, limit + 1)
    more = rows.num_rows > limit
    rows = rows.slice(0, limit)
    if backwards:
        rows = rows.take(list(range(rows.num_rows - 1, -1, -1)))
    first, last = (_key(rows, 0), _key(rows, rows.num_rows - 1)) if rows.num_rows else (None, None)

    def make(direction: str, at: tuple[int, int] | None) -> str | None:
        if at is None:
            return None
        return encode_history(HistoryCursor(stream, cluster, direction, newest_first, at[0], at[1]))

    if backwards:
        next_page, previous_page = make("after", last), make("before", first) if more else None
    else:
        next_page = make("after", last) if more else None
        previous_page = make("before", first) if cursor is not None else None
    return HistoryPage(rows.to_pandas(), next_page, previous_page, current)


def all_events(sources: Sources, stream: str, *, max_events: int, **filters: Any) -> pd.DataFrame:
    """Every event of ``stream`` matching ``filters``, oldest first: history pages read to the end.

    More than ``max_events`` is an error naming the cap, not a silent cut: an investigation that
    shows part of a window would read as if the rest never happened.
    """
    if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
        raise WarehouseError(f"max_events must be a whole number above 0, not {max_events!r}")
    pages, found, cursor = [], 0, None
    while True:
        page = history(sources, stream, page=cursor, limit=MAX_PAGE, newest_first=False, **filters)
        pages.append(page.events)
        found += len(page.events)
        if found > max_events:
            raise WarehouseError(f"more than {max_events} {stream} events match; narrow the window or the "
                                 "filters, or raise max_events")
        if page.next_page is None:
            return pd.concat(pages, ignore_index=True) if len(pages) > 1 else pages[0]
        cursor = page.next_page


def _fetch(sources: Sources, table_name: str, event_filter: EventFilter, key: tuple[int, int] | None,
           descending: bool, limit: int) -> pa.Table:
    table = metadata.tables[table_name]
    where = event_filter.sa_clauses(table)
    conditions, params = event_filter.duck_clauses()
    if key is not None:
        when = datetime.fromtimestamp(key[0] / 1_000_000, UTC)
        pair = sa.tuple_(table.c.occurred_at, table.c.id)
        bound = sa.tuple_(sa.literal(when, table.c.occurred_at.type), sa.literal(key[1]))
        where.append(pair < bound if descending else pair > bound)
        op = "<" if descending else ">"
        conditions.append(f"(occurred_at {op} ? OR (occurred_at = ? AND id {op} ?))")
        params += [when, when, key[1]]
    direction = "desc" if descending else "asc"
    hot = sources.hot.events(table_name, where,
                             [getattr(table.c.occurred_at, direction)(), getattr(table.c.id, direction)()],
                             limit)
    files = _month_files(sources.catalog.files(table_name), event_filter, key, descending)
    # Months are disjoint time ranges: read them in page order and stop once the page is full.
    months = sorted({f.partition for f in files}, reverse=descending)
    archived, found = [], 0
    for month in months:
        in_month = [f for f in files if f.partition == month]
        rows = sources.archive_rows(table_name, in_month, conditions, params,
                                    f"occurred_at {direction}, id {direction}", limit)
        archived.append(rows)
        found += rows.num_rows
        if found >= limit:
            break
    order = "descending" if descending else "ascending"
    return merge_events([hot, *archived], [("occurred_at", order), ("id", order)], limit)


def _month_files(files: list[DataFile], event_filter: EventFilter, key: tuple[int, int] | None,
                 descending: bool) -> list[DataFile]:
    """Files whose month can hold rows on the far side of ``key`` and inside since/until."""
    low, high = "0000-00", "9999-99"
    filters = event_filter.as_dict()
    if "since" in filters:
        low = filters["since"].astimezone(UTC).strftime("%Y-%m")
    if "until" in filters:
        high = filters["until"].astimezone(UTC).strftime("%Y-%m")
    if key is not None:
        month = datetime.fromtimestamp(key[0] / 1_000_000, UTC).strftime("%Y-%m")
        high, low = (min(high, month), low) if descending else (high, max(low, month))
    return [f for f in files if low <= f.partition <= high]


def _key(rows: pa.Table, index: int) -> tuple[int, int]:
    occurred = rows.column("occurred_at")[index].as_py()
    micros = (occurred - _EPOCH) // timedelta(microseconds=1)
    return micros, rows.column("id")[index].as_py()
