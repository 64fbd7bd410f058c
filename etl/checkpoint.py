"""Committing the archive-wide checkpoint that ends each ETL run (and each compaction).

The checkpoint records every archived table's head manifest and chains to the previous
checkpoint; it is created exclusively, like a manifest, then its hash is recorded in the
operational database. A crash before the file exists leaves the previous checkpoint as the
newest (the next run writes the missing one); a crash between the file and the database leaves
the database one checkpoint behind, which the next checkpoint chains past. Either way the
database never names a checkpoint the archive does not hold.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import sqlalchemy as sa

from etl.errors import EtlError
from etl.files import create_exclusive
from etl.signing import Signer
from warehouse.archive.anchors import record_anchor
from warehouse.archive.checkpoint import Checkpoint, StoredCheckpoint, TableHead, read_newest_checkpoint
from warehouse.archive.errors import ManifestError
from warehouse.archive.layout import ARCHIVED_TABLES, CHECKPOINT_DIR, TEMP_PREFIX, checkpoint_path
from warehouse.archive.manifest import manifest_sha256
from warehouse.archive.reader import read_head
from warehouse.archive.storage import ArchiveStore

log = logging.getLogger(__name__)


def table_heads(store: ArchiveStore) -> dict[str, TableHead]:
    """Every archived table's newest manifest, as a checkpoint records it."""
    heads = {}
    for name in ARCHIVED_TABLES:
        head = read_head(store, name)
        if head is not None:
            heads[name] = TableHead(head.manifest.seq, head.sha256, head.manifest.cursor_to)
    return heads


def check_against_checkpoint(newest: StoredCheckpoint | None, table: str, head_seq: int | None) -> None:
    """Refuse to write after a table whose newest manifests were removed: the newest checkpoint
    records more of it than the archive holds, and archiving on would paper over the loss."""
    recorded = newest.checkpoint.tables.get(table) if newest else None
    if recorded is None:
        return
    if head_seq is None or head_seq < recorded.seq:
        have = f"up to seq {head_seq}" if head_seq else "none"
        raise ManifestError(
            f"{newest.path} records {table} up to manifest seq {recorded.seq}, but the archive holds "
            f"{have}: committed manifests were removed. Archiving on would hide the loss; run "
            "'amoscope archive verify' and restore the archive from a copy.")


def commit_checkpoint(store: ArchiveStore, engine: sa.Engine, signer: Signer | None,
                      created_at: str) -> StoredCheckpoint | None:
    """Commit a checkpoint of the current heads, unless the newest already records them; record
    the newest checkpoint in the database either way. Must run under the ETL lock."""
    for path in store.list_files(CHECKPOINT_DIR):
        if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
            store.delete(path)  # a checkpoint write interrupted before its link
    newest = read_newest_checkpoint(store)
    heads = table_heads(store)
    for table in newest.checkpoint.tables if newest else ():
        check_against_checkpoint(newest, table, heads[table].seq if table in heads else None)
    if not heads:
        return None
    if newest is None or newest.checkpoint.tables != heads:
        checkpoint = Checkpoint(
            seq=(newest.checkpoint.seq if newest else 0) + 1, created_at=created_at,
            previous={"seq": newest.checkpoint.seq, "sha256": newest.sha256} if newest else None,
            tables=heads)
        if signer is not None:
            unsigned = checkpoint.to_document(with_signature=False)
            checkpoint = replace(checkpoint, signature=signer.signature(unsigned))
        raw = checkpoint.to_bytes()
        path = checkpoint_path(checkpoint.seq)
        create_exclusive(store, path, raw)
        newest = StoredCheckpoint(path, manifest_sha256(raw), raw, checkpoint)
        log.debug("committed %s over %d tables", path, len(heads))
    try:
        record_anchor(engine, archive_url=store.url, seq=newest.checkpoint.seq, sha256=newest.sha256,
                      created=newest.checkpoint.created, tables=len(newest.checkpoint.tables))
    except sa.exc.DBAPIError as error:
        raise EtlError(f"{newest.path} is committed, but recording its hash in the operational database "
                       f"failed ({str(error).splitlines()[0]}); the next run records it") from None
    return newest
