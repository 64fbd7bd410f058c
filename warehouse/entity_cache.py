"""The entity cache: a local copy of the archived events sorted by record, for timelines.

A record's events are spread over every month of the archive, whose files are sorted by cursor,
so no file or row-group statistic can skip anything and a timeline would scan the
``entity_type``/``entity_id`` columns of the whole archive. The entity cache is a DuckDB
database file (setting ``warehouse_cache_dir``) holding the archived rows of ``audit_events``
and ``activity_events`` sorted by ``(entity_type, entity_id)``: a lookup reads one row group.

It is derived and rebuildable, and correctness never depends on it:

* it covers each table up to the cursor of one manifest; readers take the rows above that
  cursor from the archive files themselves, so a cache that is behind only costs speed;
* a refresh reads only the files holding rows above that cursor (manifests are append-only and
  a compaction rewrites files without changing rows); refreshes run in a background thread;
* if the manifest it was refreshed to has changed (another archive at that place) or the cache
  layout changed, the copy is rebuilt from the archive;
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
from warehouse.duck import DuckGate
from warehouse.hot import table_schema

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the cache layout changes: an older cache is then rebuilt
TABLES = ("audit_events", "activity_events")
SORT_KEY = "entity_type, entity_id, txid, id"
DATABASE = "entity_cache"  # the name the cache file is attached under
RETRY_SECONDS = 60.0  # after a failed open or refresh, how long reads use the archive alone
# Rows appended by refreshes sit after the sorted rows, where a lookup must scan them; past this
# share of the table (and at least RESORT_MIN_ROWS) the table is sorted again.
RESORT_SHARE = 0.05
RESORT_MIN_ROWS = 250_000

Cursor = tuple[int, int]


@dataclass(frozen=True)
class CacheState:
    """How far the cached copy of a table reaches: every archived row up to ``cursor``."""

    seq: int  # the manifest it was refreshed to
    sha256: str  # that manifest's hash: a different archive at the same place shows here
    cursor: Cursor
    rows: int
    unsorted_rows: int  # appended after the last full sort


class EntityCache:
    """The entity-sorted local copy of one archive's event tables, attached to the DuckDB gate."""

    def __init__(self, folder: str | Path, archive_identity: str, catalog: ArchiveCatalog,
                 gate: DuckGate) -> None:
        digest = hashlib.sha256(archive_identity.encode()).hexdigest()[:16]
        self.path = Path(folder) / f"entities-{digest}.duckdb"
        self.catalog = catalog
        self.gate = gate
        self._lock = threading.Lock()  # attaching, and starting the refresh thread
        self._refresh_lock = threading.Lock()
        self._attached = False
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
        cursor = self.gate.cursor()
        schema = table_schema(table)
        columns = ", ".join(f'"{name}"' for name in schema.names)
        where = " AND ".join(conditions) if conditions else "true"
        _run(cursor, "BEGIN TRANSACTION")  # the state and the rows from one snapshot
        try:
            state = _read_state(cursor, table)
            rows = None
            if state is not None:
                rows = cursor.sql(f'SELECT {columns} FROM {DATABASE}."{table}" WHERE {where}',
                                  params=list(params)).to_arrow_table()
        finally:
            _run(cursor, "COMMIT")
        chain = self.catalog.chain(table)
        current = _matches(state, chain)
        if chain and not (current and state.seq == chain[-1].manifest.seq):
            self.refresh_soon()
        if not current:
            return None
        return rows.cast(schema), state.cursor

    def refresh(self) -> None:
        """Bring every cached table up to the archive's newest manifest (waits for a running refresh)."""
        if not self._attach():
            return
        with self._refresh_lock:
            for table in TABLES:
                self._refresh_table(table)

    def refresh_soon(self) -> None:
        """Start a background refresh unless one is running or the last one failed a moment ago."""
        with self._lock:
            if (self._thread is not None and self._thread.is_alive()) or time.monotonic() < self._retry_at:
                return
            self._thread = threading.Thread(target=self._refresh_logged, name="entity-cache-refresh",
                                            daemon=True)
            self._thread.start()

    def state(self, table: str) -> CacheState | None:
        """How far the cached copy of ``table`` reaches (None: not cached, or the cache is unavailable)."""
        if not self._attach():
            return None
        return _read_state(self.gate.cursor(), table)

    def close(self) -> None:
        """Stop a running refresh and detach the cache file."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._retry_at = float("inf")  # no new refresh starts
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
            log.exception("entity cache refresh failed; timelines read the archive files until it succeeds")
            with self._lock:
                self._retry_at = time.monotonic() + RETRY_SECONDS

    def _attach(self) -> bool:
        with self._lock:
            if self._attached:
                return True
            if time.monotonic() < self._retry_at:
                return False
            try:
                self._attach_file()
            except duckdb.Error as error:
                log.warning("entity cache %s unavailable (%s); timelines read the archive files",
                            self.path, error)
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return False
            self._attached = True
            return True

    def _attach_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cursor = self.gate.cursor()
        literal = "'" + str(self.path).replace("'", "''") + "'"
        try:
            _run(cursor, f"ATTACH {literal} AS {DATABASE}")
        except duckdb.IOException as error:
            if "lock" in str(error).lower() or not self.path.exists():
                raise  # another process holds it: never delete a file in use
            log.warning("entity cache %s unreadable (%s); rebuilding it", self.path, error)
            self.path.unlink()
            Path(f"{self.path}.wal").unlink(missing_ok=True)
            _run(cursor, f"ATTACH {literal} AS {DATABASE}")
        try:
            _prepare(cursor)
        except duckdb.Error:
            _run(cursor, f"DETACH {DATABASE}")
            raise
        self._writer = cursor.cursor()

    def _refresh_table(self, table: str) -> None:
        writer = self._writer
        chain = self.catalog.chain(table)
        state = _read_state(writer, table)
        valid = _matches(state, chain)
        if valid and state.seq == chain[-1].manifest.seq:
            return
        if not chain:
            if state is not None:  # another, empty archive at this place
                _run(writer, f'DELETE FROM {DATABASE}."{table}"')
                _run(writer, f"DELETE FROM {DATABASE}.state WHERE table_name = ?", [table])
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
                _run(writer, f'DELETE FROM {DATABASE}."{table}"')
            added = self._append(writer, table, files, start, target) if files else 0
            unsorted += added if rows else 0  # a first load is sorted as a whole
            rows += added
            if unsorted > max(RESORT_MIN_ROWS, RESORT_SHARE * rows):
                _sort(writer, table)
                unsorted = 0
            _run(writer, f"INSERT OR REPLACE INTO {DATABASE}.state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [table, FORMAT, _columns(table), head.manifest.seq, head.sha256, target[0], target[1],
                  rows, unsorted])
            _run(writer, "COMMIT")
        except BaseException:
            _run(writer, "ROLLBACK")
            raise
        log.info("entity cache: %s +%d rows up to manifest %d in %.1f s", table, added, head.manifest.seq,
                 time.monotonic() - started)

    def _append(self, writer: duckdb.DuckDBPyConnection, table: str, files: list, start: Cursor | None,
                target: tuple[int, ...]) -> int:
        source = self.catalog.scan(writer, table, files)
        columns = ", ".join(f'"{name}"' for name in table_schema(table).names)
        high_txid, high_id = int(target[0]), int(target[1])
        conditions = [f"(txid < {high_txid} OR (txid = {high_txid} AND id <= {high_id}))"]
        if start is not None:
            low_txid, low_id = int(start[0]), int(start[1])
            conditions.append(f"(txid > {low_txid} OR (txid = {low_txid} AND id > {low_id}))")
        inserted = _run(writer, f'INSERT INTO {DATABASE}."{table}" SELECT {columns} FROM {source} '
                        f"WHERE {' AND '.join(conditions)} ORDER BY {SORT_KEY}")
        return int(inserted[0][0])


def _run(cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Run one statement to its end (a connection refuses new work while a result is unread)."""
    return cursor.execute(sql, params).fetchall()


def _matches(state: CacheState | None, chain: list) -> bool:
    """Whether the cache was refreshed from this archive: its manifest is in the chain, unchanged."""
    return state is not None and state.seq <= len(chain) and chain[state.seq - 1].sha256 == state.sha256


def _columns(table: str) -> str:
    return ",".join(f"{field.name}:{field.type}" for field in table_schema(table))


def _prepare(cursor: duckdb.DuckDBPyConnection) -> None:
    """Create the state table and each cached table; drop a table cached in another layout."""
    _run(cursor, f"""CREATE TABLE IF NOT EXISTS {DATABASE}.state (
        table_name VARCHAR PRIMARY KEY, format INTEGER, columns VARCHAR, seq BIGINT, sha256 VARCHAR,
        txid BIGINT, id BIGINT, rows BIGINT, unsorted_rows BIGINT)""")
    for table in TABLES:
        found = _run(cursor, f"SELECT format, columns FROM {DATABASE}.state WHERE table_name = ?", [table])
        exists = _run(cursor, "SELECT count(*) FROM duckdb_tables() "
                      "WHERE database_name = ? AND table_name = ?", [DATABASE, table])[0][0]
        if exists and found == [(FORMAT, _columns(table))]:
            continue
        _run(cursor, f"DELETE FROM {DATABASE}.state WHERE table_name = ?", [table])
        _run(cursor, f'DROP TABLE IF EXISTS {DATABASE}."{table}"')
        empty = table_schema(table).empty_table()
        cursor.register("_entity_cache_empty", empty)
        try:
            _run(cursor, f'CREATE TABLE {DATABASE}."{table}" AS SELECT * FROM _entity_cache_empty')
        finally:
            cursor.unregister("_entity_cache_empty")


def _read_state(cursor: duckdb.DuckDBPyConnection, table: str) -> CacheState | None:
    found = _run(cursor, f"SELECT seq, sha256, txid, id, rows, unsorted_rows FROM {DATABASE}.state "
                 "WHERE table_name = ?", [table])
    if not found:
        return None
    seq, sha256, txid, event_id, rows, unsorted_rows = found[0]
    return CacheState(seq, sha256, (txid, event_id), rows, unsorted_rows)


def _sort(writer: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rewrite the cached table in entity order, so appended rows are found in one row group again."""
    _run(writer, f'CREATE TABLE {DATABASE}."{table}__sorted" AS '
                   f'SELECT * FROM {DATABASE}."{table}" ORDER BY {SORT_KEY}')
    _run(writer, f'DROP TABLE {DATABASE}."{table}"')
    _run(writer, f'ALTER TABLE {DATABASE}."{table}__sorted" RENAME TO "{table}"')
