"""The hot tail: rows of the operational database, read into Arrow for DuckDB to scan.

Read with the operational driver (SQLAlchemy over psycopg or sqlite3), never a DuckDB extension
(DESIGN.md "DuckDB without downloads"). Columns are the archive's columns with the archive's
Arrow types (JSON as its stored text, timestamps in UTC), so hot rows and archived rows union
without conversion, and secret columns never leave the database.

On PostgreSQL, event reads stop below the snapshot's ``xmin`` horizon, taken in the same
statement: a transaction that has not committed yet may hold smaller ``txid`` values than rows
already visible, and a reader that went past it would skip those rows for good.
"""

from __future__ import annotations

import hashlib
import threading

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.archive import table_spec
from warehouse.archive.rowhash import arrow_schema
from warehouse.cursor import Position
from warehouse.database import HORIZON_SQL, is_postgres
from warehouse.schema import metadata
from warehouse.scope import ALL_AMOS, TenantScope

HORIZON = sa.literal_column(HORIZON_SQL)


def table_schema(name: str) -> pa.Schema:
    """Arrow schema of a table's archived columns, without the archive's partition column."""
    spec = table_spec(name)
    schema = arrow_schema(spec)
    return schema.remove(schema.get_field_index(spec.partition))


def select_columns(name: str) -> list[sa.ColumnElement]:
    """The archived columns of ``name``, with JSON read as its stored text."""
    table = metadata.tables[name]
    columns = []
    for column_name in table_spec(name).columns:
        column = table.c[column_name]
        columns.append(sa.cast(column, sa.Text).label(column_name) if isinstance(column.type, sa.JSON)
                       else column)
    return columns


class HotTail:
    """Reads of the operational database for the warehouse, restricted to a tenant scope."""

    def __init__(self, engine: Engine, scope: TenantScope = ALL_AMOS) -> None:
        self.engine = engine
        self.scope = scope
        self.is_postgres = is_postgres(engine)
        self._cluster: str | None = None
        self._lock = threading.Lock()

    def scoped(self, scope: TenantScope) -> HotTail:
        """The same database read for ``scope`` only."""
        hot = HotTail(self.engine, scope)
        hot._cluster = self.cluster_id()
        return hot

    def values(self, name: str, column: str) -> list:
        """The distinct values of ``column`` in the scope's rows of ``name`` (a parent's ids)."""
        table = metadata.tables[name]
        statement = sa.select(table.c[column]).distinct().where(*self._scope(table))
        with self.engine.connect() as connection:
            return [value for (value,) in connection.execute(statement) if value is not None]

    def cluster_id(self) -> str:
        """16 hex digits naming this database (cluster and database); cursors carry it."""
        with self._lock:
            if self._cluster is None:
                self._cluster = self._read_cluster_id()
            return self._cluster

    def _read_cluster_id(self) -> str:
        with self.engine.connect() as connection:
            if self.is_postgres:
                database = connection.execute(sa.text(
                    "SELECT oid::text || ':' || datname FROM pg_database WHERE datname = current_database()"
                )).scalar_one()
                try:
                    system = connection.execute(
                        sa.text("SELECT system_identifier::text FROM pg_control_system()")).scalar_one()
                except sa.exc.DBAPIError:  # not allowed for this role: the server address must do
                    connection.rollback()
                    system = connection.execute(sa.text(
                        "SELECT coalesce(inet_server_addr()::text, 'local') || ':' || "
                        "current_setting('port')")).scalar_one()
                identity = f"postgresql:{system}:{database}"
            else:
                identity = f"sqlite:{self.engine.url.database}"
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    def events(self, name: str, where: list[sa.ColumnElement], order_by: list[sa.ColumnElement],
               limit: int | None) -> pa.Table:
        """Rows of the event table ``name`` matching ``where``, below the commit horizon."""
        table = metadata.tables[name]
        statement = sa.select(*select_columns(name)).where(*where, *self._horizon(table), *self._scope(table))
        statement = statement.order_by(*order_by)
        if limit is not None:
            statement = statement.limit(limit)
        return self._arrow(name, statement)

    def newest(self, name: str) -> Position | None:
        """The cursor of the newest visible event of ``name`` (None for an empty table)."""
        table = metadata.tables[name]
        statement = (sa.select(table.c.txid, table.c.id).where(*self._horizon(table), *self._scope(table))
                     .order_by(table.c.txid.desc(), table.c.id.desc()).limit(1))
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else Position(row.txid, row.id)

    def count(self, name: str, where: list[sa.ColumnElement]) -> tuple[int, int]:
        """``(number of rows, greatest id)`` of ``name`` matching ``where``: a cheap change probe."""
        table = metadata.tables[name]
        statement = sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(table.c.id), 0)).where(
            *where, *self._horizon(table), *self._scope(table))
        with self.engine.connect() as connection:
            row = connection.execute(statement).one()
        return int(row[0]), int(row[1])

    def records(self, name: str, where: list[sa.ColumnElement] | None = None) -> pa.Table:
        """The current rows of a record table (all archived columns)."""
        table = metadata.tables[name]
        statement = sa.select(*select_columns(name)).where(*(where or []), *self._scope(table))
        return self._arrow(name, statement)

    def _scope(self, table: sa.Table) -> list[sa.ColumnElement]:
        return self.scope.where(table.name)

    def _horizon(self, table: sa.Table) -> list[sa.ColumnElement]:
        return [table.c.txid < HORIZON] if self.is_postgres and "txid" in table.c else []

    def _arrow(self, name: str, statement: sa.Select) -> pa.Table:
        schema = table_schema(name)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
        arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)]
        return pa.table(arrays, schema=schema)
