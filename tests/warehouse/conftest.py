"""Fixtures of the warehouse tests: small archives written here, events inserted for real."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture
def console_archive(tmp_path: Path) -> dict:
    """An archive folder with two Parquet tables, plus a secret outside and symlinks pointing out."""
    root = tmp_path / "console-archive"
    outside = tmp_path / "outside"
    (root / "data" / "audit_events").mkdir(parents=True)
    (root / "data" / "activity_events").mkdir(parents=True)
    outside.mkdir()
    audit = root / "data" / "audit_events" / "000000000001-000.parquet"
    pq.write_table(pa.table({
        "id": pa.array(range(1, 301), pa.int64()),
        "txid": pa.array([0] * 300, pa.int64()),
        "action": ["CREATE", "UPDATE", "STATE_CHANGE"] * 100,
        "entity_type": ["cars"] * 300,
        "entity_id": [str(i % 7) for i in range(300)],
    }), audit)
    activity = root / "data" / "activity_events" / "000000000001-000.parquet"
    pq.write_table(pa.table({
        "id": pa.array(range(1, 11), pa.int64()),
        "kind": ["car.closed"] * 10,
        "summary": [f"CAR {i} closed" for i in range(10)],
    }), activity)
    (outside / "secret.txt").write_text("TOP-SECRET-CANARY\n")
    pq.write_table(pa.table({"secret": ["TOP-SECRET-CANARY"]}), outside / "secret.parquet")
    (root / "link_to_secret.txt").symlink_to(outside / "secret.txt")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    return {"root": root, "outside": outside,
            "tables": {"audit_events": [str(audit)], "activity_events": [str(activity)]}}


@pytest.fixture(scope="module")
def module_pg_engine(pg_template: str):
    """One migrated PostgreSQL database shared by a module's tests (for cheap, many-case tests)."""
    from tests.conftest import create_pg_database, drop_pg_database
    from warehouse.database import create_engine

    url = create_pg_database(template=pg_template)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_pg_database(url)
