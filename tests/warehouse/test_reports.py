"""The AM half-yearly summary: hand-counted sections as of the half-year's end, the XLSX workbook
(cover, one sheet per section, formula text defused) and the audited export."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.warehouse.conftest import at, seed_org, seed_people, wait_visible, write_record
from warehouse import Warehouse
from warehouse.errors import WarehouseError
from warehouse.events import RequestContext
from warehouse.kpi.base import REGISTRY
from warehouse.reports import HalfYear, defuse, export_half_yearly, half_yearly_summary, to_xlsx

FORMULA_CAR = '=HYPERLINK("http://x.test")'


@pytest.fixture
def pack(pg_settings, pg_engine):
    """2025: F1 (L2, 145.A.40, QUAL) closed in February, F2 (L1, same point and department: a
    repeat) raised in May with an overdue CAR, F3 (OBS, PROD) open with a CAR due in July, F4 in
    August; one audit in June on 145.A.40 and 145.A.42."""
    org = seed_org(pg_engine)
    people = seed_people(pg_engine, org)
    e = pg_engine

    def finding(no, level, ref, dept, raised):
        return write_record(e, "findings", {
            "amo_id": org["amo"], "finding_no": no, "source": "INTERNAL_AUDIT", "level": level,
            "regulation_ref": ref, "department_id": org[dept], "description": no, "raised_at": at(raised),
            "status": "OPEN"}, at(raised))

    def car(no, finding_id, dept, created, due):
        return write_record(e, "cars", {
            "amo_id": org["amo"], "car_no": no, "finding_id": finding_id, "department_id": org[dept],
            "due_date": date.fromisoformat(due), "status": "OPEN"}, at(created))

    f1 = finding("F1", "L2", "145.A.40", "QUAL", "2025-01-10")
    write_record(e, "findings", {"status": "CLOSED", "closed_at": at("2025-02-15")}, at("2025-02-15"),
                 record_id=f1)
    f2 = finding("F2", "L1", "145.A.40", "QUAL", "2025-05-01")
    c2 = car(FORMULA_CAR, f2, "QUAL", "2025-05-02", "2025-06-01")
    f3 = finding("F3", "OBS", "145.A.42", "PROD", "2025-03-01")
    car("C3", f3, "PROD", "2025-03-02", "2025-07-01")
    finding("F4", "L2", "145.A.42", "PROD", "2025-08-01")
    audit = write_record(e, "audits", {
        "amo_id": org["amo"], "audit_no": "A1", "audit_type": "INTERNAL",
        "regulation_refs": ["145.A.40", "145.A.42"], "auditee_department_id": org["PROD"],
        "location": "BASE", "lead_auditor_id": people["QUAL"],
        "planned_date": date(2025, 6, 11), "performed_date": date(2025, 6, 11), "status": "REPORTED"},
        at("2025-06-11"))
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, {"f1": f1, "f2": f2, "f3": f3, "c2": c2, "audit": audit}
    warehouse.close()


def test_half_year_parsing():
    assert HalfYear.parse("2026h1") == HalfYear("2026H1", date(2026, 1, 1), date(2026, 6, 30))
    assert HalfYear.parse(" 2025H2 ").end == date(2025, 12, 31)
    for bad in ("2026H3", "2026", "H1", "26H1", "2026-H1"):
        with pytest.raises(WarehouseError, match="2026H1 or 2026H2"):
            HalfYear.parse(bad)


def test_sections_are_the_kpis_as_of_the_half_years_end(pack):
    wh, org, ids = pack
    summary = half_yearly_summary(wh, amo_code="AMO1", half="2025H1")
    assert summary.as_of == datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    sections = summary.sections
    assert list(sections) == ["Open findings", "Overdue CARs", "Repeat findings", "Coverage gaps"]
    open_findings = sections["Open findings"][["department", "level", "open_findings", "finding_nos"]]
    assert open_findings.values.tolist() == [["QUAL", "L1", 1, ["F2"]], ["PROD", "OBS", 1, ["F3"]]]
    overdue = sections["Overdue CARs"]
    assert overdue[["car_no", "department", "level", "days_overdue", "car_id"]].values.tolist() == [
        [FORMULA_CAR, "QUAL", "L1", 29, ids["c2"]]]
    repeats = sections["Repeat findings"][["finding_no", "prior_finding_no", "finding_id", "prior_finding_id",
                                           "department"]]
    assert repeats.values.tolist() == [["F2", "F1", ids["f2"], ids["f1"], "QUAL"]]
    gaps = sections["Coverage gaps"]["regulation_ref"].tolist()
    assert len(gaps) == 24 and "145.A.40" not in gaps and "145.A.42" not in gaps and "145.A.30" in gaps
    # the second half: F2's repeat was raised in the first, and the July CAR is overdue now
    second = half_yearly_summary(wh, amo_code="AMO1", half="2025H2").sections
    assert second["Repeat findings"].empty
    assert second["Overdue CARs"]["car_no"].tolist() == [FORMULA_CAR, "C3"]


def test_bad_requests_get_clear_errors(pack):
    wh, _org, _ids = pack
    with pytest.raises(WarehouseError, match="no AMO with the code 'NOPE'"):
        half_yearly_summary(wh, amo_code="NOPE", half="2025H1")
    with pytest.raises(WarehouseError, match="has not started yet"):
        half_yearly_summary(wh, amo_code="AMO1", half="2099H1")


def test_the_workbook_has_a_cover_and_a_defused_sheet_per_section(pack):
    wh, _org, ids = pack
    book = load_workbook(io.BytesIO(to_xlsx(half_yearly_summary(wh, amo_code="AMO1", half="2025H1"))))
    assert book.sheetnames == ["Cover", "Open findings", "Overdue CARs", "Repeat findings", "Coverage gaps"]
    cover = {row[0]: row[1:] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["AMO"][0] == "AMO1 - Test AMO"
    assert cover["Period"][0] == "2025H1: 2025-01-01 to 2025-06-30"
    assert cover["As of (UTC)"][0] == datetime(2025, 6, 30, 23, 59, 59)
    assert isinstance(cover["Generated at (UTC)"][0], datetime)
    assert cover["Overdue CARs"][:3] == (1, "overdue_cars", REGISTRY["overdue_cars"].version)
    assert cover["Coverage gaps"][:2] == (24, "regulation_coverage")
    cars = book["Overdue CARs"]
    assert [cell.value for cell in cars[1]] == [
        "car_no", "department", "level", "due", "days_overdue", "car_id"]
    assert cars["A2"].value == "'" + FORMULA_CAR and cars["A2"].data_type == "s"
    assert cars["D2"].value == datetime(2025, 6, 1) and cars["F2"].value == ids["c2"]
    open_findings = book["Open findings"]
    assert [cell.value for cell in open_findings[2]][-1] == "F2"  # numbers as text
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_defuse():
    assert [defuse(text) for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "145.A.40", "")] == [
        "'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tx", "145.A.40", ""]
    assert defuse("a\x00b\x07c") == "abc"  # characters XLSX cannot hold


def test_the_export_is_written_and_audited(pack, pg_engine, tmp_path):
    wh, org, _ids = pack
    out = tmp_path / "am-2025H1.xlsx"
    context = RequestContext(auth_method="CLI", user_agent="test")
    content, summary = export_half_yearly(wh, amo_code="AMO1", half="2025H1", context=context, out=out)
    assert out.read_bytes() == content and summary.half.label == "2025H1"
    with pg_engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT amo_id, entity_type, entity_id, auth_method, after FROM audit_events "
            "WHERE action = 'EXPORT'")).all()
    assert len(rows) == 1
    amo_id, entity_type, entity_id, method, after = rows[0]
    assert (amo_id, entity_type, entity_id, method) == (org["amo"], "amos", str(org["amo"]), "CLI")
    assert after["report"] == "am-half-yearly" and after["period"] == "2025H1"
    assert after["file"] == "am-2025H1.xlsx" and after["rows"]["Coverage gaps"] == 24
