"""Archive column types and the canonical per-row hash, the leaves of each manifest's Merkle tree.

Row hashes are computed from the row values, not the file bytes, so they survive compaction and
re-encoding. The canonical encoding of a row is the concatenation, in the manifest's ``columns``
order, of one field per column: ``~`` for NULL, else ``<n>:<value>`` where ``<value>`` is the
UTF-8 text below and ``<n>`` its length in bytes. Values as text:

* integers: decimal; booleans: ``1`` / ``0``;
* floats: the decimal of the IEEE-754 double's 64 bits read as a signed integer (exact);
* timestamps: microseconds since 1970-01-01 UTC, decimal; dates: days since 1970-01-01;
* text and JSON: the stored text.

The row hash is ``SHA-256(0x00 || encoding)``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from warehouse.archive.hashing import DIGEST_SIZE, query_column, query_digests
from warehouse.archive.layout import MONTH_COLUMN, TableSpec
from warehouse.schema import metadata

TIMESTAMP = pa.timestamp("us", tz="UTC")
LEAF_PREFIX = b"\x00"
SMALL_BATCH_ROWS = 1024


def _arrow_type(column: sa.Column) -> pa.DataType:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):  # also BigInteger and SmallInteger
        return pa.int64()
    if isinstance(kind, sa.Float):
        return pa.float64()
    if isinstance(kind, sa.DateTime):
        return TIMESTAMP
    if isinstance(kind, sa.Date):
        return pa.date32()
    if isinstance(kind, sa.String | sa.JSON):  # Text is a String; JSON is kept as its text
        return pa.string()
    raise TypeError(f"{column.table.name}.{column.name}: no archive type for {kind!r}")


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The Arrow schema of the table's archive files: its archived columns, then ``month``."""
    table = metadata.tables[spec.name]
    fields = [pa.field(name, _arrow_type(table.c[name]), nullable=table.c[name].nullable)
              for name in spec.columns]
    return pa.schema([*fields, pa.field(MONTH_COLUMN, pa.string(), nullable=False)])


def _canonical_numbers(array: pa.Array) -> pa.Array:
    """The column as integers (or text as it is) whose decimal text is the canonical value."""
    kind = array.type
    if pa.types.is_floating(kind):
        return array.cast(pa.float64()).view(pa.int64())
    if pa.types.is_boolean(kind):
        return array.cast(pa.int8())
    if pa.types.is_timestamp(kind):
        return array.cast(TIMESTAMP).cast(pa.int64())
    if pa.types.is_date32(kind):
        return array.cast(pa.int32())
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array
    raise TypeError(f"no canonical text for Arrow type {kind}")


def _canonical_inputs(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """The encoded columns, in order, named ``c0, c1, …``: integers and text only."""
    arrays = []
    for name in columns:
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = pa.chunked_array([_canonical_numbers(chunk) for chunk in column.chunks],
                                      _canonical_numbers(pa.array([], column.type)).type)
        else:
            column = _canonical_numbers(column)
        arrays.append(column)
    return pa.table(arrays, names=[f"c{index}" for index in range(len(arrays))])


def _encoding_sql(inputs: pa.Table, prefix: str = "") -> str:
    """DuckDB SQL (VARCHAR) for ``prefix`` then each row's canonical encoding, over
    :func:`_canonical_inputs`.

    One ``concat`` of every field's ``<n>:`` (or ``~``) and value: ``concat`` skips a NULL value,
    and ``strlen`` counts bytes, as the format requires. A column with no NULL in this batch
    skips the NULL test and one that is all NULL is the constant ``~``: cheaper, same bytes.
    """
    pieces = [prefix] if prefix else []
    for name, column in zip(inputs.column_names, inputs.columns, strict=True):
        if column.null_count == len(column) and len(column):
            pieces.append("'~'")
            continue
        text = name if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) \
            else f"CAST({name} AS VARCHAR)"
        length = f"CAST(strlen({text}) AS VARCHAR) || ':'"
        pieces += [f"CASE WHEN {name} IS NULL THEN '~' ELSE {length} END" if column.null_count else length,
                   text]
    return f"concat({', '.join(pieces)})" if pieces else "''"


def row_encodings(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> pa.Array:
    """The canonical encoding of each row (binary), over ``columns`` in that order."""
    inputs = _canonical_inputs(batch, columns)
    return query_column(f"SELECT encode({_encoding_sql(inputs)}) FROM canonical_rows", canonical_rows=inputs)


def row_hash_array(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> np.ndarray:
    """SHA-256 row hashes of every row, in row order, as an ``(n, 32)`` uint8 array.

    Encoded and hashed in one DuckDB query, without the GIL and without a Python object per row.
    A batch of fewer than ``SMALL_BATCH_ROWS`` rows is hashed in Python instead: the query's
    fixed cost (about 10 ms) would outweigh it, and the verifier meets many small files.
    """
    if batch.num_rows == 0:
        return np.empty((0, DIGEST_SIZE), np.uint8)
    inputs = _canonical_inputs(batch, columns)
    if batch.num_rows < SMALL_BATCH_ROWS:
        return _python_row_hashes(inputs)
    return query_digests(f"SELECT unhex(sha256({_encoding_sql(inputs, 'chr(0)')})) FROM canonical_rows",
                         canonical_rows=inputs)


def _python_row_hashes(inputs: pa.Table) -> np.ndarray:
    """:func:`row_hash_array` one row at a time (integers and text: their ``str`` is canonical)."""
    values = [column.to_pylist() for column in inputs.columns]
    digests = b"".join(
        hashlib.sha256(LEAF_PREFIX + encode_fields([None if field[row] is None else str(field[row])
                                                    for field in values])).digest()
        for row in range(inputs.num_rows))
    return np.frombuffer(digests, np.uint8).reshape(-1, DIGEST_SIZE).copy()


def row_hashes(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> list[bytes]:
    """SHA-256 row hashes (32 bytes each) of every row, in row order."""
    return [digest.tobytes() for digest in row_hash_array(batch, columns)]


def cursor_arrays(batch: pa.RecordBatch | pa.Table, spec: TableSpec) -> list[pa.Array]:
    """The cursor columns as int64 arrays (dates as days since 1970-01-01), for ordering rows."""
    arrays = []
    for name in spec.cursor_columns:
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if pa.types.is_date32(column.type):
            column = column.cast(pa.int32())
        arrays.append(column.cast(pa.int64()))
    return arrays


def cursor_at(arrays: list[pa.Array], index: int) -> tuple[int, ...]:
    """The cursor of row ``index`` (negative counts from the end) from :func:`cursor_arrays`."""
    return tuple(array[index].as_py() for array in arrays)


def encode_fields(texts: list[str | None]) -> bytes:
    """The canonical encoding of one row from its fields' canonical texts (None for NULL)."""
    parts = []
    for text in texts:
        if text is None:
            parts.append(b"~")
        else:
            raw = text.encode()
            parts.append(str(len(raw)).encode() + b":" + raw)
    return b"".join(parts)


def decode_fields(encoding: bytes) -> list[str | None]:
    """The fields' canonical texts of one encoded row (the inverse of :func:`encode_fields`)."""
    texts: list[str | None] = []
    position = 0
    while position < len(encoding):
        if encoding[position:position + 1] == b"~":
            texts.append(None)
            position += 1
            continue
        colon = encoding.index(b":", position)
        length = int(encoding[position:colon])
        texts.append(encoding[colon + 1:colon + 1 + length].decode())
        position = colon + 1 + length
    return texts
