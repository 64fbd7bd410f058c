"""The manifest: one JSON document per committed batch, the commit point of the archive.

A manifest is stored as canonical JSON (sorted keys, no spaces, ASCII), so its SHA-256, which
the next manifest records as ``previous.sha256``, can be recomputed by anyone with ``sha256sum``.
The Ed25519 signature covers the same canonical JSON without the ``signature`` member
(warehouse.archive.signatures).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from warehouse.archive.errors import ManifestError
from warehouse.archive.layout import FORMAT

Cursor = tuple[int, ...]  # one integer per cursor column; dates as days since 1970-01-01
KINDS = ("batch", "heartbeat", "compaction")
CREATED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # UTC, microseconds


def created_at_now() -> str:
    """The current UTC time as a manifest's ``created_at``."""
    return datetime.now(UTC).strftime(CREATED_AT_FORMAT)


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file: where it is, what it holds, and how to check it."""

    path: str
    partition: str  # the value of the table's partition column: YYYY-MM or YYYY
    rows: int
    sha256: str
    size: int
    first: Cursor  # cursor of the file's first row (rows are sorted by cursor)
    last: Cursor  # cursor of its last row


@dataclass(frozen=True)
class Manifest:
    """A committed batch of one table (``kind`` batch), a heartbeat, or a compaction.

    A batch covers the cursor range ``(cursor_from, cursor_to]``: ``cursor_from`` is the previous
    manifest's ``cursor_to``, so consecutive manifests leave no gap. A heartbeat and a compaction
    add no rows (``cursor_from == cursor_to``); a compaction rewrites the files listed in
    ``replaces`` into ``files`` without changing any row.
    """

    table: str
    seq: int
    kind: str
    created_at: str  # ISO 8601 UTC
    cursor_columns: tuple[str, ...]
    cursor_from: Cursor
    cursor_to: Cursor
    row_count: int
    merkle_root: str  # hex; over the batch's row hashes in cursor order
    columns: tuple[str, ...]
    schema: tuple[dict, ...]  # the data files' Arrow schema: {"name", "type", "nullable"} per field
    source: dict[str, Any]  # dialect, database, system_identifier, horizon
    previous: dict[str, Any] | None  # {"seq": n, "sha256": hex} of the preceding manifest
    files: tuple[FileEntry, ...] = ()
    replaces: tuple[str, ...] = ()
    signature: dict[str, str] | None = field(default=None)

    @property
    def created(self) -> datetime:
        """``created_at`` as an aware UTC datetime."""
        return datetime.strptime(self.created_at, CREATED_AT_FORMAT).replace(tzinfo=UTC)

    def to_document(self, *, with_signature: bool = True) -> dict[str, Any]:
        document = {
            "format": FORMAT,
            "table": self.table,
            "seq": self.seq,
            "kind": self.kind,
            "created_at": self.created_at,
            "cursor_columns": list(self.cursor_columns),
            "cursor_from": list(self.cursor_from),
            "cursor_to": list(self.cursor_to),
            "row_count": self.row_count,
            "merkle_root": self.merkle_root,
            "columns": list(self.columns),
            "schema": [dict(item) for item in self.schema],
            "source": self.source,
            "previous": self.previous,
            "files": [
                {"path": f.path, "partition": f.partition, "rows": f.rows, "sha256": f.sha256, "size": f.size,
                 "first": list(f.first), "last": list(f.last)}
                for f in self.files
            ],
            "replaces": list(self.replaces),
        }
        if with_signature and self.signature is not None:
            document["signature"] = self.signature
        return document

    def to_bytes(self) -> bytes:
        """The canonical bytes stored in the manifest file."""
        return canonical_json(self.to_document())

    def with_signature(self, signature: dict[str, str]) -> Manifest:
        return replace(self, signature=signature)


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_manifest(raw: bytes, where: str) -> Manifest:
    """Parse a stored manifest; ``where`` (its path) goes into every error message."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ManifestError(f"{where}: not a JSON object")
    if document.get("format") != FORMAT:
        raise ManifestError(f"{where}: format is {document.get('format')!r}, expected {FORMAT!r}")
    try:
        manifest = Manifest(
            table=_typed(document, "table", str),
            seq=_typed(document, "seq", int),
            kind=_typed(document, "kind", str),
            created_at=_typed(document, "created_at", str),
            cursor_columns=tuple(_typed(document, "cursor_columns", list)),
            cursor_from=_cursor(document["cursor_from"]),
            cursor_to=_cursor(document["cursor_to"]),
            row_count=_typed(document, "row_count", int),
            merkle_root=_typed(document, "merkle_root", str),
            columns=tuple(_typed(document, "columns", list)),
            schema=tuple(_schema_field(item) for item in _typed(document, "schema", list)),
            source=_typed(document, "source", dict),
            previous=document["previous"],
            files=tuple(
                FileEntry(path=f["path"], partition=f["partition"], rows=int(f["rows"]), sha256=f["sha256"],
                          size=int(f["size"]), first=_cursor(f["first"]), last=_cursor(f["last"]))
                for f in _typed(document, "files", list)
            ),
            replaces=tuple(_typed(document, "replaces", list)),
            signature=document.get("signature"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ManifestError(f"{where}: malformed manifest ({type(error).__name__}: {error})") from None
    width = len(manifest.cursor_columns)
    cursors = [manifest.cursor_from, manifest.cursor_to]
    cursors += [cursor for entry in manifest.files for cursor in (entry.first, entry.last)]
    if any(len(cursor) != width for cursor in cursors):
        raise ManifestError(f"{where}: every cursor must have {width} parts, one per cursor column")
    if manifest.kind not in KINDS:
        raise ManifestError(f"{where}: unknown kind {manifest.kind!r}")
    try:
        manifest.created  # noqa: B018 (parses created_at)
    except ValueError:
        raise ManifestError(f"{where}: created_at {manifest.created_at!r} is not "
                            "YYYY-MM-DDTHH:MM:SS.ffffffZ") from None
    if manifest.previous is not None and not (
        isinstance(manifest.previous, dict) and {"seq", "sha256"} <= set(manifest.previous)
    ):
        raise ManifestError(f"{where}: 'previous' must be null or {{seq, sha256}}")
    return manifest


def _typed(document: dict, key: str, kind: type) -> Any:
    value = document[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key!r} must be {kind.__name__}")
    return value


def _schema_field(item: Any) -> dict:
    if not (isinstance(item, dict) and set(item) == {"name", "type", "nullable"}
            and isinstance(item["name"], str) and isinstance(item["type"], str)
            and isinstance(item["nullable"], bool)):
        raise TypeError(f"schema entries must be {{name, type, nullable}}, got {item!r}")
    return item


def _cursor(value: Any) -> Cursor:
    if (not isinstance(value, list) or not value
            or not all(isinstance(part, int) and not isinstance(part, bool) for part in value)):
        raise ValueError(f"cursor must be a list of integers, got {value!r}")
    return tuple(value)
