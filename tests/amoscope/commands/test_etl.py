"""``amoscope etl``: run, follow (stops on SIGTERM), status, prune, and failures as exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from amoscope.cli import main
from etl.lock import archive_lock
from tests.etl.support import insert_audit


def _env(settings) -> dict[str, str]:
    return {"AMOSCOPE_DATABASE_URL": settings.database_url, "AMOSCOPE_ARCHIVE_URL": settings.archive_url,
            "AMOSCOPE_LOG_LEVEL": "WARNING"}


def test_run_status_and_prune(pg_settings, pg_engine):
    insert_audit(pg_engine, 30, start=datetime.now(UTC) - timedelta(days=20), step=timedelta(hours=1))
    runner = CliRunner()
    result = runner.invoke(main, ["etl", "run"], env=_env(pg_settings))
    assert result.exit_code == 0, result.output
    assert "archived 30 rows" in result.output

    status = runner.invoke(main, ["etl", "status"], env=_env(pg_settings))
    assert status.exit_code == 0, status.output
    line = next(line for line in status.output.splitlines() if line.startswith("audit_events "))
    assert " 30 " in line and "manifests/audit_events/000000000001.json (batch)" in line
    checkpoint = next(line for line in status.output.splitlines() if line.startswith("checkpoint: "))
    assert checkpoint.startswith("checkpoint: checkpoints/000000000001.json sha256 ")
    assert "database anchor: checkpoint 1 (the newest)" in status.output
    head = runner.invoke(main, ["archive", "head"], env=_env(pg_settings))
    assert head.exit_code == 0 and checkpoint.split()[3] in head.output, head.output

    insert_audit(pg_engine, 5)
    behind = runner.invoke(main, ["etl", "status"], env=_env(pg_settings))
    line = next(line for line in behind.output.splitlines() if line.startswith("audit_events "))
    assert line.split()[2:4] == ["30", "5"]  # archived, behind

    pruned = runner.invoke(main, ["etl", "prune", "--keep", "7d", "--table", "audit_events"],
                           env=_env(pg_settings))
    assert pruned.exit_code == 0, pruned.output
    assert "audit_events: deleted 30 rows" in pruned.output


def test_a_failed_run_exits_non_zero_with_the_reason(pg_settings, pg_engine):
    with archive_lock(pg_engine):
        result = CliRunner().invoke(main, ["etl", "run"], env=_env(pg_settings))
    assert result.exit_code == 1
    assert "only one may run at a time" in result.output
    bad = CliRunner().invoke(main, ["etl", "run", "--follow", "--interval", "soon"], env=_env(pg_settings))
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_follow_mode_stops_cleanly_on_sigterm(pg_settings, pg_engine):
    insert_audit(pg_engine, 10)
    command = [str(Path(sys.executable).with_name("amoscope")), "etl", "run", "--follow",
               "--interval", "0.2s"]
    process = subprocess.Popen(command, env={**os.environ, **_env(pg_settings)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    first_manifest = Path(pg_settings.archive_url) / "manifests" / "audit_events" / "000000000001.json"
    deadline = time.monotonic() + 60
    while not first_manifest.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    insert_audit(pg_engine, 7)
    second = first_manifest.with_name("000000000002.json")
    while not second.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert second.exists(), "follow mode did not pick up new events"
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "stopped after" in output
    assert not list(Path(pg_settings.archive_url).rglob(".tmp-*"))
