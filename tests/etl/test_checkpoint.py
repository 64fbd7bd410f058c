"""Each ETL run ends with a checkpoint of every table's head, recorded in the database too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.run import run_once
from tests.etl.support import assert_archive_verifies, database_anchor, insert_audit
from warehouse.archive import open_store, read_chain
from warehouse.archive.errors import ManifestError
from warehouse.archive.manifest import manifest_sha256


def _checkpoints(settings) -> list[Path]:
    return sorted((Path(settings.archive_url) / "checkpoints").glob("*.json"))


def test_a_run_commits_a_checkpoint_of_every_head_and_the_database_records_it(pg_settings, pg_engine):
    insert_audit(pg_engine, 12)
    report = run_once(pg_settings.etl, pg_engine, tables=["audit_events", "activity_events"])
    (path,) = _checkpoints(pg_settings)
    document = json.loads(path.read_bytes())
    head = read_chain(open_store(pg_settings.archive_url), "audit_events")[-1]
    assert document["tables"]["audit_events"] == {"seq": head.manifest.seq, "sha256": head.sha256,
                                                  "cursor": list(head.manifest.cursor_to)}
    assert set(document["tables"]) == {"audit_events", "activity_events"} and document["previous"] is None
    assert report.checkpoint.sha256 == manifest_sha256(path.read_bytes())
    anchor = database_anchor(pg_settings)
    assert (anchor.seq, anchor.sha256) == (1, report.checkpoint.sha256)

    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])  # nothing new: no new checkpoint
    assert len(_checkpoints(pg_settings)) == 1
    insert_audit(pg_engine, 3)
    second = run_once(pg_settings.etl, pg_engine, tables=["audit_events"]).checkpoint
    assert second.checkpoint.previous == {"seq": 1, "sha256": report.checkpoint.sha256}
    assert set(second.checkpoint.tables) == {"audit_events", "activity_events"}  # the tables not run too
    assert_archive_verifies(pg_settings)


def test_a_checkpoint_the_database_missed_is_recorded_by_the_next_run(pg_settings, pg_engine):
    """A crash between the checkpoint's commit and the database leaves the anchor one behind:
    verify still passes against it, and the next run records the newest."""
    insert_audit(pg_engine, 5)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    insert_audit(pg_engine, 5)
    newest = run_once(pg_settings.etl, pg_engine, tables=["audit_events"]).checkpoint
    with pg_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM archive_checkpoints WHERE seq = 2"))
    assert database_anchor(pg_settings).seq == 1
    assert_archive_verifies(pg_settings)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    assert database_anchor(pg_settings).sha256 == newest.sha256
    assert len(_checkpoints(pg_settings)) == 2


@pytest.mark.parametrize("tables", [["audit_events"], ["activity_events"]], ids=["that table", "another"])
def test_a_run_after_removed_manifests_refuses_to_paper_over_the_loss(pg_settings, pg_engine, tables):
    insert_audit(pg_engine, 20)
    settings = pg_settings.replace(etl_batch_rows=10)
    run_once(settings.etl, pg_engine, tables=["audit_events", "activity_events"])
    newest = Path(pg_settings.archive_url) / "manifests" / "audit_events" / "000000000002.json"
    newest.unlink()
    for entry in (Path(pg_settings.archive_url) / "data" / "audit_events").rglob("000000000002-*.parquet"):
        entry.unlink()
    with pytest.raises(ManifestError, match="records audit_events up to manifest seq 2, but the archive "
                                            "holds up to seq 1: committed manifests were removed"):
        run_once(pg_settings.etl, pg_engine, tables=tables)
    assert len(_checkpoints(pg_settings)) == 1
