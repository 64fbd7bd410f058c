"""A database restored into a new PostgreSQL cluster is refused, not silently mis-read.

A second, real cluster is made with initdb; the test database is copied into it with pg_dump, as
an operator restoring a backup would do. Its transaction ids start afresh, so the archive's
cursor means nothing there: the ETL must refuse it and say why.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.errors import SourceMismatch
from etl.run import run_once
from tests.etl.support import insert_audit
from warehouse.archive import open_store, read_chain
from warehouse.database import create_engine

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True,
                   timeout=120)


@pytest.fixture
def second_cluster():
    """The admin URL of a freshly initialised PostgreSQL cluster on a free local port."""
    folder = Path(tempfile.mkdtemp(prefix="amoscope-cluster-"))
    shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                 "--no-sync", "--no-instructions")
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l", str(folder / "log"),
                 "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_restored_into_another_cluster_is_refused(pg_settings, pg_engine, pg_url, second_cluster):
    insert_audit(pg_engine, 100)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    insert_audit(pg_engine, 20)  # written before the "failure", restored with the backup

    name = sa.make_url(pg_url).database
    admin = sa.create_engine(f"{second_cluster}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    restored_url = f"{second_cluster}/{name}"
    plain = sa.make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True, timeout=120)
    target = sa.make_url(restored_url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=dump.stdout, check=True,
                   capture_output=True, timeout=120)

    restored = create_engine(restored_url)
    try:
        with pytest.raises(SourceMismatch, match="another cluster") as refused:
            run_once(pg_settings.replace(database_url=restored_url).etl, restored, tables=["audit_events"])
    finally:
        restored.dispose()
    assert "new AMOSCOPE_ARCHIVE_URL" in str(refused.value)
    assert len(read_chain(open_store(pg_settings.archive_url), "audit_events")) == 1
