"""SHA-256 of many messages at once, in DuckDB, for row hashes and Merkle levels.

Hashing millions of rows one ``hashlib`` call at a time holds the GIL and makes a Python
``bytes`` object per digest. DuckDB's ``sha256`` runs over whole vectors in C++ without the GIL,
so hashing overlaps with extraction and Parquet encoding; digests come back as one contiguous
``(n, 32)`` uint8 array. Each thread gets its own in-memory DuckDB (connections are not shared
between threads), opened once through the DuckDB gate.
"""

from __future__ import annotations

import hashlib
import threading

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.duck import connect

DIGEST_SIZE = 32
# Below this many messages a query's fixed cost (milliseconds) outweighs hashlib's per-call cost
# (about a microsecond); the small upper levels of a Merkle tree are hashed by hashlib.
_VECTOR_MIN = 4096
_local = threading.local()


def duck() -> duckdb.DuckDBPyConnection:
    """This thread's hashing DuckDB (one thread each: the callers already run in parallel)."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = connect(threads=1, memory_limit="256MB")
        _local.connection = connection
    return connection


def query_column(sql: str, **tables: pa.Table) -> pa.Array:
    """The one result column of ``sql`` run over the named Arrow tables, in row order."""
    connection = duck()
    for name, table in tables.items():
        connection.register(name, table)
    try:
        result = connection.sql(sql).to_arrow_table().column(0)
    finally:
        for name in tables:
            connection.unregister(name)
    return pa.concat_arrays(result.chunks) if result.num_chunks else pa.array([], result.type)


def query_digests(sql: str, **tables: pa.Table) -> np.ndarray:
    """Like :func:`query_column` for a column of 32-byte digests (e.g. ``unhex(sha256(…))``),
    returned as an ``(n, 32)`` uint8 array."""
    return digest_array(query_column(sql, **tables))


def digest_array(digests: pa.Array) -> np.ndarray:
    """Binary 32-byte values as an ``(n, 32)`` uint8 array (one copy, no Python objects)."""
    fixed = digests.cast(pa.binary(DIGEST_SIZE))  # fails unless every digest has 32 bytes
    if fixed.null_count:
        raise ValueError("a digest is NULL")
    if len(fixed) == 0:
        return np.empty((0, DIGEST_SIZE), np.uint8)
    start = fixed.offset * DIGEST_SIZE
    data = np.frombuffer(fixed.buffers()[1], np.uint8)
    return data[start:start + len(fixed) * DIGEST_SIZE].reshape(-1, DIGEST_SIZE).copy()


def sha256_rows(messages: np.ndarray) -> np.ndarray:
    """SHA-256 of each row of an ``(n, m)`` uint8 array of equal-length messages: ``(n, 32)``."""
    count, width = messages.shape
    if count < _VECTOR_MIN:
        digests = b"".join(hashlib.sha256(message.tobytes()).digest() for message in messages)
        return np.frombuffer(digests, np.uint8).reshape(count, DIGEST_SIZE).copy()
    contiguous = np.ascontiguousarray(messages)
    array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), count, [None, pa.py_buffer(contiguous)])
    return query_digests("SELECT unhex(sha256(message)) FROM messages",
                         messages=pa.table({"message": array}))
