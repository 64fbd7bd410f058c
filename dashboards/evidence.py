"""Re-verifying a CAR attachment: hash the stored file again and compare it with the SHA-256
recorded when it was uploaded.

Attachments name their file by ``storage_uri`` (``s3://bucket/key`` or a path). The deployment
says where those files can be read (``AMOSCOPE_EVIDENCE_ROOT``, a folder holding one folder per
bucket); without it the page says so and offers no button, rather than reporting every file
missing. The result (OK, MISMATCH, MISSING) and its time are written to the attachment with an
audit event holding the before and after values, in one transaction.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.events import RequestContext, record_audit
from warehouse.schema import car_attachments

CHUNK = 1 << 20


def evidence_path(root: str, storage_uri: str) -> Path | None:
    """Where ``storage_uri`` is under ``root``; None when it would leave the root."""
    parsed = urlparse(storage_uri)
    relative = PurePosixPath(parsed.netloc, parsed.path.lstrip("/")) if parsed.scheme else \
        PurePosixPath(storage_uri.lstrip("/"))
    if ".." in relative.parts:
        return None
    base = Path(root).resolve()
    path = (base / relative).resolve()
    return path if path.is_relative_to(base) else None


def file_status(root: str, storage_uri: str, sha256: str) -> str:
    """OK when the file's SHA-256 is the stored one, MISMATCH when it differs, MISSING without it."""
    path = evidence_path(root, storage_uri)
    if path is None or not path.is_file():
        return "MISSING"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return "OK" if digest.hexdigest() == sha256.lower() else "MISMATCH"


def reverify(connection: Connection, context: RequestContext, amo_id: int, attachment: dict,
             root: str) -> str:
    """Check ``attachment`` again, store the result and its time, audit the change; the result."""
    status = file_status(root, attachment["storage_uri"], attachment["sha256"])
    now = datetime.now(UTC)
    before = {key: _iso(value) for key, value in attachment.items() if key != "department"}
    after = {**before, "verify_status": status, "last_verified_at": now.isoformat(),
             "updated_at": now.isoformat(), "row_version": attachment["row_version"] + 1}
    version = attachment["row_version"] + 1
    connection.execute(sa.update(car_attachments).where(car_attachments.c.id == attachment["id"]).values(
        verify_status=status, last_verified_at=now, updated_at=now, row_version=version))
    record_audit(connection, context, "UPDATE", amo_id=amo_id, entity_type="car_attachments",
                 entity_id=attachment["id"], entity_version=version, before=before, after=after,
                 reason="Integrity re-verified from the record page")
    return status


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
