"""Fixtures of the archive-format tests: a real archive, written by the ETL from PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from amoscope.settings import Settings
from etl.run import run_once
from etl.signing import generate_keypair
from tests.conftest import create_pg_database, drop_pg_database
from tests.etl.support import ensure_amo, insert_audit
from warehouse.database import create_engine


@pytest.fixture(scope="module")
def signed_archive(pg_template: str, tmp_path_factory) -> dict:
    """A signed archive of 600 audit events over three months, in six batches (read-only: copy it
    before changing anything). Returns its folder, key paths, settings and engine."""
    folder = tmp_path_factory.mktemp("signed-archive")
    root, keys = folder / "archive", folder / "keys"
    root.mkdir()
    public_path, _ = generate_keypair(keys / "signing.pem")
    url = create_pg_database(template=pg_template)
    engine = create_engine(url)
    amo_id = ensure_amo(engine)
    insert_audit(engine, 600, start=datetime(2026, 7, 1, tzinfo=UTC), step=timedelta(hours=3), amo_id=amo_id)
    settings = Settings.from_env({}, database_url=url, archive_url=str(root), etl_batch_rows=100,
                                 signing_key_path=str(keys / "signing.pem"))
    run_once(settings.etl, engine, tables=["audit_events", "activity_events"])
    yield {"root": root, "public_key": Path(public_path), "settings": settings, "engine": engine}
    engine.dispose()
    drop_pg_database(url)
