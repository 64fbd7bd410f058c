"""Retention prune: delete old event rows from the operational database once the archive holds them.

A row is deleted only if (1) its cursor is at or below the archived watermark, (2) its record
time is older than the kept window, (3) the table's archive verifies (files, hashes, chain,
Merkle roots), and (4) the very same row, hash for hash, is in the archive. Rows above the
watermark cannot qualify: every transaction id at or below it had ended when it was archived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow.compute as pc
import sqlalchemy as sa

from etl.errors import EtlError
from etl.lock import archive_lock
from etl.settings import EtlSettings
from etl.source import open_source
from warehouse.archive.layout import TableSpec, table_spec
from warehouse.archive.manifest import Cursor
from warehouse.archive.reader import open_dataset, read_chain, watermark
from warehouse.archive.row_encoder import row_hashes
from warehouse.archive.rowhash import cursor_arrays
from warehouse.archive.storage import ArchiveStore, open_store
from warehouse.archive.verify import verify_archive
from warehouse.schema import APPEND_ONLY_TABLES, metadata
from warehouse.settings import require

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PruneResult:
    table: str
    deleted: int
    watermark: Cursor | None


def prune(settings: EtlSettings, engine: sa.Engine, keep: timedelta, *,
          tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[PruneResult]:
    """Delete event rows older than ``keep`` that are verified in the archive; return what went."""
    require(settings, EtlSettings, "prune")
    store = open_store(settings.warehouse.archive_url, s3_endpoint_url=settings.warehouse.s3_endpoint_url)
    before = datetime.now(UTC) - keep
    results = []
    with archive_lock(engine):
        for name in tables:
            spec = table_spec(name)
            if not spec.append_only:
                raise EtlError(f"{name} is not an event table; only append-only tables are pruned")
            results.append(_prune_table(settings, engine, store, spec, before))
    return results


def _prune_table(settings: EtlSettings, engine: sa.Engine, store: ArchiveStore, spec: TableSpec,
                 before: datetime) -> PruneResult:
    chain = read_chain(store, spec.name)
    upto = watermark(chain)
    if upto is None:
        return PruneResult(spec.name, 0, None)
    report = verify_archive(store, tables=[spec.name])
    if not report.ok:
        raise EtlError(f"not pruning {spec.name}: its archive does not verify "
                       f"({len(report.problems)} problem(s), first: {report.problems[0]}); "
                       "run 'amoscope archive verify' and repair the archive first")
    archived = _archived_rows(store, spec, chain[-1].manifest.columns, upto, before)
    source = open_source(settings.warehouse.database_url, engine)
    candidates = 0
    with source.snapshot():
        for batch in source.read_prunable(spec, upto, before):
            keys = zip(*(array.to_pylist() for array in cursor_arrays(batch, spec)), strict=True)
            for key, digest in zip(keys, row_hashes(batch, chain[-1].manifest.columns), strict=True):
                if archived.get(tuple(key)) != digest:
                    raise EtlError(f"not pruning {spec.name}: row {list(key)} differs from, or is missing "
                                   "in, the archive; run 'amoscope archive verify' and 'amoscope etl run'")
                candidates += 1
    deleted = _delete(engine, spec, upto, before)
    if deleted != candidates:
        raise EtlError(f"pruning {spec.name} matched {deleted} rows but {candidates} were verified; "
                       "nothing was deleted")
    log.info("pruned %d %s rows older than %s (archived up to %s)", deleted, spec.name, before, list(upto))
    return PruneResult(spec.name, deleted, upto)


def _archived_rows(store: ArchiveStore, spec: TableSpec, columns: tuple[str, ...], upto: Cursor,
                   before: datetime) -> dict[tuple[int, ...], bytes]:
    """Cursor → row hash of the archived rows that may be pruned (months up to ``before``)."""
    dataset = open_dataset(store, spec.name)
    time_filter = (pc.field("month") <= before.strftime("%Y-%m")) & (pc.field(spec.time_column) < before)
    rows: dict[tuple[int, ...], bytes] = {}
    for batch in dataset.to_batches(filter=time_filter):
        keys = zip(*(array.to_pylist() for array in cursor_arrays(batch, spec)), strict=True)
        for key, digest in zip(keys, row_hashes(batch, columns), strict=True):
            if tuple(key) <= upto:
                rows[tuple(key)] = digest
    return rows


def _delete(engine: sa.Engine, spec: TableSpec, upto: Cursor, before: datetime) -> int:
    """Delete in one transaction; on PostgreSQL the append-only trigger lets only a prune through."""
    table = metadata.tables[spec.name]
    key = sa.tuple_(*(table.c[name] for name in spec.cursor_columns))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL amoscope.prune = 'on'"))
        result = connection.execute(
            sa.delete(table).where(key <= sa.tuple_(*upto), table.c[spec.time_column] < before))
        return result.rowcount
