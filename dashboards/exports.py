"""A record list as an XLSX workbook: a title row saying what the list is, then the rows.

Every cell goes through the same rule as the CSV export and the half-yearly pack
(:func:`warehouse.reports.defuse`): text a spreadsheet would run as a formula gets a leading ``'``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from warehouse.reports import defuse

HEADER = Font(bold=True)


def to_xlsx(rows: list[dict], title: str, as_of: str | None = None) -> bytes:
    """The rows under a title line ("Overdue CARs — CAR-5, Level 1", as of, exported at)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Records"
    when = f"as of {as_of}" if as_of else "current"
    sheet.append([defuse(title), defuse(f"{when}; exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")])
    sheet["A1"].font = HEADER
    if rows:
        sheet.append([defuse(str(name)) for name in rows[0]])
        for cell in sheet[2]:
            cell.font = HEADER
        for row in rows:
            sheet.append([_cell(value) for value in row.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    """A list value as an XLSX cell holds it: text defused, numbers and booleans as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return defuse(str(value))
