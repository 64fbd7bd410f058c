"""``amoscope archive``: verify (exit 1 with located problems), prove / --check, keygen, compact."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from amoscope.cli import main
from etl.run import run_once
from tests.etl.support import insert_audit


def _env(settings, **extra) -> dict[str, str]:
    return {"AMOSCOPE_DATABASE_URL": settings.database_url, "AMOSCOPE_ARCHIVE_URL": settings.archive_url,
            "AMOSCOPE_LOG_LEVEL": "WARNING", **extra}


def test_keygen_signs_and_verify_checks_with_the_key(pg_settings, pg_engine, tmp_path):
    runner = CliRunner()
    key = tmp_path / "keys" / "etl.pem"
    made = runner.invoke(main, ["archive", "keygen", str(key)], env=_env(pg_settings))
    assert made.exit_code == 0, made.output
    assert (key.stat().st_mode & 0o777) == 0o600 and Path(f"{key}.pub").exists()
    again = runner.invoke(main, ["archive", "keygen", str(key)], env=_env(pg_settings))
    assert again.exit_code == 1 and "already exists" in again.output

    insert_audit(pg_engine, 40)
    signed_env = _env(pg_settings, AMOSCOPE_SIGNING_KEY_PATH=str(key), AMOSCOPE_ETL_BATCH_ROWS="15")
    assert runner.invoke(main, ["etl", "run"], env=signed_env).exit_code == 0
    verified = runner.invoke(main, ["archive", "verify", "--public-key", f"{key}.pub"], env=_env(pg_settings))
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK:") and "signatures checked" in verified.output

    compacted = runner.invoke(main, ["archive", "compact", "--table", "audit_events"], env=signed_env)
    assert compacted.exit_code == 0 and "3 files merged into 1" in compacted.output, compacted.output
    assert runner.invoke(main, ["archive", "verify"], env=signed_env).exit_code == 0


def test_verify_exits_non_zero_and_names_each_broken_file(pg_settings, pg_engine):
    insert_audit(pg_engine, 20)
    run_once(pg_settings.replace(etl_batch_rows=10).etl, pg_engine, tables=["audit_events"])
    root = Path(pg_settings.archive_url)
    files = sorted((root / "data" / "audit_events").rglob("*.parquet"))
    files[0].write_bytes(files[0].read_bytes()[:-1] + b"\x00")
    (root / "manifests" / "audit_events" / "000000000001.json").unlink()
    result = CliRunner().invoke(main, ["archive", "verify", "--table", "audit_events"], env=_env(pg_settings))
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("PROBLEM ")]
    assert any("manifests/audit_events/000000000002.json" in line for line in problems)
    assert any(str(files[0].relative_to(root)) in line for line in problems)
    assert "problem(s) found" in result.output


def test_prove_prints_a_proof_that_checks_offline(pg_settings, pg_engine, tmp_path):
    event_ids = insert_audit(pg_engine, 25)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    runner = CliRunner()
    proved = runner.invoke(main, ["archive", "prove", event_ids[11]], env=_env(pg_settings))
    assert proved.exit_code == 0, proved.output
    proof_path = tmp_path / "proof.json"
    proof_path.write_text(proved.output)
    checked = runner.invoke(main, ["archive", "prove", "--check", str(proof_path)], env=_env(pg_settings))
    assert checked.exit_code == 0 and "is row 12 of 25" in checked.output, checked.output
    document = json.loads(proved.output)
    document["row"]["ip"] = "192.0.2.66"
    proof_path.write_text(json.dumps(document))
    doctored = runner.invoke(main, ["archive", "prove", "--check", str(proof_path)], env=_env(pg_settings))
    assert doctored.exit_code == 1 and "PROBLEM" in doctored.output
    unknown = runner.invoke(main, ["archive", "prove", "no-such-event"], env=_env(pg_settings))
    assert unknown.exit_code == 1 and "no audit_events row" in unknown.output


def test_verify_max_age_fails_a_stale_archive_and_refuses_a_bad_duration(pg_settings, pg_engine):
    insert_audit(pg_engine, 5)
    run_once(pg_settings.etl, pg_engine, tables=["audit_events"])
    runner = CliRunner()
    fresh = runner.invoke(main, ["archive", "verify", "--max-age", "1h"], env=_env(pg_settings))
    assert fresh.exit_code == 0, fresh.output
    time.sleep(1.1)
    stale = runner.invoke(main, ["archive", "verify", "--max-age", "1s"], env=_env(pg_settings))
    assert stale.exit_code == 1
    assert "PROBLEM manifests/audit_events/000000000001.json: the newest manifest is" in stale.output
    wrong = runner.invoke(main, ["archive", "verify", "--max-age", "an hour"], env=_env(pg_settings))
    assert wrong.exit_code == 2 and "is not a duration like 5s, 10m, 12h or 7d" in wrong.output
