"""Archive column types and the canonical per-row hash, the leaves of each manifest's Merkle tree.

Row hashes are computed from the row values, not the file bytes, so they survive compaction and
re-encoding. The canonical encoding of a row is the concatenation, in the manifest's ``columns``
order, of one field per column: ``~`` for NULL, else ``<n>:<value>`` where ``<value>`` is the
UTF-8 text below and ``<n>`` its length in bytes. Values as text:

* integers: decimal; booleans: ``1`` / ``0``;
* floats: the decimal of the IEEE-754 double's 64 bits read as a signed integer (exact);
* timestamps: microseconds since 1970-01-01 UTC, decimal; dates: days since 1970-01-01;
* text and JSON: the stored text.

The row hash is ``SHA-256(0x00 || encoding)``. :mod:`warehouse.archive.row_encoder` computes
both for whole batches; :func:`encode_fields` is the same encoding written plainly, one row at a
time, for proofs checked offline.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from warehouse.archive.layout import YEAR_COLUMN, TableSpec
from warehouse.schema import metadata

TIMESTAMP = pa.timestamp("us", tz="UTC")
LEAF_PREFIX = b"\x00"


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
    """The Arrow schema of the table's archive files: its archived columns, then its partition
    column: ``month`` as ``YYYY-MM`` text, or ``year`` as an int32, the types Hive-partitioned
    readers (pyarrow, DuckDB, Spark) infer from the folder names, so they read it as is."""
    table = metadata.tables[spec.name]
    fields = [pa.field(name, _arrow_type(table.c[name]), nullable=table.c[name].nullable)
              for name in spec.columns]
    partition_type = pa.int32() if spec.partition == YEAR_COLUMN else pa.string()
    return pa.schema([*fields, pa.field(spec.partition, partition_type, nullable=False)])


def schema_fields(schema: pa.Schema) -> tuple[dict, ...]:
    """A manifest's ``schema`` member: each field of the files' Arrow schema as name, type (as
    Arrow spells it, e.g. ``timestamp[us, tz=UTC]``) and nullable. Row hashes bind values only,
    so this is what binds the column types."""
    return tuple({"name": item.name, "type": str(item.type), "nullable": item.nullable} for item in schema)


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
