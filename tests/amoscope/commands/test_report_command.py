"""``amoscope report half-yearly``: writes the workbook, audits the export, clear errors otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime

from click.testing import CliRunner
from openpyxl import load_workbook

from amoscope.cli import main
from tests.warehouse.conftest import seed_org, wait_visible, write_record


def _env(settings) -> dict[str, str]:
    return {"AMOSCOPE_DATABASE_URL": settings.database_url, "AMOSCOPE_ARCHIVE_URL": settings.archive_url,
            "AMOSCOPE_LOG_LEVEL": "WARNING"}


def test_half_yearly_writes_the_workbook_and_audits_it(pg_settings, pg_engine, tmp_path):
    org = seed_org(pg_engine)
    raised = datetime(2025, 3, 1, tzinfo=UTC)
    finding = write_record(pg_engine, "findings", {
        "amo_id": org["amo"], "finding_no": "F1", "source": "AUTHORITY", "level": "L2",
        "regulation_ref": "145.A.40", "department_id": org["PROD"], "description": "-", "raised_at": raised,
        "status": "OPEN"}, raised)
    write_record(pg_engine, "cars", {
        "amo_id": org["amo"], "car_no": "@CAR-1", "finding_id": finding, "department_id": org["PROD"],
        "due_date": date(2025, 4, 1), "status": "OPEN"}, raised)
    wait_visible(pg_engine)
    out = tmp_path / "am.xlsx"
    result = CliRunner().invoke(main, ["report", "half-yearly", "--amo", "AMO1", "--half", "2025h1",
                                       "--out", str(out)], env=_env(pg_settings))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: AMO1 2025H1 as of 2025-06-30 23:59 UTC;")
    assert "1 open findings, 1 overdue cars, 0 repeat findings, 26 coverage gaps" in result.output
    book = load_workbook(out)
    assert book["Open findings"]["A2"].value == "PROD" and book["Overdue CARs"]["A2"].value == "'@CAR-1"
    with pg_engine.connect() as connection:
        audited = connection.exec_driver_sql(
            "SELECT auth_method, user_agent, after->>'period', after->>'file' FROM audit_events "
            "WHERE action = 'EXPORT'").all()
    assert len(audited) == 1
    method, agent, period, file_name = audited[0]
    assert (method, period, file_name) == ("CLI", "2025H1", "am.xlsx")
    assert agent.startswith("amoscope report half-yearly (os user ")


def test_half_yearly_refuses_bad_input_with_one_line(pg_settings, pg_engine, tmp_path):
    seed_org(pg_engine)
    runner = CliRunner()
    out = tmp_path / "am.xlsx"
    for arguments, message in (
        (["--amo", "AMO1", "--half", "2025Q1"], "'2025Q1' is not a half-year; write it as 2026H1 or 2026H2"),
        (["--amo", "XYZ", "--half", "2025H1"], "no AMO with the code 'XYZ'"),
        (["--amo", "AMO1", "--half", "2099H2"], "2099H2 has not started yet"),
    ):
        result = runner.invoke(main, ["report", "half-yearly", *arguments, "--out", str(out)],
                               env=_env(pg_settings))
        assert result.exit_code == 1 and f"Error: {message}" in result.output, result.output
        assert "Traceback" not in result.output and not out.exists()
    missing = tmp_path / "no-such-folder" / "am.xlsx"
    result = runner.invoke(main, ["report", "half-yearly", "--amo", "AMO1", "--half", "2025H1", "--out",
                                  str(missing)], env=_env(pg_settings))
    assert result.exit_code == 1 and f"cannot write {missing}" in result.output
    with pg_engine.connect() as connection:
        exports = connection.exec_driver_sql("SELECT count(*) FROM audit_events WHERE action = 'EXPORT'")
        assert exports.scalar_one() == 0
