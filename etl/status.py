"""Where the archive stands against the operational database, per table (``amoscope etl status``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from etl.settings import EtlSettings
from etl.source import open_source
from warehouse.archive.anchors import newest_anchor
from warehouse.archive.checkpoint import read_newest_checkpoint
from warehouse.archive.errors import ArchiveError
from warehouse.archive.layout import ARCHIVED_TABLES
from warehouse.archive.manifest import Cursor
from warehouse.archive.reader import read_chain
from warehouse.archive.storage import open_store
from warehouse.settings import require


@dataclass(frozen=True)
class TableStatus:
    table: str
    watermark: Cursor | None  # cursor of the last archived row
    last_manifest: str | None
    last_kind: str | None
    lag_seconds: float | None  # age of the last manifest
    archived_rows: int
    rows_behind: int | None  # committed rows the next run would archive
    problem: str | None = None


def archive_status(settings: EtlSettings, engine: sa.Engine) -> list[TableStatus]:
    """Watermark, last manifest, lag and rows behind, for every archived table."""
    require(settings, EtlSettings, "archive_status")
    store = open_store(settings.warehouse.archive_url, s3_endpoint_url=settings.warehouse.s3_endpoint_url)
    source = open_source(settings.warehouse.database_url, engine)
    now = datetime.now(UTC)
    statuses = []
    with source.snapshot():
        for name, spec in ARCHIVED_TABLES.items():
            try:
                chain = read_chain(store, name)
            except ArchiveError as error:
                statuses.append(TableStatus(name, None, None, None, None, 0, None, str(error)))
                continue
            last = chain[-1] if chain else None
            cursor = last.manifest.cursor_to if last else (0,) * len(spec.cursor_columns)
            created = last.manifest.created if last else None
            statuses.append(TableStatus(
                table=name,
                watermark=last.manifest.cursor_to if last else None,
                last_manifest=last.path if last else None,
                last_kind=last.manifest.kind if last else None,
                lag_seconds=(now - created).total_seconds() if created else None,
                archived_rows=sum(stored.manifest.row_count for stored in chain),
                rows_behind=source.count_after(spec, cursor),
            ))
    return statuses


@dataclass(frozen=True)
class CheckpointStatus:
    """The archive's newest checkpoint and the newest one the database records (the anchor)."""

    path: str | None
    sha256: str | None
    age_seconds: float | None
    anchored_seq: int | None  # newest checkpoint the operational database records
    anchored_sha256: str | None
    problem: str | None = None


def checkpoint_status(settings: EtlSettings, engine: sa.Engine) -> CheckpointStatus:
    """Where the archive-wide head stands: the newest checkpoint, and whether the database has it."""
    require(settings, EtlSettings, "checkpoint_status")
    store = open_store(settings.warehouse.archive_url, s3_endpoint_url=settings.warehouse.s3_endpoint_url)
    anchor = newest_anchor(engine)
    anchored = (anchor.seq, anchor.sha256) if anchor else (None, None)
    try:
        newest = read_newest_checkpoint(store)
    except ArchiveError as error:
        return CheckpointStatus(None, None, None, *anchored, problem=str(error))
    if newest is None:
        return CheckpointStatus(None, None, None, *anchored)
    age = (datetime.now(UTC) - newest.checkpoint.created).total_seconds()
    return CheckpointStatus(newest.path, newest.sha256, age, *anchored)
