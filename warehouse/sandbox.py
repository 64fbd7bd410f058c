"""One archive console query in a process of its own: scoped views, a locked DuckDB, capped output.

:mod:`warehouse.console` starts :func:`run` in a child process for each query, so nothing the
query does can grow or stall the web worker: the child's address space is limited, a query past
its time is killed (DuckDB honours an interrupt only between vectors, so one giant
``repeat('x', 10^9)`` would otherwise finish first), and only capped rows travel back.

In the child:

1. Each archived table is a pyarrow dataset over its manifest-listed files only, filtered by the
   tenant scope (:mod:`warehouse.scope`); only these filtered datasets are registered, under the
   tables' names. The unfiltered data has no name a query could use.
2. DuckDB is then locked: no directory allowed, external access off (no file, glob or network
   reads at all), no temp, secret, extension or home directory (nothing reveals a server path),
   configuration locked.
3. Cells are capped at :data:`CELL_CHARS` characters (values that are not numbers, times or
   booleans travel as text), and the rows at the row and byte limits; a cut sets ``truncated``.

Messages to the parent, over a pipe: ``("schema", bytes)``, ``("batch", bytes)``... then
``("done", truncated)``, or ``("error", kind, text)`` with kind ``refused``, ``memory`` or
``failed``.
"""

from __future__ import annotations

import resource
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from warehouse.duck import connect
from warehouse.scope import TenantScope

CELL_CHARS = 10_000
BATCH_ROWS = 1024
# Types that reach the parent as they are; every other value is sent as (capped) text.
_PLAIN_TYPES = frozenset({
    "boolean", "tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint",
    "uinteger", "ubigint", "uhugeint", "float", "double", "decimal", "date", "time", "timestamp",
    "timestamp with time zone", "timestamp_s", "timestamp_ms", "timestamp_ns", "interval", "uuid",
    "time with time zone", "null",
})
_LOCK = (
    "SET enable_progress_bar = false",
    "SET temp_directory = ''",  # no spilling to disk: a query past the memory limit fails instead
    "SET secret_directory = ''",
    "SET extension_directory = ''",
    "SET home_directory = ''",
    "SET allowed_directories = []",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)

# What a console view reads: local Parquet paths, or a pyarrow dataset (an object store's files).
TableSource = Sequence[str] | pads.Dataset


@dataclass(frozen=True)
class SandboxJob:
    """Everything the child needs for one query (pickled to it)."""

    sql: str
    tables: Mapping[str, TableSource]
    scope: TenantScope
    row_limit: int
    byte_limit: int
    memory_limit: str  # DuckDB's own limit
    headroom_bytes: int  # the address space the child may add to what it starts with
    threads: int
    cell_chars: int = CELL_CHARS


def run(job: SandboxJob, sender: Connection) -> None:
    """The child's whole life: limit itself, build the scoped views, stream the capped rows."""
    try:
        _limit_memory(job.headroom_bytes)
        connection = connect(threads=job.threads, memory_limit=job.memory_limit)
        for name, dataset in scoped_datasets(job.tables, job.scope).items():
            connection.register(name, dataset)
        for statement in _LOCK:
            connection.execute(statement)
        _stream(connection, job, sender)
    except (duckdb.PermissionException, duckdb.CatalogException, duckdb.BinderException,
            duckdb.ParserException, duckdb.InvalidInputException) as error:
        sender.send(("error", "refused", first_line(error)))
    except (duckdb.OutOfMemoryException, MemoryError):
        sender.send(("error", "memory", "out of memory"))
    except duckdb.Error as error:
        sender.send(("error", "failed", first_line(error)))
    except pa.ArrowMemoryError:
        sender.send(("error", "memory", "out of memory"))
    except Exception as error:  # anything else still ends as an answer, not a dead process
        sender.send(("error", "failed", f"{type(error).__name__}: {first_line(error)}"))
    finally:
        sender.close()


def _limit_memory(headroom: int) -> None:
    """Cap the process's writable memory (RLIMIT_DATA) at its current size plus ``headroom``.

    DuckDB keeps strings outside its buffer manager, so its ``memory_limit`` does not stop a
    query building one giant value; the kernel's limit does (the allocation fails, the query
    ends with an out-of-memory error). Not the address space: the libraries' threads reserve
    far more of it than they ever use.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmData:"))
    limit = size_kb * 1024 + headroom
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def scoped_datasets(tables: Mapping[str, TableSource], scope: TenantScope) -> dict[str, pads.Dataset]:
    """Each table as a dataset over its listed files, keeping only the rows ``scope`` allows."""
    raw = {name: _dataset(source) for name, source in tables.items() if not _empty(source)}
    scoped: dict[str, pads.Dataset] = {}
    values: dict[tuple[str, str], pa.Array] = {}

    def table(name: str) -> pads.Dataset | None:
        if name not in scoped and name in raw:
            found = raw[name]
            keep = scope.arrow_filter(name, found.schema.names, parent_values)
            scoped[name] = found if keep is None else found.filter(keep)
        return scoped.get(name)

    def parent_values(parent: str, column: str) -> pa.Array:
        if (parent, column) not in values:
            found = table(parent)
            if found is None or column not in found.schema.names:
                values[(parent, column)] = pa.array([], pa.int64())
            else:
                found_values = found.to_table(columns=[column]).column(column)
                values[(parent, column)] = found_values.unique()
        return values[(parent, column)]

    for name in raw:
        table(name)
    return scoped


def _empty(source: TableSource) -> bool:
    return not isinstance(source, pads.Dataset) and not source


def _dataset(source: TableSource) -> pads.Dataset:
    if isinstance(source, pads.Dataset):
        return source
    paths = list(source)
    schema = pa.unify_schemas([pq.read_schema(path) for path in paths])  # a column added later
    return pads.dataset(paths, schema=schema, format="parquet")


def _stream(connection: duckdb.DuckDBPyConnection, job: SandboxJob, sender: Connection) -> None:
    relation = connection.sql(job.sql)
    if relation is None:
        raise duckdb.InvalidInputException("the statement returns no rows")
    capped, cut_flag = _capped_columns(relation, job.cell_chars)
    relation = relation.project(", ".join([*capped, cut_flag])).limit(job.row_limit + 1)
    reader = relation.to_arrow_reader(BATCH_ROWS)
    schema = _without_flag(reader.schema)
    sender.send(("schema", schema.serialize().to_pybytes()))
    rows = size = 0
    truncated = False
    for batch in reader:
        if batch.num_rows == 0:
            continue
        cut = batch.column(batch.num_columns - 1).to_numpy(zero_copy_only=False)
        truncated = truncated or bool(cut.any())
        batch = pa.RecordBatch.from_arrays(batch.columns[:-1], schema=schema)
        keep = min(batch.num_rows, job.row_limit - rows)
        if size + batch.nbytes > job.byte_limit:
            per_row = max(1, batch.nbytes // batch.num_rows)
            keep = min(keep, (job.byte_limit - size) // per_row)
        if keep < batch.num_rows:
            batch, truncated = batch.slice(0, keep), True
        if batch.num_rows:
            sender.send(("batch", batch.serialize().to_pybytes()))
            rows += batch.num_rows
            size += batch.nbytes
        if truncated and keep == 0 or rows >= job.row_limit or size >= job.byte_limit:
            truncated = truncated or _has_more(reader)
            break
    sender.send(("done", truncated))


def _has_more(reader: pa.RecordBatchReader) -> bool:
    """Whether rows remain after the limits were reached (the query reads one row past them)."""
    return any(batch.num_rows for batch in reader)


def _capped_columns(relation: duckdb.DuckDBPyRelation, cell_chars: int) -> tuple[list[str], str]:
    """The projection that caps every text cell, and a last column saying whether a row was cut."""
    columns, cuts = [], []
    for index, (name, column_type) in enumerate(zip(relation.columns, relation.types, strict=True), start=1):
        alias = '"' + name.replace('"', '""') + '"'
        if column_type.id in _PLAIN_TYPES:
            columns.append(f"#{index} AS {alias}")
            continue
        text = f"CAST(#{index} AS VARCHAR)"
        columns.append(f"CASE WHEN length({text}) > {cell_chars} THEN left({text}, {cell_chars}) || '…' "
                       f"ELSE {text} END AS {alias}")
        cuts.append(f"coalesce(length({text}) > {cell_chars}, false)")
    return columns, f"({' OR '.join(cuts) or 'false'}) AS \"__amoscope_cut\""


def _without_flag(schema: pa.Schema) -> pa.Schema:
    return pa.schema(list(schema)[:-1])


def first_line(error: BaseException) -> str:
    """The first line of an error's text (DuckDB adds hints and context below it)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
