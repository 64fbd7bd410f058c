"""The auditors' archive console: one read-only SELECT over the archive, in a sandbox.

DESIGN.md "Auditor SQL". Layers, each enough on its own for most attacks:

1. DuckDB's own parser (``duckdb.extract_statements``) must find exactly one statement, of type
   SELECT, before anything runs: COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL and
   multi-statement smuggling never reach the engine.
2. The sandbox connection: extensions never installed or loaded, Python variables never
   scanned, views over the manifest-listed Parquet files created first, then
   ``allowed_directories`` = the archive, ``enable_external_access=false`` and
   ``lock_configuration=true``; memory, threads and temp-space limits from the settings.
   An archive on object storage is not read by DuckDB at all (its network extensions cannot be
   downloaded, DESIGN.md "DuckDB without downloads"): each table is a pyarrow dataset over the
   manifest-listed files, registered on the query's cursor, and no directory is allowed.
3. Limits per query: a row cap with a ``truncated`` flag, a watchdog that interrupts the query
   at the time limit, and at most :data:`MAX_QUERIES_PER_USER` queries running per user.
   DuckDB honours an interrupt between vectors of rows, so one giant function call on a single
   vector (say ``repeat('x', 10^9)``) finishes that vector before it stops.

Every query, refused or not, is written to ``audit_events`` (action CONSOLE_QUERY) with the SQL
text (truncated, CR/LF encoded), the row count, the duration and the outcome. DuckDB could still
write inside an allowed folder, so the process serving the console must only have read access
to the archive (the statement check is the first layer, file permissions the second).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
from sqlalchemy.engine import Engine

from warehouse.duck import connect
from warehouse.errors import ConsoleBusy, ConsoleError, ConsoleRefused, ConsoleTimeout
from warehouse.events import RequestContext, record_audit

MAX_QUERIES_PER_USER = 2
AUDIT_SQL_CHARS = 4000  # SQL text kept in the audit event
_BATCH_ROWS = 2048

# What a console view reads: local Parquet paths, or a pyarrow dataset (an object store's files).
TableSource = Sequence[str] | pads.Dataset


@dataclass(frozen=True)
class ConsoleResult:
    """The rows of one console query (at most the row limit) and how it went."""

    table: pa.Table
    truncated: bool  # more rows existed than the row limit let through
    duration_ms: float

    @property
    def row_count(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def to_pandas(self):
        """The rows as a pandas DataFrame."""
        return self.table.to_pandas()


def check_single_select(sql: str) -> None:
    """Raise :class:`ConsoleRefused` unless ``sql`` is exactly one SELECT statement.

    DuckDB's parser decides, so comments, string literals and Unicode tricks cannot hide a
    second statement the way they fool a hand-written lexer.
    """
    if not sql or not sql.strip():
        raise ConsoleRefused("the query is empty; write one SELECT statement")
    if "\x00" in sql:
        raise ConsoleRefused("the query contains a NUL character; write one plain SELECT statement")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise ConsoleRefused(f"the query is not valid SQL: {_first_line(error)}") from None
    if len(statements) != 1:
        raise ConsoleRefused(f"exactly one statement is allowed; the query holds {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise ConsoleRefused(
            f"only SELECT is allowed in the archive console; this is a {kind.name} statement"
        )


_LOG_ESCAPES = {ord("\\"): "\\\\", ord("\r"): "\\r", ord("\n"): "\\n",
                **{code: f"\\x{code:02x}" for code in [*range(32), 127] if code not in (10, 13)}}


def encode_for_log(text: str, limit: int = AUDIT_SQL_CHARS) -> str:
    """``text`` on one line (backslash, CR, LF and other control characters escaped), cut to ``limit``."""
    encoded = text.translate(_LOG_ESCAPES)
    return encoded if len(encoded) <= limit else encoded[:limit] + "…"


class Console:
    """A sandboxed DuckDB with one view per archived table.

    ``tables`` maps a view name to the absolute paths of its Parquet files under
    ``archive_root``, or to a pyarrow dataset over them (an object store: ``archive_root`` is
    None), as listed by the archive manifests (never by a directory listing, so half-written
    files stay invisible).

    Example::

        console = Console(archive_root, {"audit_events": [...files]}, audit_engine=engine)
        result = console.query("SELECT action, count(*) FROM audit_events GROUP BY action",
                               context=RequestContext(actor_user_id=7, actor_role="auditor"))
        result.to_pandas(), result.truncated
    """

    def __init__(
        self,
        archive_root: Path | str | None,
        tables: Mapping[str, TableSource],
        *,
        audit_engine: Engine,
        row_limit: int = 10_000,
        timeout_seconds: float = 30,
        memory_limit: str = "1GB",
        threads: int = 2,
        max_temp_directory_size: str = "1GB",
    ) -> None:
        self.archive_root = None if archive_root is None else str(Path(archive_root).resolve())
        self._datasets: dict[str, pads.Dataset] = {}  # registered on each query's cursor
        self.row_limit = row_limit
        self.timeout_seconds = timeout_seconds
        self._audit_engine = audit_engine
        self._running: Counter = Counter()
        self._lock = threading.Lock()
        self._temp_dir = tempfile.mkdtemp(prefix="amoscope-console-")
        self._connection = connect(threads=threads, memory_limit=memory_limit)
        try:
            self._setup(tables, max_temp_directory_size)
        except BaseException:
            self.close()
            raise

    def _setup(self, tables: Mapping[str, TableSource], max_temp_directory_size: str) -> None:
        con = self._connection
        for name, files in sorted(tables.items()):
            if not name.isidentifier():
                raise ValueError(f"{name!r} cannot name a console view")
            if isinstance(files, pads.Dataset):
                self._datasets[name] = files
                continue
            if not files:
                continue
            if self.archive_root is None:
                raise ValueError(f"the Parquet files of {name} need the archive folder they are in")
            for path in files:
                if not str(Path(path).resolve()).startswith(self.archive_root + "/"):
                    raise ValueError(f"{path} is outside the archive {self.archive_root}")
            listing = ", ".join("'" + str(path).replace("'", "''") + "'" for path in files)
            con.execute(
                f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{listing}], union_by_name = true)'
            )
        con.execute(f"SET temp_directory = '{self._temp_dir}'")
        con.execute(f"SET max_temp_directory_size = '{max_temp_directory_size}'")
        allowed = "" if self.archive_root is None else f"'{self.archive_root}/'"
        con.execute(f"SET allowed_directories = [{allowed}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")

    @property
    def views(self) -> list[str]:
        """The names of the tables a console query can read."""
        rows = self._connection.cursor().sql("SELECT view_name FROM duckdb_views() WHERE NOT internal")
        return sorted({name for (name,) in rows.fetchall()} | set(self._datasets))

    def query(self, sql: str, *, context: RequestContext, amo_id: int | None = None) -> ConsoleResult:
        """Run one SELECT in the sandbox and audit it; refusals and failures raise ConsoleError.

        The audit event is written before the rows are returned, so no result ever leaves
        without its trace; if the audit cannot be written, the query fails.
        """
        started = time.monotonic()
        user = context.actor_user_id
        try:
            check_single_select(sql)
            self._enter(user)
        except ConsoleError as error:
            self._audit(context, amo_id, sql, error.outcome, started, error=str(error))
            raise
        try:
            result = self._run(sql, started)
        except ConsoleError as error:
            self._audit(context, amo_id, sql, error.outcome, started, error=str(error))
            raise
        finally:
            self._leave(user)
        self._audit(context, amo_id, sql, "SUCCESS", started, rows=result.row_count,
                    truncated=result.truncated)
        return result

    def _enter(self, user: int | None) -> None:
        with self._lock:
            if self._running[user] >= MAX_QUERIES_PER_USER:
                raise ConsoleBusy(
                    f"you already have {MAX_QUERIES_PER_USER} console queries running; "
                    "wait for one to finish"
                )
            self._running[user] += 1

    def _leave(self, user: int | None) -> None:
        with self._lock:
            self._running[user] -= 1

    def _run(self, sql: str, started: float) -> ConsoleResult:
        cursor = self._connection.cursor()
        for name, dataset in self._datasets.items():
            cursor.register(name, dataset)
        watchdog = threading.Timer(self.timeout_seconds, cursor.interrupt)
        watchdog.daemon = True
        watchdog.start()
        batches: list[pa.RecordBatch] = []
        rows = 0
        truncated = False
        try:
            reader = cursor.sql(sql).to_arrow_reader(_BATCH_ROWS)
            schema = reader.schema
            for batch in reader:
                if rows + batch.num_rows > self.row_limit:
                    batches.append(batch.slice(0, self.row_limit - rows))
                    truncated = True
                    break
                batches.append(batch)
                rows += batch.num_rows
            table = pa.Table.from_batches(batches, schema=schema)
        except duckdb.InterruptException:
            raise ConsoleTimeout(
                f"the query ran longer than {self.timeout_seconds:g} s and was stopped; "
                "narrow it (WHERE on month or cursor columns) or aggregate"
            ) from None
        except duckdb.OutOfMemoryException:
            raise ConsoleError(
                "the query needs more memory than the console allows; narrow it or aggregate"
            ) from None
        except (duckdb.PermissionException, duckdb.CatalogException, duckdb.BinderException,
                duckdb.ParserException) as error:
            raise ConsoleRefused(_first_line(error)) from None
        except duckdb.Error as error:
            raise ConsoleError(f"the query failed: {_first_line(error)}") from None
        finally:
            watchdog.cancel()
            cursor.close()
        return ConsoleResult(table, truncated, (time.monotonic() - started) * 1000)

    def _audit(self, context: RequestContext, amo_id: int | None, sql: str, outcome: str,
               started: float, *, rows: int = 0, truncated: bool = False, error: str | None = None) -> None:
        details = {
            "sql": encode_for_log(sql),
            "sql_length": len(sql),
            "row_count": rows,
            "truncated": truncated,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "error": None if error is None else encode_for_log(error, 500),
        }
        with self._audit_engine.begin() as connection:
            record_audit(connection, context, "CONSOLE_QUERY", amo_id=amo_id, outcome=outcome,
                         after=details)

    def close(self) -> None:
        """Close the sandbox and remove its temp folder."""
        self._connection.close()
        shutil.rmtree(self._temp_dir, ignore_errors=True)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
