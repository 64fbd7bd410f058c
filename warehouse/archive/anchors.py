"""Anchors: checkpoint hashes kept in the operational database, outside the archive they vouch for.

Whoever can delete files in the archive can delete its newest checkpoints too; the database keeps
the hash of each checkpoint the ETL committed, so ``amoscope archive verify`` knows which one the
archive must still hold (an auditor offline passes the hash with ``--anchor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from warehouse.schema import archive_checkpoints


@dataclass(frozen=True)
class Anchor:
    """A trusted checkpoint hash; ``seq`` and ``created`` are known when it comes from the database."""

    sha256: str
    seq: int | None = None
    created: datetime | None = None
    source: str = "--anchor"  # where the trust comes from, for messages


def record_anchor(engine: sa.Engine, *, archive_url: str, seq: int, sha256: str, created: datetime,
                  tables: int) -> None:
    """Record a committed checkpoint (once: a checkpoint already recorded is left alone)."""
    with engine.begin() as connection:
        known = connection.execute(sa.select(archive_checkpoints.c.id).where(
            archive_checkpoints.c.sha256 == sha256)).first()
        if known is None:
            connection.execute(archive_checkpoints.insert().values(
                archive_url=archive_url, seq=seq, sha256=sha256, created_at=created, tables=tables))


def newest_anchor(engine: sa.Engine) -> Anchor | None:
    """The newest checkpoint recorded in the database, or None if none is."""
    with engine.connect() as connection:
        columns = archive_checkpoints.c
        row = connection.execute(sa.select(columns.seq, columns.sha256, columns.created_at)
                                 .order_by(columns.id.desc()).limit(1)).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite
    return Anchor(row.sha256, row.seq, created, source="the operational database")
