"""The event-log writer: changed fields follow the audit contract; ids are time-ordered UUIDv7."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from warehouse.events import changed_fields, uuid7


def test_changed_fields_from_a_partial_before_image():
    after = {"id": 7, "status": "CLOSED", "closed_at": "2026-01-02", "owner": 3}
    assert changed_fields({"status": "OPEN", "closed_at": None}, after) == ["closed_at", "status"]
    assert changed_fields(None, after) == ["closed_at", "id", "owner", "status"]
    assert changed_fields({"status": "CLOSED"}, after) == []
    assert changed_fields(None, None) is None


def test_uuid7_is_version_7_and_sorts_by_time():
    earlier = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [uuid7(earlier + timedelta(milliseconds=step)) for step in range(0, 50, 5)]
    assert all(uuid.UUID(value).version == 7 for value in ids)
    assert ids == sorted(ids)
