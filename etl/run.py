"""One ETL run: every archived table, batch by batch, each batch committed by its manifest.

Order of a batch: read rows after the archived cursor → write and publish its Parquet files →
create its manifest (the commit point). Reading runs ahead in its own thread, so the next
batch's rows are already arriving while a batch is committed. A run that dies anywhere before
the manifest exists leaves only uncommitted files, which the next run removes before it starts;
a run that dies after it has committed the batch. So every row is archived exactly once,
whatever the crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from etl.checkpoint import check_against_checkpoint, commit_checkpoint
from etl.cleanup import remove_orphans
from etl.compact import CompactResult, compact_table
from etl.errors import SourceMismatch
from etl.files import create_exclusive
from etl.lock import archive_lock
from etl.parquet_batch import BatchWriter
from etl.prefetch import prefetch
from etl.progress import Progress, plain_progress
from etl.settings import EtlSettings
from etl.signing import Signer
from etl.source import PostgresSource, Snapshot, SourceIdentity, SqliteSource, open_source
from warehouse.archive.checkpoint import StoredCheckpoint, read_newest_checkpoint
from warehouse.archive.layout import ARCHIVED_TABLES, TableSpec, manifest_path, table_spec
from warehouse.archive.manifest import Cursor, Manifest, created_at_now, manifest_sha256
from warehouse.archive.merkle import merkle_root
from warehouse.archive.reader import StoredManifest, read_head
from warehouse.archive.rowhash import arrow_schema, cursor_arrays, cursor_at, schema_fields
from warehouse.archive.storage import ArchiveStore, open_store
from warehouse.settings import require

log = logging.getLogger(__name__)


@dataclass
class TableRun:
    """What one run did to one table."""

    table: str
    batches: int = 0
    rows: int = 0
    heartbeat: bool = False
    watermark: Cursor = ()
    removed: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    tables: list[TableRun]
    compacted: list[CompactResult] = field(default_factory=list)
    checkpoint: StoredCheckpoint | None = None  # the archive's newest checkpoint after the run

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


class Archiver:
    """Archives the tables of one operational database into one archive store."""

    def __init__(self, store: ArchiveStore, engine: sa.Engine, source: PostgresSource | SqliteSource, *,
                 batch_rows: int, heartbeat_after: timedelta, small_file_rows: int,
                 signer: Signer | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None):
        self.store = store
        self.engine = engine
        self.source = source
        self.batch_rows = batch_rows
        self.heartbeat_after = heartbeat_after
        self.small_file_rows = small_file_rows
        self.signer = signer
        self.progress = progress or plain_progress()
        self.stop = stop or threading.Event()

    def run(self, tables: Iterable[str] | None = None, *, compact: Iterable[str] = ()) -> RunReport:
        """Archive everything committed below the snapshot horizon, then compact the tables named
        by ``compact`` and commit a checkpoint; raise on any failure."""
        specs = [table_spec(name) for name in (tables or ARCHIVED_TABLES)]
        with archive_lock(self.engine):
            checkpoint = read_newest_checkpoint(self.store)
            with self.source.snapshot() as snapshot:
                identity = self.source.identity()
                results = []
                for spec in specs:
                    if self.stop.is_set():
                        break
                    results.append(self._run_table(spec, snapshot, identity, checkpoint))
            compacted = [compact_table(self.store, table_spec(name), self.small_file_rows, self.signer)
                         for name in compact if not self.stop.is_set()]
            # After the snapshot's transaction: recording the anchor writes to the database.
            checkpoint = commit_checkpoint(self.store, self.engine, self.signer, created_at_now())
            return RunReport(results, compacted, checkpoint)

    def _run_table(self, spec: TableSpec, snapshot: Snapshot, identity: SourceIdentity,
                   checkpoint: StoredCheckpoint | None) -> TableRun:
        last = read_head(self.store, spec.name)
        check_against_checkpoint(checkpoint, spec.name, last.manifest.seq if last else None)
        result = TableRun(spec.name, removed=remove_orphans(self.store, spec.name, last))
        if last is not None:
            check_same_source(self.store, last, identity, snapshot)
        cursor = last.manifest.cursor_to if last else (0,) * len(spec.cursor_columns)
        total = self.source.count_after(spec, cursor) if self.progress.wants_totals else None
        self.progress.start(spec.name, total)
        # One read-ahead over all batches: the next batch's read runs while this one is committed.
        rows = prefetch(consecutive_reads(self.source, spec, cursor, self.batch_rows), depth=READ_AHEAD)
        try:
            while True:
                writer = BatchWriter(self.store, spec, (last.manifest.seq if last else 0) + 1)
                try:
                    for batch in rows:
                        if batch is END_OF_READ:
                            break
                        writer.write(batch)
                        self.progress.advance(batch.num_rows)
                    if writer.rows == 0:
                        writer.abort()
                        break
                    written = writer.finish()
                except BaseException:
                    writer.abort()
                    raise
                last = self._commit(spec, last, identity, snapshot, "batch", cursor, written.last,
                                    written.rows, written.merkle_root.hex(), written.files)
                cursor = written.last
                result.batches += 1
                result.rows += written.rows
                if written.rows < self.batch_rows or self.stop.is_set():
                    break
        finally:
            rows.close()  # stops the read-ahead before the snapshot's connection closes
        if result.batches == 0 and (last is None or
                                    datetime.now(UTC) - last.manifest.created >= self.heartbeat_after):
            last = self._commit(spec, last, identity, snapshot, "heartbeat", cursor, cursor, 0,
                                merkle_root([]).hex(), ())
            result.heartbeat = True
        result.watermark = cursor
        self.progress.finish(spec.name, result.rows, result.batches)
        return result

    def _commit(self, spec: TableSpec, last: StoredManifest | None, identity: SourceIdentity,
                snapshot: Snapshot, kind: str, cursor_from: Cursor, cursor_to: Cursor, rows: int,
                root: str, files) -> StoredManifest:
        seq = (last.manifest.seq if last else 0) + 1
        manifest = Manifest(
            table=spec.name, seq=seq, kind=kind, created_at=created_at_now(),
            cursor_columns=spec.cursor_columns, cursor_from=cursor_from, cursor_to=cursor_to,
            row_count=rows, merkle_root=root, columns=spec.columns, schema=schema_fields(arrow_schema(spec)),
            source={"dialect": identity.dialect, "database": identity.database,
                    "system_identifier": identity.system_identifier, "horizon": snapshot.horizon},
            previous={"seq": last.manifest.seq, "sha256": last.sha256} if last else None,
            files=tuple(files),
        )
        if self.signer is not None:
            manifest = self.signer.sign(manifest)
        raw = manifest.to_bytes()
        path = manifest_path(spec.name, seq)
        create_exclusive(self.store, path, raw)
        log.debug("committed %s (%s, %d rows)", path, kind, rows)
        return StoredManifest(path, manifest_sha256(raw), raw, manifest)


END_OF_READ = object()
# Record batches read ahead (about 2 MiB each): enough to keep the server busy while a batch is
# finished and committed (≈ 0.25 s for a million rows).
READ_AHEAD = 32


def consecutive_reads(source: PostgresSource | SqliteSource, spec: TableSpec, cursor: Cursor,
                      limit: int) -> Iterator[pa.RecordBatch | object]:
    """Reads of ``limit`` rows each, one after the other from ``cursor``, each followed by
    ``END_OF_READ``: the rows of one batch. Stops after a read of fewer rows."""
    while True:
        count, tail = 0, None
        for batch in source.read(spec, cursor, limit):
            count += batch.num_rows
            tail = batch if batch.num_rows else tail
            yield batch
        yield END_OF_READ
        if count < limit:
            return
        cursor = cursor_at(cursor_arrays(tail, spec), -1)


def check_same_source(store: ArchiveStore, last: StoredManifest, identity: SourceIdentity,
                      snapshot: Snapshot) -> None:
    """Refuse a database that is not the one the archive continues (restored, failed over, replaced)."""
    recorded = last.manifest.source
    if recorded.get("dialect") != identity.dialect or \
            recorded.get("system_identifier") != identity.system_identifier:
        raise SourceMismatch(
            f"{store.url} was made from {recorded.get('dialect')} cluster "
            f"{recorded.get('system_identifier')} (database {recorded.get('database')!r}, see {last.path}), "
            f"but the operational database is {identity.dialect} cluster {identity.system_identifier} "
            f"(database {identity.database!r}). A database restored or failed over into another cluster "
            "has new transaction ids that do not continue the archived cursor, so archiving it here "
            "would lose or duplicate rows. Archive it into a new AMOSCOPE_ARCHIVE_URL."
        )
    if recorded.get("database") != identity.database:
        raise SourceMismatch(
            f"{store.url} was made from database {recorded.get('database')!r} (see {last.path}), not "
            f"{identity.database!r}. Point AMOSCOPE_ARCHIVE_URL at this database's own archive."
        )
    cursor_txid = last.manifest.cursor_to[0]
    if snapshot.next_xid is not None and cursor_txid >= snapshot.next_xid:
        raise SourceMismatch(
            f"{last.path} archived transaction id {cursor_txid}, but this database has only reached "
            f"{snapshot.next_xid}: it was restored from a backup older than the archive. Archiving it "
            "would skip its new rows; archive it into a new AMOSCOPE_ARCHIVE_URL."
        )


def make_archiver(settings: EtlSettings, engine: sa.Engine, *, progress: Progress | None = None,
                  stop: threading.Event | None = None) -> Archiver:
    """The archiver configured by ``settings`` (archive URL, batch size, heartbeat, signing key)."""
    require(settings, EtlSettings, "the archiver")
    return Archiver(
        open_store(settings.warehouse.archive_url, s3_endpoint_url=settings.warehouse.s3_endpoint_url),
        engine,
        open_source(settings.warehouse.database_url, engine),
        batch_rows=settings.etl_batch_rows,
        heartbeat_after=timedelta(minutes=settings.etl_heartbeat_minutes),
        small_file_rows=settings.etl_compact_small_file_rows,
        signer=Signer(Path(settings.signing_key_path)) if settings.signing_key_path else None,
        progress=progress,
        stop=stop,
    )


def run_once(settings: EtlSettings, engine: sa.Engine, *, tables: Iterable[str] | None = None,
             compact: Iterable[str] = (), new_progress: Callable[[], Progress] = plain_progress,
             stop: threading.Event | None = None) -> RunReport:
    """Archive the operational database of ``settings`` once (what ``amoscope etl run`` does,
    there in a child process on PostgreSQL: etl.isolation), then compact the ``compact`` tables,
    showing progress on a display made by ``new_progress`` in the process that runs."""
    progress = new_progress()
    try:
        return make_archiver(settings, engine, progress=progress, stop=stop).run(tables, compact=compact)
    finally:
        progress.close()
