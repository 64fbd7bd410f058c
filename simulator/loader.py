"""Bulk loading of the generated rows: COPY on PostgreSQL, big executemany batches on SQLite.

Rows keep the ids the generator gave them (so two seeds of the same history are identical row
for row); events get theirs here, in time order. The database fills in what it owns: ``txid``
by default and ``change_txid`` by trigger on PostgreSQL. Afterwards each id sequence is moved
past the loaded ids, so later inserts (the simulator, the web app) carry on from there.
Everything runs in the caller's transaction: a failed load leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator.world import ACTIVITY_FIELDS, AUDIT_FIELDS, GeneratorError, to_json
from warehouse.schema import metadata

DB_ASSIGNED = ("txid", "change_txid")
SQLITE_BATCH = 20_000


def load_columns(table: sa.Table) -> list[sa.Column]:
    """The columns the generator supplies: all but the extraction cursors the database assigns."""
    return [column for column in table.columns if column.name not in DB_ASSIGNED]


def load_table(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert generated record rows (dicts with every supplied column) into ``table``."""
    columns = load_columns(table)
    names = [column.name for column in columns]
    if rows and set(rows[0]) != set(names):
        raise GeneratorError(
            f"{table.name}: generated columns {sorted(set(rows[0]) ^ set(names))} do not match the schema"
        )
    return _write(connection, table.name, columns, ([row[name] for name in names] for row in rows))


def load_events(connection: Connection, table: sa.Table, events: Iterable[tuple]) -> int:
    """Insert event tuples ``(sort time, sequence, *fields)``, numbering ids in the given order.

    On PostgreSQL the table's keys, indexes and foreign keys are set aside during the COPY and
    rebuilt (and validated) in one pass after it: several times faster than maintaining them row
    by row, and invisible to others since it all happens in the load's transaction.
    """
    fields = AUDIT_FIELDS if table.name == "audit_events" else ACTIVITY_FIELDS
    columns = [table.c.id] + [table.c[name] for name in fields]
    numbered = ((number, *event[2:]) for number, event in enumerate(events, start=1))
    if connection.dialect.name != "postgresql":
        return _write(connection, table.name, columns, numbered)
    with _indexes_set_aside(connection, table.name):
        return _write(connection, table.name, columns, numbered, ready=True)


@contextmanager
def _indexes_set_aside(connection: Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s keys, indexes and foreign keys; recreate them exactly (same names) on the way out."""
    constraints = connection.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint "
        "WHERE conrelid = CAST(%(t)s AS regclass) AND contype IN ('p', 'u', 'f') ORDER BY conname",
        {"t": table},
    ).all()
    indexes = connection.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %(t)s AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
        {"t": table},
    ).all()
    keys = [(name, definition) for name, definition, foreign in constraints if not foreign]
    foreign_keys = [(name, definition) for name, definition, foreign in constraints if foreign]
    for name, _ in foreign_keys + keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition in keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        connection.exec_driver_sql(definition)
    for name, definition in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _write(
    connection: Connection, table: str, columns: list[sa.Column], rows: Iterable, *, ready: bool = False
) -> int:
    """Write ``rows`` (values in ``columns`` order; ``ready``: already in the driver's types)."""
    names = ", ".join(column.name for column in columns)
    postgres = connection.dialect.name == "postgresql"
    converters = [_converter(column, postgres) for column in columns]
    converted = (
        rows
        if ready
        else ([convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows)
    )
    if postgres:
        count = 0
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in converted:
                copy.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    for batch in _batches(converted, SQLITE_BATCH):
        connection.exec_driver_sql(sql, batch)
        count += len(batch)
    return count


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    while batch := [tuple(row) for row in islice(rows, size)]:
        yield batch


def _identity(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else to_json(value)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores: naive UTC with microseconds."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _converter(column: sa.Column, postgres: bool) -> Callable[[Any], Any]:
    if isinstance(column.type, sa.JSON):
        return _json
    if postgres:
        return _identity
    if isinstance(column.type, sa.DateTime):
        return _sqlite_datetime
    if isinstance(column.type, sa.Date):
        return _sqlite_date
    return _identity


def advance_sequences(connection: Connection) -> None:
    """Move every id sequence past the loaded ids (PostgreSQL; SQLite continues from max(rowid))."""
    if connection.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        if "id" in table.columns and table.c.id.autoincrement is not False and table.c.id.primary_key:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
