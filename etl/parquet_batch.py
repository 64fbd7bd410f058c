"""Writing one batch of rows as Parquet files, one per partition (month or year), and hashing its rows.

Rows arrive in cursor order and keep it: each partition's rows go to that partition's file in
arrival order. A partition keeps up to two row groups' worth buffered and writes one when it has
more, so every row group, the last included, has at least the target rows whenever the file has
that many; one bound on everything buffered keeps memory flat whatever partitions the batch spans.
Files are staged and only published by :meth:`BatchWriter.finish`.

Work is spread over threads that each release the GIL: rows are encoded and hashed by a
compiled loop (warehouse.archive.row_encoder) in the caller's thread, Parquet is encoded and
compressed in the writer's own thread, and the caller reads ahead in a third (etl.prefetch).
Row hashes stream into a Merkle builder, so the batch keeps one run of leaves, not a digest per
row.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.files import file_digest, publish, staging_path
from warehouse.archive.layout import YEAR_COLUMN, TableSpec, data_path
from warehouse.archive.manifest import Cursor, FileEntry
from warehouse.archive.merkle import MerkleBuilder
from warehouse.archive.row_encoder import row_hash_array
from warehouse.archive.rowhash import arrow_schema, cursor_arrays, cursor_at
from warehouse.archive.storage import ArchiveStore

ROW_GROUP_ROWS = 128 * 1024
# Bloom filters answer "is this entity in this row group?" for the warehouse's entity timelines.
BLOOM_FILTER_COLUMNS = ("entity_id",)
BLOOM_FILTER_FPP = 0.01
# A column is dictionary-encoded when its first rows repeat values this much (few distinct);
# trying a dictionary on unique columns (ids, JSON images) only burns CPU before falling back.
_DICTIONARY_SAMPLE_ROWS = 10_000
_DICTIONARY_MAX_DISTINCT_SHARE = 0.1


def partition_labels(times: pa.Array, partition: str) -> pa.Array:
    """``YYYY-MM`` (partition ``month``) or ``YYYY`` (``year``), UTC, of each timestamp or date,
    computed on numbers (strftime is slow)."""
    if len(times) == 0:
        return pa.array([], pa.string())
    months = times.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False).astype("datetime64[M]")
    months = months.astype(np.int64)  # months since 1970-01
    first, last = int(months.min()), int(months.max())
    if partition == YEAR_COLUMN:
        labels = [f"{1970 + month // 12:04d}" for month in range(first, last + 1)]
    else:
        labels = [f"{1970 + month // 12:04d}-{month % 12 + 1:02d}" for month in range(first, last + 1)]
    return pa.array(labels, pa.string()).take(pa.array(months - first))


@dataclass
class _PartitionFile:
    relative: str
    staged: Path
    writer: pq.ParquetWriter | None = None
    buffer: list[pa.Table] = field(default_factory=list)
    buffered: int = 0
    rows: int = 0
    first: Cursor | None = None
    last: Cursor | None = None


@dataclass(frozen=True)
class WrittenBatch:
    """What a finished batch committed to storage, for its manifest."""

    files: tuple[FileEntry, ...]
    merkle_root: bytes
    rows: int
    last: Cursor | None


class BatchWriter:
    """Streams record batches (in cursor order) into staged Parquet files, one per partition."""

    def __init__(self, store: ArchiveStore, spec: TableSpec, seq: int, *,
                 row_group_rows: int = ROW_GROUP_ROWS):
        self._store = store
        self._spec = spec
        self._seq = seq
        self._row_group_rows = row_group_rows
        self._max_buffered = 3 * row_group_rows
        self._schema = arrow_schema(spec).with_metadata(
            {"amoscope.table": spec.name, "amoscope.seq": str(seq)})
        self._partitions: dict[str, _PartitionFile] = {}
        # Parquet encoding and compression release the GIL: a thread overlaps them with hashing.
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-encoder")
        self._pending: deque[Future] = deque()
        self._merkle = MerkleBuilder()
        self._rows = 0
        self._last: Cursor | None = None

    @property
    def rows(self) -> int:
        return self._rows

    def write(self, batch: pa.RecordBatch) -> None:
        """Add rows read from the source (source schema, cursor order)."""
        if batch.num_rows == 0:
            return
        self._merkle.add(row_hash_array(batch, self._spec.columns))
        column = self._spec.partition
        labels = partition_labels(batch.column(self._spec.time_column), column)
        table = pa.Table.from_batches([batch]).append_column(column, labels)
        table = table.cast(self._schema)
        distinct = pc.unique(labels).to_pylist()
        for label in distinct:
            part = table if len(distinct) == 1 else table.filter(pc.equal(labels, label))
            self._add(label, part)
        self._last = cursor_at(cursor_arrays(batch, self._spec), -1)
        self._rows += batch.num_rows
        if sum(part_file.buffered for part_file in self._partitions.values()) > self._max_buffered:
            self._flush(max(self._partitions.values(), key=lambda part_file: part_file.buffered))

    def _add(self, label: str, rows: pa.Table) -> None:
        part_file = self._partitions.get(label)
        if part_file is None:
            relative = data_path(self._spec, label, self._seq, len(self._partitions))
            part_file = _PartitionFile(relative, staging_path(self._store, relative))
            self._partitions[label] = part_file
        cursors = cursor_arrays(rows, self._spec)
        if part_file.first is None:
            part_file.first = cursor_at(cursors, 0)
        part_file.last = cursor_at(cursors, -1)
        part_file.buffer.append(rows)
        part_file.buffered += rows.num_rows
        part_file.rows += rows.num_rows
        if part_file.buffered >= 2 * self._row_group_rows:
            self._write_group(part_file)

    def _write_group(self, part_file: _PartitionFile) -> None:
        """Write one row group of the target size and keep the rest buffered."""
        rows = pa.concat_tables(part_file.buffer)
        self._write(part_file, rows.slice(0, self._row_group_rows))
        rest = rows.slice(self._row_group_rows)
        part_file.buffer = [rest]
        part_file.buffered = rest.num_rows

    def _flush(self, part_file: _PartitionFile) -> None:
        """Write everything buffered as one row group."""
        if not part_file.buffered:
            return
        self._write(part_file, pa.concat_tables(part_file.buffer))
        part_file.buffer = []
        part_file.buffered = 0

    def _write(self, part_file: _PartitionFile, rows: pa.Table) -> None:
        """Hand a row group to the encoder thread (one thread: row groups keep their order)."""
        if part_file.writer is None:
            options = self._writer_options(rows)
            part_file.writer = pq.ParquetWriter(part_file.staged, self._schema, **options)
        self._pending.append(self._encoder.submit(part_file.writer.write_table, rows,
                                                  row_group_size=rows.num_rows))
        while len(self._pending) > 1:  # bounded: at most one row group waits for encoding
            self._pending.popleft().result()

    def _writer_options(self, rows: pa.Table) -> dict:
        """ParquetWriter options for a file whose first row group is ``rows``."""
        sample = rows.slice(0, _DICTIONARY_SAMPLE_ROWS)
        dictionary = [name for name in sample.column_names
                      if pc.count_distinct(sample[name], mode="all").as_py()
                      <= max(1.0, _DICTIONARY_MAX_DISTINCT_SHARE * sample.num_rows)]
        bloom = {name: {"ndv": self._row_group_rows, "fpp": BLOOM_FILTER_FPP}
                 for name in BLOOM_FILTER_COLUMNS if name in self._schema.names}
        return {"compression": "zstd", "compression_level": 1, "use_dictionary": dictionary,
                "bloom_filter_options": bloom or None}

    def _drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def finish(self) -> WrittenBatch:
        """Write what is buffered, close every file and publish it at its final path."""
        for part_file in self._partitions.values():
            self._flush(part_file)
        self._drain()
        self._encoder.shutdown()
        entries = []
        for label, part_file in self._partitions.items():
            part_file.writer.close()
            digest, size = file_digest(part_file.staged)
            publish(self._store, part_file.staged, part_file.relative)
            entries.append(FileEntry(part_file.relative, label, part_file.rows, digest, size,
                                     part_file.first, part_file.last))
        return WrittenBatch(tuple(entries), self._merkle.root(), self._rows, self._last)

    def abort(self) -> None:
        """Close and remove the staged files of a batch that will not be committed."""
        for pending in self._pending:
            pending.cancel()
        self._encoder.shutdown(wait=True)
        for part_file in self._partitions.values():
            if part_file.writer is not None:
                part_file.writer.close()
            part_file.staged.unlink(missing_ok=True)
