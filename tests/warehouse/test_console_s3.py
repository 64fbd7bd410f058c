"""The archive console on an S3 archive (a local moto server): pyarrow datasets over the
manifest-listed objects, the same sandbox, the same escape corpus refused, objects unchanged."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.fs as pafs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from amoscope.cli import main
from amoscope.settings import Settings
from tests.etl.support import insert_audit, moto_s3
from tests.warehouse.conftest import archive_now, seed_org, write_record
from tests.warehouse.test_console import AUDITOR, CANARY, CORPUS
from warehouse import Warehouse
from warehouse.errors import ConsoleError, ConsoleRefused, ConsoleTimeout
from warehouse.schema import audit_events
from warehouse.scope import ALL_AMOS, TenantScope

BUCKET = "amo-archive"
S3_SECRET = "S3-SECRET-CANARY-5f2c"  # the store's credential: no console answer may show it


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server for the module, with a bucket and credentials in the environment."""
    with moto_s3(BUCKET, AWS_SECRET_ACCESS_KEY=S3_SECRET) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def world(s3_endpoint, module_pg_engine):
    """300 audit events, a finding and a CAR, archived by the ETL into the bucket."""
    engine = module_pg_engine
    settings = Settings.from_env(
        {}, database_url=engine.url.render_as_string(hide_password=False),
        archive_url=f"s3://{BUCKET}/prod", s3_endpoint_url=s3_endpoint, secret_key="test-secret-" + "x" * 40,
        console_row_limit=100, console_timeout_seconds=1.5)
    org = seed_org(engine)
    raised = datetime(2025, 3, 1, tzinfo=UTC)
    finding = write_record(engine, "findings", {
        "amo_id": org["amo"], "finding_no": "F-1", "source": "INTERNAL_AUDIT", "level": "L2",
        "regulation_ref": "145.A.40", "department_id": org["QUAL"], "description": "torque",
        "raised_at": raised, "status": "OPEN"}, raised)
    write_record(engine, "cars", {"amo_id": org["amo"], "car_no": "CAR-1", "finding_id": finding,
                                  "department_id": org["QUAL"], "due_date": date(2025, 4, 1),
                                  "status": "OPEN"}, raised)
    insert_audit(engine, 300)
    archive_now(settings, engine, tables=None)
    warehouse = Warehouse.open(settings.warehouse, engine)
    yield warehouse, settings, engine, finding, org["amo"]
    warehouse.close()


def _objects(settings: Settings) -> dict[str, str]:
    fs = pafs.S3FileSystem(endpoint_override=settings.s3_endpoint_url.removeprefix("http://"), scheme="http")
    infos = fs.get_file_info(pafs.FileSelector(BUCKET, recursive=True))
    result = {}
    for info in infos:
        if info.type == pafs.FileType.File:
            with fs.open_input_stream(info.path) as stream:
                result[info.path] = hashlib.sha256(stream.read()).hexdigest()
    return result


def _count(engine, *where) -> int:
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(audit_events).where(*where)
        return connection.execute(query).scalar_one()


def test_console_reads_the_s3_archive(world):
    wh, _, engine, finding, _ = world
    console = wh.console()
    assert {"audit_events", "cars", "findings"} <= set(console.views)
    before = _count(engine, audit_events.c.action == "CONSOLE_QUERY")
    rows = wh.sql("SELECT entity_type, count(*) AS n FROM audit_events "
                  "WHERE action <> 'CONSOLE_QUERY' GROUP BY 1 ORDER BY 1")
    assert rows.to_pandas().values.tolist() == [["cars", 301], ["findings", 1]]
    cars = wh.sql("SELECT car_no, status FROM cars").table.to_pylist()
    assert cars == [{"car_no": "CAR-1", "status": "OPEN"}]
    assert _count(engine, audit_events.c.action == "CONSOLE_QUERY") == before + 2
    # The warehouse's own reads scan the same kind of dataset (the archived CREATE, nothing hot).
    assert wh.timeline("findings", finding)["action"].tolist() == ["CREATE"]


def test_console_follows_new_manifests(world):
    wh, settings, engine, _, _ = world
    first = wh.sql("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'cars'").table.to_pylist()
    insert_audit(engine, 5)
    archive_now(settings, engine)
    later = wh.sql("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'cars'").table.to_pylist()
    assert later[0]["n"] == first[0]["n"] + 5


def test_s3_console_refuses_the_escape_corpus(world, tmp_path):
    """Every payload of the local corpus, plus reads of the bucket's own objects by URL."""
    wh, settings, _, _, amo = world
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(CANARY + "\n")
    archived = sorted(path for path in _objects(settings) if path.endswith(".parquet"))[0]
    host = settings.s3_endpoint_url
    payloads = [p.format(root=root, outside=outside) for p in CORPUS] + [
        f"SELECT * FROM read_parquet('s3://{archived}')",
        f"SELECT * FROM read_parquet('{host}/{archived}')",
        f"SELECT * FROM read_blob('{host}/{archived}')",
        f"SELECT * FROM parquet_metadata('s3://{archived}')",
        f"SELECT * FROM glob('s3://{BUCKET}/*')",
        f"SELECT * FROM read_text('{Path.cwd()}/pyproject.toml')",  # no folder is allowed at all
    ]
    before = _objects(settings)
    console = wh.console()
    for sql in payloads:
        with pytest.raises(ConsoleError) as raised:
            result = console.query(sql, context=AUDITOR, scope=TenantScope.for_amo(amo))
            pytest.fail(f"payload succeeded: {sql!r} -> {result.table.to_pylist()[:3]}")
        assert CANARY not in str(raised.value)
    assert _objects(settings) == before
    assert list(root.iterdir()) == []


def test_s3_console_sandbox_is_locked(world):
    """Second layer: a statement past the parser check still meets a locked, file-less sandbox."""
    wh, _, _, _, _ = world
    console = wh.console()
    for statement in ("SET enable_external_access = true", "SET lock_configuration = false",
                      "SET allowed_directories = ['/']", "INSTALL httpfs", "LOAD httpfs"):
        with pytest.raises(ConsoleError, match="(?i)lock|disabled|permission|extension"):
            console._run(statement, ALL_AMOS, time.monotonic())


def test_s3_console_limits_hold_on_datasets(world):
    wh, _, _, _, _ = world
    capped = wh.sql("SELECT * FROM audit_events ORDER BY id")
    assert (capped.row_count, capped.truncated) == (100, True)
    with pytest.raises(ConsoleTimeout, match="longer than 1.5 s"):
        wh.sql("SELECT count(*) FROM audit_events a, audit_events b, audit_events c, range(100000)")
    with pytest.raises(ConsoleRefused, match="does not exist"):
        wh.sql("SELECT * FROM _archive_audit_events")  # the warehouse's own scans are not visible


def test_s3_console_shows_no_store_credentials(world):
    wh, settings, _, _, _ = world
    seen = [wh.sql(sql).table.to_pylist() for sql in (
        "SELECT * FROM duckdb_views()", "SELECT name, value FROM duckdb_settings()",
        "SELECT * FROM duckdb_secrets()")]
    text = str(seen)
    assert S3_SECRET not in text and settings.s3_endpoint_url not in text
    assert seen[2] == []


def test_archive_query_command_on_s3(world):
    _, settings, _, _, _ = world
    env = {"AMOSCOPE_DATABASE_URL": settings.database_url, "AMOSCOPE_ARCHIVE_URL": settings.archive_url,
           "AMOSCOPE_S3_ENDPOINT_URL": settings.s3_endpoint_url, "AMOSCOPE_SECRET_KEY": settings.secret_key}
    runner = CliRunner()
    args = ["archive", "query", "SELECT car_no FROM cars", "--format", "csv", "--amo", "AMO1"]
    result = runner.invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["car_no", "CAR-1"]
    refused = runner.invoke(main, ["archive", "query", "COPY cars TO 'x.csv'", "--all-amos"], env=env)
    assert refused.exit_code == 1 and "only SELECT" in refused.output
