"""Extraction from the operational database, in cursor order, below the snapshot horizon.

PostgreSQL is read through ADBC, which streams Arrow record batches (the driver uses COPY
binary underneath), inside one REPEATABLE READ READ ONLY transaction so every statement of a run
sees one snapshot. Each read keeps ``cursor < horizon``, the horizon computed from that very
snapshot by the transaction's first statement: every transaction with a smaller id had ended
when the snapshot was taken, so every row below it is visible to each read and no row below it
can appear later (DESIGN.md "Extraction cursor"); computed once, it stays fixed for the run.
SQLite, with one writer, is read through SQLAlchemy with the cursor ``(0, id)`` (per-table
``change_txid`` counters for mutable tables).

The horizon is the snapshot's ``xmin`` sharpened to this database: transaction ids are
cluster-wide, but a transaction of another database of the cluster can never write our tables,
so an in-progress id that a backend of another database holds (its own transaction-id lock in
``pg_locks``, the backend's database from ``pg_stat_activity``) does not hold our horizon back.
An id whose owner is unknown (it just ended, or is a prepared transaction) counts as ours, which
only makes the horizon lower.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import sqlalchemy as sa
from adbc_driver_postgresql import StatementOptions

from etl.errors import ExtractError
from warehouse.archive.layout import TableSpec
from warehouse.archive.manifest import Cursor
from warehouse.archive.rowhash import arrow_schema
from warehouse.database import HORIZON_SQL
from warehouse.schema import metadata

APPLICATION_NAME = "amoscope-etl"
# Record batches of about 2 MiB (ADBC's default is 16) stay in the CPU's cache from decoding
# through hashing to Parquet: a 5M-row run took ≈ 5 % less CPU and memory.
READ_BATCH_BYTES = 2 << 20
RETRY = "nothing of this batch was committed; the next run starts again from the archived cursor"


@dataclass(frozen=True)
class SourceIdentity:
    """Which database this is: recorded in every manifest, checked on every run."""

    dialect: str
    database: str
    system_identifier: str | None  # PostgreSQL cluster id; None on SQLite


@dataclass(frozen=True)
class Snapshot:
    """The horizon of the run's snapshot: cursors below ``horizon`` are final; ``next_xid`` is
    the next transaction id the server will assign (a cursor at or above it cannot be real)."""

    horizon: int | None
    next_xid: int | None


def source_schema(spec: TableSpec) -> pa.Schema:
    """The Arrow schema rows are read in: the archive schema without its partition column."""
    schema = arrow_schema(spec)
    return schema.remove(schema.get_field_index(spec.partition))


def _select_list(spec: TableSpec) -> str:
    # JSON columns come as they are: ADBC reads jsonb's binary form as its text, which costs the
    # server less than a ::text cast would (the same text, no second copy).
    return ", ".join(f'"{name}"' for name in spec.columns)


def _cursor_sql(spec: TableSpec, *, postgres: bool) -> list[str]:
    """SQL for each cursor part: the column, or for a date its days since 1970-01-01."""
    table = metadata.tables[spec.name]
    parts = []
    for name in spec.cursor_columns:
        if isinstance(table.c[name].type, sa.Date):
            parts.append(f"(\"{name}\" - DATE '1970-01-01')" if postgres
                         else f"CAST(julianday(\"{name}\") - 2440587.5 AS INTEGER)")
        else:
            parts.append(f'"{name}"')
    return parts


# On PostgreSQL the cursor and horizon go into the SQL as integer literals (made by int(), so
# nothing can be injected): ADBC streams a result in record batches (COPY) only for statements
# without bound parameters, and holds a parameterised result whole in memory.
def _literal(values: Cursor) -> str:
    return ", ".join(str(int(value)) for value in values)


def _after_pg(spec: TableSpec, after: Cursor, horizon: int) -> tuple[str, str]:
    """WHERE and ORDER BY of a PostgreSQL read after a cursor, below the horizon."""
    parts = _cursor_sql(spec, postgres=True)
    where = f'({", ".join(parts)}) > ({_literal(after)}) AND "{spec.cursor_columns[0]}" < {int(horizon)}'
    return where, ", ".join(parts)


def _after_sqlite(spec: TableSpec) -> tuple[str, str]:
    """WHERE (one ``?`` per cursor part) and ORDER BY of a SQLite read after a cursor."""
    parts = _cursor_sql(spec, postgres=False)
    return f'({", ".join(parts)}) > ({", ".join("?" * len(parts))})', ", ".join(parts)


class PostgresSource:
    """Reads one PostgreSQL database over ADBC, in one snapshot per :meth:`snapshot` block."""

    def __init__(self, database_url: str):
        url = sa.make_url(database_url).set(drivername="postgresql")
        if "application_name" not in url.query:  # names the ETL in pg_stat_activity
            url = url.update_query_dict({"application_name": APPLICATION_NAME})
        self._uri = url.render_as_string(hide_password=False)
        self._connection: Any = None
        self._horizon: int | None = None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        try:
            self._connection = adbc.connect(self._uri, autocommit=True)
            cursor = self._connection.cursor()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(f"SELECT {HORIZON_SQL}, "
                           "pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            horizon, next_xid = cursor.fetchone()
            cursor.close()
            self._horizon = horizon
        except Exception as error:
            self._close()
            raise ExtractError(f"cannot open a snapshot of the operational database: {_reason(error)}; "
                               f"{RETRY}") from None
        try:
            yield Snapshot(horizon, next_xid)
        finally:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None

    def identity(self) -> SourceIdentity:
        row = self._query_one("SELECT current_database(), "
                              "(SELECT system_identifier::text FROM pg_control_system())")
        return SourceIdentity("postgresql", row[0], row[1])

    def _query_one(self, sql: str) -> tuple:
        try:
            cursor = self._connection.cursor()
            cursor.execute(sql)
            row = cursor.fetchone()
            cursor.close()
        except Exception as error:
            raise ExtractError(
                f"query on the operational database failed: {_reason(error)}; {RETRY}") from None
        return row

    def count_after(self, spec: TableSpec, after: Cursor) -> int:
        """Rows past the cursor and below the horizon (what a run would archive now)."""
        where, _ = _after_pg(spec, after, self._horizon)
        return self._query_one(f'SELECT count(*) FROM "{spec.name}" WHERE {where}')[0]

    def read(self, spec: TableSpec, after: Cursor, limit: int) -> Iterator[pa.RecordBatch]:
        """Up to ``limit`` rows after ``after`` in cursor order, as record batches."""
        where, order = _after_pg(spec, after, self._horizon)
        yield from self._stream(spec, f'SELECT {_select_list(spec)} FROM "{spec.name}" '
                                      f'WHERE {where} ORDER BY {order} LIMIT {int(limit)}')

    def read_prunable(self, spec: TableSpec, upto: Cursor, before: datetime) -> Iterator[pa.RecordBatch]:
        """Rows at or below cursor ``upto`` whose record time is before ``before`` (prune candidates)."""
        parts = _cursor_sql(spec, postgres=True)
        stamp = before.astimezone(UTC).isoformat()  # a datetime's own ISO text: safe as a literal
        yield from self._stream(spec, f'SELECT {_select_list(spec)} FROM "{spec.name}" '
                                      f'WHERE ({", ".join(parts)}) <= ({_literal(upto)}) '
                                      f"AND \"{spec.time_column}\" < '{stamp}'::timestamptz "
                                      f'ORDER BY {", ".join(parts)}')

    def _stream(self, spec: TableSpec, sql: str) -> Iterator[pa.RecordBatch]:
        schema = source_schema(spec)
        try:
            cursor = self._connection.cursor()
            try:
                cursor.adbc_statement.set_options(
                    **{StatementOptions.BATCH_SIZE_HINT_BYTES.value: str(READ_BATCH_BYTES)})
                cursor.execute(sql)
                for batch in cursor.fetch_record_batch():
                    yield batch.cast(schema)
            finally:  # also when the reader stops early: the connection then takes its next query
                cursor.close()
        except Exception as error:
            raise ExtractError(
                f"reading {spec.name} from the operational database failed: {_reason(error)}; {RETRY}"
            ) from None


class SqliteSource:
    """Reads the embedded demo's SQLite database through SQLAlchemy in one read transaction."""

    def __init__(self, engine: sa.Engine, chunk_rows: int = 5_000):  # ≈ 2 MiB, as on PostgreSQL
        self._engine = engine
        self._chunk_rows = chunk_rows
        self._connection: sa.Connection | None = None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        with self._engine.connect() as connection:
            connection.exec_driver_sql("BEGIN")  # a read transaction: one consistent view
            self._connection = connection
            try:
                yield Snapshot(None, None)
            finally:
                self._connection = None
                connection.rollback()

    def identity(self) -> SourceIdentity:
        return SourceIdentity("sqlite", Path(self._engine.url.database or "").name, None)

    def count_after(self, spec: TableSpec, after: Cursor) -> int:
        where, _ = _after_sqlite(spec)
        return self._connection.exec_driver_sql(
            f'SELECT count(*) FROM "{spec.name}" WHERE {where}', tuple(after)).scalar_one()

    def read(self, spec: TableSpec, after: Cursor, limit: int) -> Iterator[pa.RecordBatch]:
        where, order = _after_sqlite(spec)
        yield from self._stream(spec, f'SELECT {_select_list(spec)} FROM "{spec.name}" '
                                      f'WHERE {where} ORDER BY {order} LIMIT {int(limit)}', tuple(after))

    def read_prunable(self, spec: TableSpec, upto: Cursor, before: datetime) -> Iterator[pa.RecordBatch]:
        parts = _cursor_sql(spec, postgres=False)
        stamp = before.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        yield from self._stream(spec, f'SELECT {_select_list(spec)} FROM "{spec.name}" '
                                      f'WHERE ({", ".join(parts)}) <= ({", ".join("?" * len(parts))}) '
                                      f'AND "{spec.time_column}" < ? ORDER BY {", ".join(parts)}',
                                (*upto, stamp))

    def _stream(self, spec: TableSpec, sql: str, parameters: tuple) -> Iterator[pa.RecordBatch]:
        schema = source_schema(spec)
        timestamps = [f.name for f in schema if pa.types.is_timestamp(f.type)]
        dates = [f.name for f in schema if pa.types.is_date32(f.type)]
        booleans = [f.name for f in schema if pa.types.is_boolean(f.type)]
        try:
            result = self._connection.exec_driver_sql(sql, parameters)
            while rows := result.fetchmany(self._chunk_rows):
                records = [dict(row._mapping) for row in rows]
                for record in records:
                    for name in timestamps:
                        record[name] = _sqlite_timestamp(record[name])
                    for name in dates:
                        record[name] = _sqlite_date(record[name])
                    for name in booleans:  # SQLite hands booleans back as 0 / 1
                        if record[name] is not None:
                            record[name] = bool(record[name])
                yield pa.RecordBatch.from_pylist(records, schema=schema)
        except sa.exc.DBAPIError as error:
            raise ExtractError(f"reading {spec.name} from SQLite failed: {_reason(error)}; {RETRY}") from None


def _sqlite_timestamp(value: Any) -> Any:
    """SQLite keeps timestamps as text without a zone; AMOscope writes them in UTC."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sqlite_date(value: Any) -> Any:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def open_source(database_url: str, engine: sa.Engine) -> PostgresSource | SqliteSource:
    """The extractor for the operational database's dialect."""
    if engine.dialect.name == "postgresql":
        return PostgresSource(database_url)
    return SqliteSource(engine)
