"""The archive as the warehouse sees it: each table's manifest chain and committed files, cached.

Manifests are append-only and numbered, so a refresh lists the table's manifest folder and reads
only the manifests that appeared since the last look, checking that they chain on. The committed
file list then says which Parquet files DuckDB scans (never a glob of the data folder).
"""

from __future__ import annotations

import threading

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads

from warehouse.archive import ArchiveStore, DataFile, ManifestError, StoredManifest, table_spec
from warehouse.archive.manifest import Cursor
from warehouse.archive.reader import chain_problem, live_files, load_manifest, manifest_paths
from warehouse.archive.rowhash import arrow_schema


class ArchiveCatalog:
    """Cached manifest chains and committed files of an archive store."""

    def __init__(self, store: ArchiveStore) -> None:
        self.store = store
        self._chains: dict[str, list[StoredManifest]] = {}
        self._files: dict[str, list[DataFile]] = {}
        self._lock = threading.Lock()

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
        dataset = pads.dataset(paths, schema=schema, format="parquet", filesystem=self.store.fs)
        cursor.register(name, dataset)
        return name


def empty_events(table: str) -> pa.Table:
    """An empty Arrow table with the archive columns of ``table`` (without ``month``)."""
    schema = arrow_schema(table_spec(table))
    return schema.empty_table().drop_columns(["month"])
