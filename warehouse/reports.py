"""The Accountable Manager's half-yearly summary: an XLSX pack of the compliance monitoring findings.

AMC4 145.A.200(a)(6)(e) has the Accountable Manager review the compliance monitoring results
with senior staff at least twice a year (the old AMC asked for a half-yearly summary of
findings). The pack gives, for one AMO as of the end of a half-year: open findings by level,
overdue CARs, repeat findings raised in the half-year and the Part-145 points no audit covered
in the 12 months before. Each section is a KPI of :mod:`warehouse.kpi.quality` computed as of
that moment, so the pack reproduces from the archived history; the cover sheet names the KPI
definition versions used. Every export is written to ``audit_events`` as an EXPORT.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from warehouse.errors import WarehouseError
from warehouse.events import RequestContext, record_audit
from warehouse.kpi.base import REGISTRY
from warehouse.schema import amos, departments, findings
from warehouse.spreadsheet import defuse_formula

_HALF = re.compile(r"^([0-9]{4})H([12])$")


@dataclass(frozen=True)
class HalfYear:
    label: str  # "2026H1"
    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """``2026H1`` (January to June) or ``2026H2`` (July to December); anything else is an error."""
        match = _HALF.match(text.strip().upper())
        if match is None:
            raise WarehouseError(f"{text!r} is not a half-year; write it as 2026H1 or 2026H2")
        year, half = int(match.group(1)), int(match.group(2))
        if half == 1:
            return cls(f"{year}H1", date(year, 1, 1), date(year, 6, 30))
        return cls(f"{year}H2", date(year, 7, 1), date(year, 12, 31))


@dataclass(frozen=True)
class Names:
    """What the Accountable Manager knows records by: department codes and finding numbers."""

    departments: dict[int, str]
    findings: dict[int, str]


@dataclass(frozen=True)
class Section:
    title: str  # the sheet's name
    kpi: str
    shape: Callable[[pd.DataFrame, HalfYear, Names], pd.DataFrame]


@dataclass(frozen=True)
class HalfYearlySummary:
    amo_id: int
    amo_code: str
    amo_name: str
    half: HalfYear
    as_of: datetime  # the end of the half-year, or now while it runs
    generated_at: datetime
    sections: dict[str, pd.DataFrame]


def _with_department(frame: pd.DataFrame, codes: dict[int, str]) -> pd.DataFrame:
    frame = frame.copy()
    position = frame.columns.get_loc("department_id")
    frame.insert(position, "department", frame["department_id"].map(codes))
    return frame.drop(columns="department_id")


def _open_findings(frame, half, names):
    frame = _with_department(frame, names.departments)
    frame["finding_nos"] = [[names.findings.get(int(i), str(i)) for i in ids] for ids in frame["finding_ids"]]
    return frame


def _overdue_cars(frame, half, names):
    columns = ["car_no", "department_id", "level", "due", "days_overdue", "car_id"]
    return _with_department(frame[columns], names.departments)


def _repeat_findings(frame, half, names):
    raised = pd.to_datetime(frame["raised_at"], utc=True).dt.date
    frame = _with_department(frame[(raised >= half.start) & (raised <= half.end)], names.departments)
    frame.insert(0, "finding_no", frame["finding_id"].map(names.findings))
    frame.insert(1, "prior_finding_no", frame["prior_finding_id"].map(names.findings))
    return frame


def _coverage_gaps(frame, half, names):
    return frame.loc[frame["audits_12m"] == 0, ["regulation_ref", "audits_12m"]]


SECTIONS = (
    Section("Open findings", "open_findings_by_level", _open_findings),
    Section("Overdue CARs", "overdue_cars", _overdue_cars),
    Section("Repeat findings", "repeat_findings", _repeat_findings),
    Section("Coverage gaps", "regulation_coverage", _coverage_gaps),
)


def half_yearly_summary(warehouse, *, amo_code: str, half: str) -> HalfYearlySummary:
    """The summary of AMO ``amo_code`` for ``half`` (e.g. "2026H1"), as of the half-year's end.

    A half-year still running is summarised as of now; one that has not started is an error.
    """
    period = HalfYear.parse(half)
    now = datetime.now(UTC)
    if period.start > now.date():
        raise WarehouseError(f"{period.label} has not started yet")
    end = datetime.combine(period.end, time.max, UTC)
    as_of = min(end, now)
    with warehouse.engine.connect() as connection:
        # Another AMO's code is as unknown as no AMO's code.
        amo = connection.execute(sa.select(amos.c.id, amos.c.code, amos.c.name)
                                 .where(amos.c.code == amo_code, *warehouse.scope.where("amos"))).first()
        if amo is None:
            raise WarehouseError(f"no AMO with the code {amo_code!r}")
        names = Names(
            dict(connection.execute(sa.select(departments.c.id, departments.c.code)
                                    .where(departments.c.amo_id == amo.id)).all()),
            dict(connection.execute(sa.select(findings.c.id, findings.c.finding_no)
                                    .where(findings.c.amo_id == amo.id)).all()))
    sections = {}
    for section in SECTIONS:
        frame = getattr(warehouse.kpi, section.kpi)(amo_id=amo.id, as_of=as_of)
        sections[section.title] = section.shape(frame, period, names).reset_index(drop=True)
    return HalfYearlySummary(amo.id, amo.code, amo.name, period, as_of, now, sections)


def defuse(text: str) -> str:
    """Text that Excel will show as typed, never run as a formula; characters XLSX cannot hold dropped."""
    return defuse_formula(ILLEGAL_CHARACTERS_RE.sub("", text))


def _cell(value):
    """A value as an XLSX cell holds it: lists as text, times in UTC to the second, text defused."""
    if isinstance(value, list | tuple | np.ndarray):
        return defuse(", ".join(str(item) for item in value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime):  # pandas Timestamps too
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        # whole seconds: XLSX rounds to milliseconds, and 23:59:59.9999 would become the next day
        return pd.Timestamp(value).to_pydatetime().replace(microsecond=0)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):
        return defuse(value)
    return value


def to_xlsx(summary: HalfYearlySummary) -> bytes:
    """The workbook: a cover sheet (AMO, period, times, KPI definition versions), one sheet per section."""
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    bold = Font(bold=True)
    cover.append([defuse("AM half-yearly summary (AMC4 145.A.200(a)(6)(e))")])
    cover["A1"].font = Font(bold=True, size=14)
    for label, value in (
        ("AMO", f"{summary.amo_code} - {summary.amo_name}"),
        ("Period", f"{summary.half.label}: {summary.half.start} to {summary.half.end}"),
        ("As of (UTC)", summary.as_of),
        ("Generated at (UTC)", summary.generated_at),
    ):
        cover.append([label, _cell(value)])
    cover.append([])
    cover.append(["Section", "Rows", "KPI", "Definition version", "Definition"])
    for cell in cover[cover.max_row]:
        cell.font = bold
    for section in SECTIONS:
        definition = REGISTRY[section.kpi]
        cover.append([section.title, len(summary.sections[section.title]), definition.name,
                      definition.version, _cell(definition.title)])
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 40
    for section in SECTIONS:
        frame = summary.sections[section.title]
        sheet = book.create_sheet(section.title)
        sheet.append([_cell(str(column)) for column in frame.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
        if frame.empty:
            sheet.append(["none"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_half_yearly(warehouse, *, amo_code: str, half: str, context: RequestContext,
                       out: Path | None = None, department_id: int | None = None
                       ) -> tuple[bytes, HalfYearlySummary]:
    """Build the workbook, write it to ``out`` (when given) and audit the export.

    Returns the workbook's bytes (for a download) and the summary it was made from.
    """
    summary = half_yearly_summary(warehouse, amo_code=amo_code, half=half)
    content = to_xlsx(summary)
    if out is not None:
        out.write_bytes(content)
    with warehouse.engine.begin() as connection:
        record_audit(connection, context, "EXPORT", amo_id=summary.amo_id, entity_type="amos",
                     entity_id=summary.amo_id, department_id=department_id,
                     after={"format": "xlsx", "report": "am-half-yearly", "period": summary.half.label,
                            "as_of": summary.as_of.isoformat(), "file": out.name if out else None,
                            "rows": {title: len(frame) for title, frame in summary.sections.items()}})
    return content, summary
