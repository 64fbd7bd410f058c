"""The auditors' archive console: one read-only SELECT over one AMO's archive, in a sandbox.

DESIGN.md "Auditor SQL" and "Tenants". Layers, each enough on its own for most attacks:

1. DuckDB's own parser (``duckdb.extract_statements``) must find exactly one statement, of type
   SELECT, before anything runs: COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL and
   multi-statement smuggling never reach the engine.
2. The query runs in a child process (:mod:`warehouse.sandbox`) whose DuckDB can name only the
   tenant-scoped views over the manifest-listed files: no file, glob or network access at all,
   nothing that reveals a server path, configuration locked, extensions never loaded, the
   address space limited. Unlisted or half-written files have no name there.
3. Limits per query: cells, rows and bytes capped (with a ``truncated`` flag), killed at the
   time limit, and at most :data:`MAX_QUERIES_PER_USER` queries running per user across every
   process, counted in the operational database (:mod:`warehouse.console_slots`).

A session is opened for one AMO (:class:`~warehouse.scope.TenantScope`); only a superuser, or
the operator at the command line who asks for it, opens an unscoped one. Every query, refused
or not, is written to ``audit_events`` (action CONSOLE_QUERY) with the SQL text (truncated,
CR/LF encoded), the scope, the row count, the duration and the outcome.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
from sqlalchemy.engine import Engine

from warehouse import sandbox
from warehouse.console_slots import ConsoleSlots
from warehouse.errors import ConsoleError, ConsoleRefused, ConsoleTimeout
from warehouse.events import RequestContext, record_audit
from warehouse.sandbox import SandboxJob, TableSource, first_line
from warehouse.scope import UNSCOPED_ROLES, TenantScope

MAX_QUERIES_PER_USER = 2
AUDIT_SQL_CHARS = 4000  # SQL text kept in the audit event
DEFAULT_BYTE_LIMIT = 16 * 2**20  # of one result, as Arrow holds it

# Query processes are forked from a server process that has imported the sandbox (and the main
# module, which multiprocessing would otherwise import again in every child): a fork of a web
# worker would copy its threads' locks mid-use; a fresh interpreter would take seconds a query.
_CHILDREN = multiprocessing.get_context("forkserver")
_CHILDREN.set_forkserver_preload(["__main__", "warehouse.sandbox"])


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
        raise ConsoleRefused(f"the query is not valid SQL: {first_line(error)}") from None
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
    """The archive console over ``tables``: each maps a view name to the Parquet files the
    manifests list (local paths) or to a pyarrow dataset over them (an object store).

    Example::

        console = Console({"audit_events": [...files]}, audit_engine=engine)
        result = console.query("SELECT action, count(*) FROM audit_events GROUP BY action",
                               context=RequestContext(actor_user_id=7, actor_role="auditor"),
                               scope=TenantScope.for_amo(1))
        result.to_pandas(), result.truncated
    """

    def __init__(
        self,
        tables: Mapping[str, TableSource],
        *,
        audit_engine: Engine,
        row_limit: int = 10_000,
        byte_limit: int = DEFAULT_BYTE_LIMIT,
        timeout_seconds: float = 30,
        memory_limit: str = "1GB",
        threads: int = 2,
    ) -> None:
        for name in tables:
            if not name.isidentifier():
                raise ValueError(f"{name!r} cannot name a console view")
        self._tables = dict(tables)
        self.row_limit = row_limit
        self.byte_limit = byte_limit
        self.timeout_seconds = timeout_seconds
        self.memory_limit = memory_limit
        self.threads = threads
        self._audit_engine = audit_engine
        self._slots = ConsoleSlots(audit_engine, MAX_QUERIES_PER_USER, lease_seconds=timeout_seconds + 60)

    @property
    def views(self) -> list[str]:
        """The names of the tables a console query can read."""
        return sorted(name for name, source in self._tables.items()
                      if isinstance(source, pads.Dataset) or source)

    def query(self, sql: str, *, context: RequestContext, scope: TenantScope) -> ConsoleResult:
        """Run one SELECT in the sandbox for ``scope`` and audit it; refusals and failures raise ConsoleError.

        The audit event is written before the rows are returned, so no result ever leaves
        without its trace; if the audit cannot be written, the query fails.
        """
        started = time.monotonic()
        slot = None
        try:
            check_single_select(sql)
            _check_scope(scope, context)
            slot = self._slots.acquire(context.actor_user_id)
            result = self._run(sql, scope, started)
        except ConsoleError as error:
            self._audit(context, scope, sql, error.outcome, started, error=str(error))
            raise
        finally:
            if slot is not None:
                self._slots.release(slot)
        self._audit(context, scope, sql, "SUCCESS", started, rows=result.row_count,
                    truncated=result.truncated)
        return result

    def _run(self, sql: str, scope: TenantScope, started: float) -> ConsoleResult:
        job = SandboxJob(sql, self._tables, scope, self.row_limit, self.byte_limit, self.memory_limit,
                         _headroom(self.memory_limit), self.threads)
        receiver, sender = _CHILDREN.Pipe(duplex=False)
        child = _CHILDREN.Process(target=sandbox.run, args=(job, sender), name="amoscope-console",
                                  daemon=True)
        child.start()  # the first query of a process also starts the fork server: not its time
        sender.close()
        deadline = time.monotonic() + self.timeout_seconds
        schema, batches, size = None, [], 0
        try:
            while True:
                if not receiver.poll(max(0.0, deadline - time.monotonic())):
                    raise ConsoleTimeout(
                        f"the query ran longer than {self.timeout_seconds:g} s and was stopped; "
                        "narrow it (WHERE on month or cursor columns) or aggregate")
                try:
                    message = receiver.recv()
                except EOFError:  # the child died: the kernel refused it memory, or worse
                    raise ConsoleError(_MEMORY) from None
                if message[0] == "schema":
                    schema = pa.ipc.read_schema(pa.py_buffer(message[1]))
                elif message[0] == "batch":
                    batch = pa.ipc.read_record_batch(pa.py_buffer(message[1]), schema)
                    size += batch.nbytes
                    if size > self.byte_limit:  # the child keeps to it; this is the second check
                        raise ConsoleError("the query result broke the console's size limit")
                    batches.append(batch)
                elif message[0] == "done":
                    table = pa.Table.from_batches(batches, schema=schema)
                    return ConsoleResult(table, message[1], (time.monotonic() - started) * 1000)
                else:
                    raise _child_error(message[1], message[2])
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()

    def _audit(self, context: RequestContext, scope: TenantScope, sql: str, outcome: str,
               started: float, *, rows: int = 0, truncated: bool = False, error: str | None = None) -> None:
        details = {
            "sql": encode_for_log(sql),
            "sql_length": len(sql),
            "scope": scope.describe(),
            "row_count": rows,
            "truncated": truncated,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "error": None if error is None else encode_for_log(error, 500),
        }
        with self._audit_engine.begin() as connection:
            record_audit(connection, context, "CONSOLE_QUERY", amo_id=scope.amo_id, outcome=outcome,
                         after=details)

    def close(self) -> None:
        """Nothing is held between queries; kept so callers can treat the console as a resource."""


_MEMORY = "the query needs more memory than the console allows; narrow it or aggregate"


def _check_scope(scope: TenantScope, context: RequestContext) -> None:
    if scope.is_unscoped and context.auth_method != "CLI" and context.actor_role not in UNSCOPED_ROLES:
        raise ConsoleRefused("only a superuser may query every AMO's archive; your queries read your AMO's")


def _child_error(kind: str, text: str) -> ConsoleError:
    if kind == "refused":
        return ConsoleRefused(text)
    if kind == "memory":
        return ConsoleError(_MEMORY)
    return ConsoleError(f"the query failed: {text}")


def _headroom(memory_limit: str) -> int:
    """Address space a query's process may add: DuckDB's own limit twice over, and 256 MiB for the rest."""
    return 2 * _bytes(memory_limit) + 256 * 2**20


def _bytes(size: str) -> int:
    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20,
             "GIB": 2**30, "TIB": 2**40, "B": 1}
    text = size.strip().upper().replace(" ", "")
    for unit, factor in units.items():
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return int(float(text[: -len(unit)]) * factor)
    raise ValueError(f"{size!r} is not a memory size such as '1GB' or '512MiB'")
