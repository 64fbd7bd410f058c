"""The event cache: local copies of the archived events, sorted for the reads that need them.

The archive is sorted by cursor and partitioned by month. Two reads find nothing to skip in it:

* a timeline: one record's events lie in every month, so the read scanned the
  ``entity_type``/``entity_id`` columns of every file;
* a department KPI: every row group holds every department, so a KPI over 12 months scanned
  half the archive to keep a ninth of it.

The cache is a DuckDB database file (setting ``warehouse_cache_dir``) attached to the
warehouse's DuckDB. It holds two copies of ``audit_events`` and ``activity_events``: one sorted
by ``(entity_type, entity_id)``, one by ``(amo_id, department_id, occurred_at)``; DuckDB's
row-group statistics then skip everything but the record's or the department's rows.

It is derived and rebuildable, and correctness never depends on it:

* each copy covers its table up to the cursor of one manifest; readers take the rows above that
  cursor from the archive files themselves, so a copy that is behind only costs speed;
* a refresh reads only the files holding rows above that cursor (manifests are append-only and
  a compaction rewrites files without changing rows); refreshes run in a background thread;
* if the manifest a copy was refreshed to has changed (another archive at that place) or the
  cache layout changed, the copy is rebuilt from the archive;
* when the file cannot be opened (another process holds its lock) or is unreadable, reads fall
  back to the archive scan and opening is retried later.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.catalog import ArchiveCatalog
from warehouse.cursor import after_sql, up_to_sql
from warehouse.duck import DuckGate
from warehouse.hot import table_schema

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the cache layout changes: an older cache is then rebuilt
DATABASE = "event_cache"  # the name the cache file is attached under
RETRY_SECONDS = 60.0  # after a failed open or refresh, how long reads use the archive alone
# Rows appended by refreshes sit after the sorted rows, where a lookup must scan them; past this
# share of the table (and at least RESORT_MIN_ROWS) the table is sorted again.
RESORT_SHARE = 0.05
RESORT_MIN_ROWS = 250_000
# Small row groups: a lookup reads one (3.2 ms at DuckDB's default of 122,880 rows, 1.5 ms at this size).
ROW_GROUP_ROWS = 16_384

Cursor = tuple[int, int]


@dataclass(frozen=True)
class SortedCopy:
    """One cached copy: its table in the cache, the archived table it copies, its sort key."""

    name: str
    table: str
    order: str


CACHED_TABLES = ("audit_events", "activity_events")
COPIES = tuple(
    SortedCopy(f"{table}_by_{kind}", table, order)
    for table in CACHED_TABLES
    for kind, order in (("entity", "entity_type, entity_id, txid, id"),
                        ("scope", "amo_id, department_id, occurred_at, id"))
)


@dataclass(frozen=True)
class CacheState:
    """How far the cached copy of a table reaches: every archived row up to ``cursor``."""

    seq: int  # the manifest it was refreshed to
    sha256: str  # that manifest's hash: a different archive at the same place shows here
    cursor: Cursor
    rows: int
    unsorted_rows: int  # appended after the last full sort


class EventCache:
    """The sorted local copies of one archive's event tables, attached to the DuckDB gate."""

    def __init__(self, folder: str | Path, archive_identity: str, catalog: ArchiveCatalog,
                 gate: DuckGate) -> None:
        digest = hashlib.sha256(archive_identity.encode()).hexdigest()[:16]
        self.path = Path(folder) / f"events-{digest}.duckdb"
        self.catalog = catalog
        self.gate = gate
        self._lock = threading.Lock()  # attaching, and starting the refresh thread
        self._refresh_lock = threading.Lock()
        self._attached = False
        self._closed = False
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._writer: duckdb.DuckDBPyConnection | None = None

    def lookup(self, table: str, conditions: Sequence[str],
               params: Sequence[Any]) -> tuple[pa.Table, Cursor] | None:
        """Cached rows of ``table`` matching ``conditions`` and the cursor up to which they are complete.

        None when the cache is unavailable. A cache behind the archive starts a background refresh.
        """
        if not self._attach():
            return None
        name = f"{table}_by_entity"
        cursor = self.gate.cursor()
        schema = table_schema(table)
        columns = ", ".join(f'"{column}"' for column in schema.names)
        where = " AND ".join(conditions) if conditions else "true"
        _run(cursor, "BEGIN TRANSACTION")  # the state and the rows from one snapshot
        try:
            state = _read_state(cursor, name)
            rows = None
            if state is not None:
                rows = cursor.sql(f'SELECT {columns} FROM {DATABASE}."{name}" WHERE {where}',
                                  params=list(params)).to_arrow_table()
        finally:
            _run(cursor, "COMMIT")
        if not self._current(table, state):
            return None
        return rows.cast(schema), state.cursor

    def scope_copy(self, table: str) -> tuple[str, Cursor] | None:
        """The department-sorted copy of ``table`` as a table name for SQL, and the cursor it covers.

        Rows above that cursor must come from the archive files. Rows appended later by a
        refresh are above it too: a query over the copy keeps to ``(txid, id) <= cursor``.
        None when the cache is unavailable or the copy not built yet.
        """
        if not self._attach():
            return None
        name = f"{table}_by_scope"
        state = _read_state(self.gate.cursor(), name)
        if not self._current(table, state):
            return None
        return f'{DATABASE}."{name}"', state.cursor

    def _current(self, table: str, state: CacheState | None) -> bool:
        """Whether a copy in ``state`` was made from this archive; starts a refresh if it is behind."""
        chain = self.catalog.chain(table)
        current = _matches(state, chain)
        if chain and not (current and state.seq == chain[-1].manifest.seq):
            self.refresh_soon()
        return current

    def refresh(self) -> None:
        """Bring every cached table up to the archive's newest manifest (waits for a running refresh)."""
        if not self._attach():
            return
        with self._refresh_lock:
            for copy in COPIES:
                if self._closed:
                    return
                self._refresh_copy(copy)

    def refresh_soon(self) -> None:
        """Start a background refresh unless one is running or the last one failed a moment ago."""
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            if running or self._closed or time.monotonic() < self._retry_at:
                return
            self._thread = threading.Thread(target=self._refresh_logged, name="event-cache-refresh",
                                            daemon=True)
            self._thread.start()

    def state(self, name: str) -> CacheState | None:
        """How far the copy ``name`` (``audit_events_by_entity``, ...) reaches; None: not built yet."""
        if not self._attach():
            return None
        return _read_state(self.gate.cursor(), name)

    def close(self) -> None:
        """Stop a running refresh and detach the cache file."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._closed = True  # no new refresh starts, a running one stops after its current copy
        if thread is not None and thread.is_alive():
            if self._writer is not None:
                self._writer.interrupt()
            thread.join()
        with self._lock:
            if self._attached:
                if self._writer is not None:
                    self._writer.close()
                _run(self.gate.cursor(), f"DETACH {DATABASE}")
                self._attached = False

    def _refresh_logged(self) -> None:
        try:
            self.refresh()
        except Exception:  # a background thread: report it, read the archive meanwhile
            log.exception("event cache refresh failed; reads use the archive files until it succeeds")
            with self._lock:
                self._retry_at = time.monotonic() + RETRY_SECONDS

    def _attach(self) -> bool:
        with self._lock:
            if self._attached:
                return True
            if self._closed or time.monotonic() < self._retry_at:
                return False
            try:
                self._attach_file()
            except (duckdb.Error, OSError) as error:  # locked, unreadable, or the folder unusable
                log.warning("event cache %s unavailable (%s); reads use the archive files",
                            self.path, error)
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return False
            self._attached = True
            return True

    def _attach_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cursor = self.gate.cursor()
        literal = "'" + str(self.path).replace("'", "''") + "'"
        attach = f"ATTACH {literal} AS {DATABASE} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        try:
            _run(cursor, attach)
        except duckdb.IOException as error:
            if "lock" in str(error).lower() or not self.path.exists():
                raise  # another process holds it: never delete a file in use
            log.warning("event cache %s unreadable (%s); rebuilding it", self.path, error)
            self.path.unlink()
            Path(f"{self.path}.wal").unlink(missing_ok=True)
            _run(cursor, attach)
        try:
            _prepare(cursor)
        except duckdb.Error:
            _run(cursor, f"DETACH {DATABASE}")
            raise
        self._writer = cursor.cursor()

    def _refresh_copy(self, copy: SortedCopy) -> None:
        writer, table, name = self._writer, copy.table, copy.name
        chain = self.catalog.chain(table)
        state = _read_state(writer, name)
        valid = _matches(state, chain)
        if valid and state.seq == chain[-1].manifest.seq:
            return
        if not chain:
            if state is not None:  # another, empty archive at this place
                _run(writer, f'DELETE FROM {DATABASE}."{name}"')
                _run(writer, f"DELETE FROM {DATABASE}.state WHERE table_name = ?", [name])
            return
        head = chain[-1]
        start = state.cursor if valid else None
        target = tuple(head.manifest.cursor_to)
        files = [f for f in self.catalog.files(table) if start is None or tuple(f.last) > start]
        rows = state.rows if valid else 0
        unsorted = state.unsorted_rows if valid else 0
        started = time.monotonic()
        _run(writer, "BEGIN TRANSACTION")
        try:
            if not valid:
                _run(writer, f'DELETE FROM {DATABASE}."{name}"')
            added = self._append(writer, copy, files, start, target) if files else 0
            unsorted += added if rows else 0  # a first load is sorted as a whole
            rows += added
            if unsorted > max(RESORT_MIN_ROWS, RESORT_SHARE * rows):
                _sort(writer, copy)
                unsorted = 0
            _run(writer, f"INSERT OR REPLACE INTO {DATABASE}.state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [name, FORMAT, _layout(copy), head.manifest.seq, head.sha256, target[0], target[1],
                  rows, unsorted])
            _run(writer, "COMMIT")
        except BaseException:
            _run(writer, "ROLLBACK")
            raise
        log.info("event cache: %s +%d rows up to manifest %d in %.1f s", name, added, head.manifest.seq,
                 time.monotonic() - started)

    def _append(self, writer: duckdb.DuckDBPyConnection, copy: SortedCopy, files: list, start: Cursor | None,
                target: tuple[int, ...]) -> int:
        source = self.catalog.scan(writer, copy.table, files)
        columns = ", ".join(f'"{name}"' for name in table_schema(copy.table).names)
        conditions = [up_to_sql(target)]
        if start is not None:
            conditions.append(after_sql(start))
        inserted = _run(writer, f'INSERT INTO {DATABASE}."{copy.name}" SELECT {columns} FROM {source} '
                        f"WHERE {' AND '.join(conditions)} ORDER BY {copy.order}")
        return int(inserted[0][0])


def _run(cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Run one statement to its end (a connection refuses new work while a result is unread)."""
    return cursor.execute(sql, params).fetchall()


def _matches(state: CacheState | None, chain: list) -> bool:
    """Whether the cache was refreshed from this archive: its manifest is in the chain, unchanged."""
    return state is not None and state.seq <= len(chain) and chain[state.seq - 1].sha256 == state.sha256


def _layout(copy: SortedCopy) -> str:
    """The copy's columns, types and order: a cache made with another layout is rebuilt."""
    columns = ",".join(f"{field.name}:{field.type}" for field in table_schema(copy.table))
    return f"{columns} ORDER BY {copy.order}"


def _prepare(cursor: duckdb.DuckDBPyConnection) -> None:
    """Create the state table and each copy's table; drop a copy made in another layout."""
    _run(cursor, f"""CREATE TABLE IF NOT EXISTS {DATABASE}.state (
        table_name VARCHAR PRIMARY KEY, format INTEGER, layout VARCHAR, seq BIGINT, sha256 VARCHAR,
        txid BIGINT, id BIGINT, rows BIGINT, unsorted_rows BIGINT)""")
    for copy in COPIES:
        found = _run(cursor, f"SELECT format, layout FROM {DATABASE}.state WHERE table_name = ?", [copy.name])
        exists = _run(cursor, "SELECT count(*) FROM duckdb_tables() "
                      "WHERE database_name = ? AND table_name = ?", [DATABASE, copy.name])[0][0]
        if exists and found == [(FORMAT, _layout(copy))]:
            continue
        _run(cursor, f"DELETE FROM {DATABASE}.state WHERE table_name = ?", [copy.name])
        _run(cursor, f'DROP TABLE IF EXISTS {DATABASE}."{copy.name}"')
        cursor.register("_event_cache_empty", table_schema(copy.table).empty_table())
        try:
            _run(cursor, f'CREATE TABLE {DATABASE}."{copy.name}" AS SELECT * FROM _event_cache_empty')
        finally:
            cursor.unregister("_event_cache_empty")


def _read_state(cursor: duckdb.DuckDBPyConnection, name: str) -> CacheState | None:
    found = _run(cursor, f"SELECT seq, sha256, txid, id, rows, unsorted_rows FROM {DATABASE}.state "
                 "WHERE table_name = ?", [name])
    if not found:
        return None
    seq, sha256, txid, event_id, rows, unsorted_rows = found[0]
    return CacheState(seq, sha256, (txid, event_id), rows, unsorted_rows)


def _sort(writer: duckdb.DuckDBPyConnection, copy: SortedCopy) -> None:
    """Rewrite a copy in its order, so appended rows are skipped by row-group statistics again."""
    table, sorted_table = f'{DATABASE}."{copy.name}"', f'{DATABASE}."{copy.name}__sorted"'
    _run(writer, f"CREATE TABLE {sorted_table} AS SELECT * FROM {table} ORDER BY {copy.order}")
    _run(writer, f"DROP TABLE {table}")
    _run(writer, f'ALTER TABLE {sorted_table} RENAME TO "{copy.name}"')
