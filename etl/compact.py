"""Compaction: merge a table's small files, partition by partition, without changing any row.

The merged file holds the same rows in the same cursor order, so every batch's Merkle root, and
so the verification result, is unchanged; only file hashes change, and a ``compaction`` manifest
records them: the files it writes, and the files it ``replaces``. The replaced files are removed
once that manifest is committed (or by the next ETL run, if this one dies first).

``amoscope archive compact`` compacts on demand; ``amoscope etl run --follow`` compacts a table
after every ``AMOSCOPE_ETL_COMPACT_AFTER_BATCHES`` new batches, inside its run (etl.run).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from etl.checkpoint import commit_checkpoint
from etl.files import create_exclusive
from etl.lock import archive_lock
from etl.parquet_batch import BatchWriter
from etl.settings import EtlSettings
from etl.signing import Signer
from warehouse.archive.layout import ARCHIVED_TABLES, TableSpec, manifest_path, table_spec
from warehouse.archive.manifest import Manifest, created_at_now
from warehouse.archive.merkle import merkle_root
from warehouse.archive.reader import DataFile, live_files, read_chain
from warehouse.archive.rowhash import arrow_schema, schema_fields
from warehouse.archive.storage import ArchiveStore, open_store
from warehouse.settings import require

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompactResult:
    table: str
    replaced: int
    written: int


def compact(settings: EtlSettings, engine: sa.Engine, tables: list[str] | None = None) -> list[CompactResult]:
    """Merge the files under ``AMOSCOPE_ETL_COMPACT_SMALL_FILE_ROWS`` rows that share a partition;
    one manifest per table, then a checkpoint."""
    require(settings, EtlSettings, "compact")
    store = open_store(settings.warehouse.archive_url, s3_endpoint_url=settings.warehouse.s3_endpoint_url)
    signer = Signer(Path(settings.signing_key_path)) if settings.signing_key_path else None
    with archive_lock(engine):
        results = [compact_table(store, table_spec(name), settings.etl_compact_small_file_rows, signer)
                   for name in tables or ARCHIVED_TABLES]
        commit_checkpoint(store, engine, signer, created_at_now())
        return results


def _groups(files: list[DataFile], small_file_rows: int) -> list[list[DataFile]]:
    """Per partition, its small files in cursor order (batches never overlap, so neither do they)."""
    by_partition: dict[str, list[DataFile]] = defaultdict(list)
    for data_file in files:
        if data_file.rows < small_file_rows:
            by_partition[data_file.partition].append(data_file)
    return [sorted(group, key=lambda f: f.first) for group in by_partition.values() if len(group) > 1]


def compact_table(store: ArchiveStore, spec: TableSpec, small_file_rows: int,
                  signer: Signer | None) -> CompactResult:
    """Compact one table (nothing to do for a table without small files to merge). Must run
    under the ETL lock."""
    chain = read_chain(store, spec.name)
    groups = _groups(live_files(chain), small_file_rows)
    if not groups:
        return CompactResult(spec.name, 0, 0)
    head = chain[-1]
    seq = head.manifest.seq + 1
    writer = BatchWriter(store, spec, seq)
    try:
        for group in groups:
            for data_file in group:  # one file at a time: memory stays bounded
                rows = pq.read_table(store.full_path(data_file.path), filesystem=store.fs)
                for batch in rows.drop_columns([spec.partition]).to_batches():
                    writer.write(batch)
        written = writer.finish()
    except BaseException:
        writer.abort()
        raise
    replaced = tuple(f.path for group in groups for f in group)
    manifest = Manifest(
        table=spec.name, seq=seq, kind="compaction", created_at=created_at_now(),
        cursor_columns=spec.cursor_columns, cursor_from=head.manifest.cursor_to,
        cursor_to=head.manifest.cursor_to, row_count=0, merkle_root=merkle_root([]).hex(),
        columns=head.manifest.columns, schema=schema_fields(arrow_schema(spec)), source=head.manifest.source,
        previous={"seq": head.manifest.seq, "sha256": head.sha256}, files=written.files, replaces=replaced,
    )
    if signer is not None:
        manifest = signer.sign(manifest)
    create_exclusive(store, manifest_path(spec.name, seq), manifest.to_bytes())
    for path in replaced:
        store.delete(path)
    log.info("compacted %s: %d files into %d", spec.name, len(replaced), len(written.files))
    return CompactResult(spec.name, len(replaced), len(written.files))
