"""The archive as the warehouse sees it: each table's manifest chain and committed files, cached.

Manifests are append-only and numbered, so a refresh lists the table's manifest folder and reads
only the manifests that appeared since the last look, checking that they chain on. The committed
file list then says which Parquet files DuckDB scans (never a glob of the data folder).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from warehouse.archive import ArchiveStore, DataFile, ManifestError, StoredManifest, table_spec
from warehouse.archive.manifest import Cursor
from warehouse.archive.reader import chain_problem, live_files, load_manifest, manifest_paths
from warehouse.archive.rowhash import arrow_schema

CACHE_BYTES = 512 * 1024 * 1024  # decoded archive files kept in memory for paging reads


@dataclass(frozen=True)
class DecodedFile:
    """A data file's rows in memory with its cursor columns as arrays (rows are sorted by cursor)."""

    rows: pa.Table
    first_key: np.ndarray  # txid or change_txid
    second_key: np.ndarray  # id

    def after(self, key: tuple[int, int], limit: int) -> pa.Table:
        """The first ``limit`` rows whose cursor is greater than ``key`` (binary search)."""
        low = int(np.searchsorted(self.first_key, key[0], side="left"))
        high = int(np.searchsorted(self.first_key, key[0], side="right"))
        start = low + int(np.searchsorted(self.second_key[low:high], key[1], side="right"))
        return self.rows.slice(start, limit)


class ArchiveCatalog:
    """Cached manifest chains and committed files of an archive store."""

    def __init__(self, store: ArchiveStore) -> None:
        self.store = store
        self._chains: dict[str, list[StoredManifest]] = {}
        self._files: dict[str, list[DataFile]] = {}
        self._lock = threading.Lock()
        self._decoded: OrderedDict[str, DecodedFile] = OrderedDict()
        self._decoded_bytes = 0

    def chain(self, table: str) -> list[StoredManifest]:
        """The table's manifest chain, refreshed: new manifests are read and checked to chain on."""
        paths = manifest_paths(self.store, table)
        with self._lock:
            chain = self._chains.get(table, [])
            if len(paths) == len(chain):
                return chain
            if len(paths) < len(chain) or [m.path for m in chain] != paths[: len(chain)]:
                raise ManifestError(
                    f"the manifests of {table} changed under the warehouse (a manifest disappeared); "
                    "run 'amoscope archive verify'"
                )
            chain = list(chain)
            for path in paths[len(chain):]:
                stored = load_manifest(self.store, path)
                problem = chain_problem(chain[-1] if chain else None, stored, table)
                if problem:
                    raise ManifestError(f"{path}: {problem}; run 'amoscope archive verify'")
                chain.append(stored)
            self._chains[table] = chain
            self._files[table] = live_files(chain)
            return chain

    def files(self, table: str) -> list[DataFile]:
        """The table's committed data files, sorted by their first cursor."""
        self.chain(table)
        with self._lock:
            return self._files.get(table, [])

    def watermark(self, table: str) -> Cursor | None:
        """The cursor of the table's last archived row, or None if nothing is archived."""
        chain = self.chain(table)
        return chain[-1].manifest.cursor_to if chain else None

    def head(self, table: str) -> str:
        """An identity of the table's newest manifest (changes whenever a manifest is added)."""
        chain = self.chain(table)
        return f"{chain[-1].manifest.seq}:{chain[-1].sha256}" if chain else "0"

    def scan(self, cursor: duckdb.DuckDBPyConnection, table: str, files: list[DataFile]) -> str:
        """A DuckDB table expression over ``files`` of ``table`` with the table's archive schema.

        A local archive is read by DuckDB's own Parquet reader (row-group statistics, cached
        footers); an object store through a pyarrow dataset on the store's filesystem, since
        DuckDB's network extensions cannot be downloaded here. No files: an empty typed table.
        """
        schema = arrow_schema(table_spec(table))
        name = f"_archive_{table}"
        if not files:
            cursor.register(name, schema.empty_table())
            return name
        paths = [self.store.full_path(f.path) for f in files]
        if self.store.local_root is not None:
            listing = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
            return f"read_parquet([{listing}], union_by_name = true, hive_partitioning = false)"
        cursor.register(name, self.dataset(table, files))
        return name

    def dataset(self, table: str, files: list[DataFile]) -> pads.Dataset:
        """A pyarrow dataset over ``files`` of ``table`` on the store's filesystem, in the archive schema."""
        paths = [self.store.full_path(f.path) for f in files]
        schema = arrow_schema(table_spec(table))
        return pads.dataset(paths, schema=schema, format="parquet", filesystem=self.store.fs)

    def decoded(self, table: str, data_file: DataFile) -> DecodedFile:
        """One committed file decoded into memory, kept for the next request (least recently used out).

        A reader paging through the archive (replay) asks for the same file again and again;
        committed files never change, so decoding each once turns a page into a binary search
        instead of decompressing a whole row group per request.
        """
        path = self.store.full_path(data_file.path)
        with self._lock:
            found = self._decoded.get(path)
            if found is not None:
                self._decoded.move_to_end(path)
                return found
        rows = _conform(pq.read_table(path, filesystem=self.store.fs), arrow_schema(table_spec(table)))
        spec = table_spec(table)
        found = DecodedFile(rows, *(rows.column(name).to_numpy() for name in spec.cursor_columns))
        with self._lock:
            self._decoded[path] = found
            self._decoded_bytes += rows.nbytes
            while self._decoded_bytes > CACHE_BYTES and len(self._decoded) > 1:
                _, evicted = self._decoded.popitem(last=False)
                self._decoded_bytes -= evicted.rows.nbytes
        return found

def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` with exactly the archive schema: a column added later reads as NULL in older files."""
    columns = [rows.column(field.name).cast(field.type) if field.name in rows.column_names
               else pa.nulls(rows.num_rows, field.type) for field in schema]
    return pa.table(columns, schema=pa.schema([field.with_nullable(True) for field in schema]))


def empty_events(table: str) -> pa.Table:
    """An empty Arrow table with the archive columns of ``table`` (without its partition column)."""
    spec = table_spec(table)
    return arrow_schema(spec).empty_table().drop_columns([spec.partition])
