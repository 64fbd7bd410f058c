"""Checkpoints: the archive-wide head, committed after each ETL run, chained and optionally signed.

A manifest chain proves a table's history up to its newest manifest, but not that the newest
manifest is the last one written: cutting off the newest batches (with their files), or a whole
table, leaves a valid shorter chain. A checkpoint records, for every archived table, the SHA-256,
sequence number and cursor of its head manifest, and the SHA-256 of the previous checkpoint. Its
own SHA-256 is recorded in the operational database (and shown by ``amoscope archive head``), so
it can be kept outside the archive; verifying against it proves that nothing it covers is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warehouse.archive.errors import ManifestError
from warehouse.archive.layout import CHECKPOINT_DIR, FORMAT, checkpoint_path, manifest_seq
from warehouse.archive.manifest import CREATED_AT_FORMAT, Cursor, canonical_json, manifest_sha256
from warehouse.archive.storage import ArchiveStore


@dataclass(frozen=True)
class TableHead:
    """A table's newest manifest as a checkpoint records it."""

    seq: int
    sha256: str
    cursor: Cursor  # the manifest's cursor_to


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    created_at: str
    previous: dict[str, Any] | None  # {"seq": n, "sha256": hex} of the preceding checkpoint
    tables: dict[str, TableHead]
    signature: dict[str, str] | None = field(default=None)

    @property
    def created(self) -> datetime:
        return datetime.strptime(self.created_at, CREATED_AT_FORMAT).replace(tzinfo=UTC)

    def to_document(self, *, with_signature: bool = True) -> dict[str, Any]:
        document = {
            "format": FORMAT,
            "kind": "checkpoint",
            "seq": self.seq,
            "created_at": self.created_at,
            "previous": self.previous,
            "tables": {name: {"seq": head.seq, "sha256": head.sha256, "cursor": list(head.cursor)}
                       for name, head in sorted(self.tables.items())},
        }
        if with_signature and self.signature is not None:
            document["signature"] = self.signature
        return document

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_document())


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint with its path and the SHA-256 of its stored bytes (the anchor)."""

    path: str
    sha256: str
    raw: bytes
    checkpoint: Checkpoint


def parse_checkpoint(raw: bytes, where: str) -> Checkpoint:
    """Parse a stored checkpoint; ``where`` goes into every error message."""
    try:
        document = json.loads(raw)
        if not isinstance(document, dict):
            raise TypeError("not a JSON object")
        if document.get("format") != FORMAT or document.get("kind") != "checkpoint":
            raise ValueError(f"format {document.get('format')!r} kind {document.get('kind')!r} is not "
                             f"a {FORMAT} checkpoint")
        tables = {}
        for name, head in document["tables"].items():
            cursor = head["cursor"]
            if not isinstance(cursor, list) or not all(type(part) is int for part in cursor):
                raise TypeError(f"cursor of {name} must be a list of integers")
            if type(head["seq"]) is not int or not isinstance(head["sha256"], str):
                raise TypeError(f"seq and sha256 of {name} must be an integer and a string")
            tables[name] = TableHead(head["seq"], head["sha256"], tuple(cursor))
        checkpoint = Checkpoint(seq=document["seq"], created_at=document["created_at"],
                                previous=document["previous"], tables=tables,
                                signature=document.get("signature"))
        if type(checkpoint.seq) is not int:
            raise TypeError("seq must be an integer")
        checkpoint.created  # noqa: B018 (parses created_at)
    except (UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise ManifestError(f"{where}: malformed checkpoint ({type(error).__name__}: {error})") from None
    if checkpoint.previous is not None and not (
            isinstance(checkpoint.previous, dict) and set(checkpoint.previous) == {"seq", "sha256"}):
        raise ManifestError(f"{where}: 'previous' must be null or {{seq, sha256}}")
    return checkpoint


def checkpoint_paths(store: ArchiveStore) -> list[str]:
    """Paths of the checkpoint files in sequence order (other names are left out)."""
    return sorted(path for path in store.list_files(CHECKPOINT_DIR)
                  if manifest_seq(path.rsplit("/", 1)[-1]) is not None)


def load_checkpoint(store: ArchiveStore, path: str) -> StoredCheckpoint:
    raw = store.read_bytes(path)
    return StoredCheckpoint(path, manifest_sha256(raw), raw, parse_checkpoint(raw, path))


def read_newest_checkpoint(store: ArchiveStore) -> StoredCheckpoint | None:
    """The newest checkpoint (None if there is none), reading only that one: for the writer,
    which chains the next one to it. The numbering must have no gap."""
    paths = checkpoint_paths(store)
    if not paths:
        return None
    numbers = [manifest_seq(path.rsplit("/", 1)[-1]) for path in paths]
    if numbers != list(range(1, len(paths) + 1)):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        raise ManifestError(f"{CHECKPOINT_DIR}: checkpoints {missing[:5]} are missing; "
                            "run 'amoscope archive verify' for a full report")
    newest = load_checkpoint(store, paths[-1])
    if newest.path != checkpoint_path(newest.checkpoint.seq):
        raise ManifestError(f"{newest.path}: holds seq {newest.checkpoint.seq}; "
                            "run 'amoscope archive verify' for a full report")
    return newest


def checkpoint_chain_problem(previous: StoredCheckpoint | None, stored: StoredCheckpoint) -> str | None:
    """Why ``stored`` does not follow ``previous`` in the checkpoint chain, or None if it does."""
    checkpoint = stored.checkpoint
    expected = previous.checkpoint.seq + 1 if previous else 1
    if stored.path != checkpoint_path(checkpoint.seq):
        return f"file name does not match its seq {checkpoint.seq}"
    if checkpoint.seq != expected:
        return f"seq {checkpoint.seq} follows seq {expected - 1}: a checkpoint is missing"
    if previous is None:
        return None if checkpoint.previous is None else \
            "is the first checkpoint but names a previous one: earlier checkpoints are missing"
    if checkpoint.previous != {"seq": previous.checkpoint.seq, "sha256": previous.sha256}:
        return f"does not chain to {previous.path} (recorded previous {checkpoint.previous})"
    for name, head in previous.checkpoint.tables.items():
        now = checkpoint.tables.get(name)
        if now is None or now.seq < head.seq:
            return f"records {name} {'no longer' if now is None else f'at seq {now.seq}'}, " \
                   f"behind seq {head.seq} in {previous.path}"
    return None
