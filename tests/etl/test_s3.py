"""The archive in an S3-compatible bucket (a local moto server), through pyarrow's S3 filesystem."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from etl.run import run_once
from tests.etl.support import assert_events_archived_exactly_once, insert_audit, moto_s3
from warehouse.archive import committed_files, open_store, read_chain


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    with moto_s3("amo-archive") as endpoint:
        yield endpoint


def test_the_archive_works_in_an_s3_bucket(pg_settings, pg_engine, s3_endpoint):
    settings = pg_settings.replace(archive_url="s3://amo-archive/prod", s3_endpoint_url=s3_endpoint,
                                   etl_batch_rows=400)
    insert_audit(pg_engine, 1000)
    run_once(settings.etl, pg_engine, tables=["audit_events", "amos"])
    store = open_store(settings.archive_url, s3_endpoint_url=s3_endpoint)
    assert store.local_root is None
    assert [s.manifest.row_count for s in read_chain(store, "audit_events")] == [400, 400, 200]

    # A file left by a run that died before its manifest is removed by the next run.
    leftover = committed_files(store, "audit_events")[0].path.replace("000000000001-", "000000000004-")
    with store.fs.open_output_stream(store.full_path(leftover)) as stream:
        stream.write(b"half a parquet file")
    insert_audit(pg_engine, 10)
    report = run_once(settings.etl, pg_engine, tables=["audit_events"])
    assert report.tables[0].removed == [leftover]
    assert assert_events_archived_exactly_once(settings, pg_engine) == 1010


def test_a_bad_endpoint_setting_is_named(pg_settings):
    from warehouse.archive.errors import ArchiveError

    with pytest.raises(ArchiveError, match="AMOSCOPE_S3_ENDPOINT_URL"):
        open_store("s3://bucket/x", s3_endpoint_url="localhost:9000")
