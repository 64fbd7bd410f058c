"""``amoscope archive query`` and ``amoscope archive export`` against a real archive made by the ETL."""

from __future__ import annotations

import json
import zipfile
from datetime import date

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from amoscope.cli import main
from tests.warehouse.conftest import archive_now, at, seed_org, wait_visible, write_record
from warehouse.archive.proof import check_proof
from warehouse.schema import amos, audit_events, departments


@pytest.fixture
def archived(pg_settings, pg_engine, archive_dir):
    """A CAR with three archived audit events and one still in the hot tail."""
    org = seed_org(pg_engine)
    finding = write_record(
        pg_engine,
        "findings",
        {
            "amo_id": org["amo"],
            "finding_no": "F-2024-0001",
            "source": "INTERNAL_AUDIT",
            "level": "L2",
            "regulation_ref": "145.A.40",
            "department_id": org["QUAL"],
            "description": "torque",
            "raised_at": at("2024-03-01"),
            "status": "OPEN",
        },
        at("2024-03-01"),
    )
    car = write_record(
        pg_engine,
        "cars",
        {
            "amo_id": org["amo"],
            "car_no": "CAR-2024-0042",
            "finding_id": finding,
            "department_id": org["QUAL"],
            "due_date": date(2024, 6, 1),
            "status": "OPEN",
            "root_cause_category": '=HYPERLINK("x")',
        },
        at("2024-03-02"),
    )
    write_record(pg_engine, "cars", {"status": "CAP_SUBMITTED"}, at("2024-03-10"), record_id=car)
    _other_amo(pg_engine)
    archive_now(pg_settings, pg_engine, tables=None)
    write_record(pg_engine, "cars", {"status": "IMPLEMENTED"}, at("2024-04-10"), record_id=car)
    wait_visible(pg_engine)
    env = {
        "AMOSCOPE_DATABASE_URL": pg_settings.database_url,
        "AMOSCOPE_ARCHIVE_URL": str(archive_dir),
        "AMOSCOPE_SECRET_KEY": pg_settings.secret_key,
    }
    return env, car


def _other_amo(engine) -> None:
    """AMO B with a department, a finding and a CAR, so AMO1's queries have something to miss."""
    with engine.begin() as connection:
        amo = connection.execute(sa.insert(amos).values(code="AMOB", name="Other AMO")
                                 .returning(amos.c.id)).scalar_one()
        department = connection.execute(sa.insert(departments).values(amo_id=amo, code="QUAL", name="Quality")
                                        .returning(departments.c.id)).scalar_one()
    finding = write_record(engine, "findings", {
        "amo_id": amo, "finding_no": "F-B-0001", "source": "INTERNAL_AUDIT", "level": "L1",
        "regulation_ref": "145.A.30", "department_id": department, "description": "other AMO's",
        "raised_at": at("2024-03-05"), "status": "OPEN"}, at("2024-03-05"))
    write_record(engine, "cars", {"amo_id": amo, "car_no": "CAR-B-0001", "finding_id": finding,
                                  "department_id": department, "due_date": date(2024, 6, 1),
                                  "status": "OPEN"}, at("2024-03-06"))


def _run(env, *args):
    if args and args[0] == "query" and "--all-amos" not in args and "--amo" not in args:
        args = (*args, "--amo", "AMO1")
    return CliRunner().invoke(main, ["archive", *args], env=env, catch_exceptions=False)


def test_archive_query_formats(archived, tmp_path):
    env, _ = archived
    sql = "SELECT entity_type, count(*) AS n FROM audit_events GROUP BY 1 ORDER BY 1"
    result = _run(env, "query", sql, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["entity_type,n", "cars,2", "findings,1"]
    as_json = json.loads(_run(env, "query", sql, "--format", "json").stdout)
    assert as_json == [{"entity_type": "cars", "n": 2}, {"entity_type": "findings", "n": 1}]
    table = _run(env, "query", sql).stdout
    assert "cars" in table and "findings" in table
    out = tmp_path / "rows.parquet"
    assert _run(env, "query", sql, "--format", "parquet", "--out", str(out)).exit_code == 0
    assert pq.read_table(out).to_pylist() == as_json
    versions = _run(env, "query", "SELECT status FROM cars ORDER BY change_txid", "--format", "csv").stdout
    assert versions.splitlines() == ["status", "CAP_SUBMITTED"]  # the archived version of the record


def test_archive_query_csv_defuses_formulas(archived):
    env, _ = archived
    result = _run(env, "query", "SELECT root_cause_category FROM cars", "--format", "csv")
    assert result.stdout.splitlines()[1] == '"\'=HYPERLINK(""x"")"'  # RFC 4180 quoted, prefixed


def test_archive_query_refused_and_audited(archived, pg_engine):
    env, _ = archived
    result = _run(env, "query", "COPY (SELECT 1) TO 'x.csv'")
    assert result.exit_code == 1 and "only SELECT" in result.output
    with pg_engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_events.c.outcome, audit_events.c.auth_method, audit_events.c.user_agent).where(
                audit_events.c.action == "CONSOLE_QUERY"
            )
        ).all()
    assert [(r.outcome, r.auth_method) for r in rows] == [("DENIED", "CLI")]
    assert rows[0].user_agent.startswith("amoscope archive query")
    assert _run(env, "query", "SELECT 1", "--format", "parquet").exit_code == 2  # --out missing


def test_archive_query_scoped_to_one_amo(archived, pg_engine):
    """--amo AMO1 finds none of AMOB's rows in any table; --all-amos finds them (so this can fail)."""
    env, _ = archived
    amo1 = _amo_id(pg_engine, "AMO1")
    other = {"audit_events": f"amo_id <> {amo1}", "amos": f"id <> {amo1}", "departments": f"amo_id <> {amo1}",
             "findings": f"amo_id <> {amo1}", "cars": f"amo_id <> {amo1}"}
    for table, condition in other.items():
        sql = f"SELECT count(*) AS n FROM {table} WHERE {condition}"
        scoped = _run(env, "query", sql, "--format", "csv")
        assert scoped.exit_code == 0, scoped.output
        assert scoped.stdout.splitlines() == ["n", "0"], table
        every = _run(env, "query", sql, "--format", "csv", "--all-amos")
        assert every.exit_code == 0, every.output
        assert int(every.stdout.splitlines()[1]) > 0, table
    with pg_engine.connect() as connection:
        scopes = [after["scope"] for (after,) in connection.execute(
            sa.select(audit_events.c.after).where(audit_events.c.action == "CONSOLE_QUERY")
            .order_by(audit_events.c.id))]
    assert scopes == [f"AMO {amo1}", "ALL_AMOS"] * len(other)


def _amo_id(engine, code: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(amos.c.id).where(amos.c.code == code)).scalar_one()


def test_archive_query_needs_an_amo_or_all_amos(archived):
    env, _ = archived
    neither = CliRunner().invoke(main, ["archive", "query", "SELECT 1"], env=env)
    assert neither.exit_code == 2 and "--amo CODE" in neither.output
    both = CliRunner().invoke(main, ["archive", "query", "SELECT 1", "--amo", "AMO1", "--all-amos"], env=env)
    assert both.exit_code == 2
    unknown = CliRunner().invoke(main, ["archive", "query", "SELECT 1", "--amo", "NOPE"], env=env)
    assert unknown.exit_code == 1 and "AMO1, AMOB" in unknown.output


def test_archive_export_evidence_pack(archived, tmp_path, pg_engine):
    env, car = archived
    out = tmp_path / "pack.zip"
    result = _run(env, "export", "--entity", "CAR-2024-0042", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 inclusion proofs" in result.stdout and "1 audit events not archived yet" in result.stdout
    with zipfile.ZipFile(out) as pack:
        names = pack.namelist()
        record = json.loads(pack.read("record.json"))
        timeline = json.loads(pack.read("timeline.json"))
        proofs = [json.loads(pack.read(name)) for name in names if name.startswith("proofs/")]
        readme = pack.read("README.txt").decode()
    assert record["record"]["car_no"] == "CAR-2024-0042" and record["record"]["status"] == "IMPLEMENTED"
    assert [e["after"]["status"] for e in timeline if e["stream"] == "audit"] == [
        "OPEN",
        "CAP_SUBMITTED",
        "IMPLEMENTED",
    ]
    assert len(proofs) == 2 and all(check_proof(proof) == [] for proof in proofs)
    assert any(name.startswith("manifests/audit_events/") for name in names)
    assert "Not archived yet" in readme
    tampered = dict(proofs[0], row={**proofs[0]["row"], "action": "VOID"})
    assert check_proof(tampered) != []
    with pg_engine.connect() as connection:
        exports = connection.execute(
            sa.select(audit_events.c.entity_id).where(audit_events.c.action == "EXPORT")
        ).all()
    assert exports == [(str(car),)]
    assert _run(env, "export", "--entity", "cars:999", "--out", str(out)).exit_code == 1
