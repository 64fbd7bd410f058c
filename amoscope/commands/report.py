"""``amoscope report``: reports made from the warehouse, written to a file and audited as exports."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from amoscope.runtime import open_engine
from warehouse.errors import WarehouseError
from warehouse.events import RequestContext


@click.group()
def report() -> None:
    """Reports for the Accountable Manager (written to a file; each export is audited)."""


@report.command("half-yearly")
@click.option("--amo", "amo_code", required=True, help="The AMO's code (e.g. NAM).")
@click.option("--half", required=True, help="The half-year: 2026H1 (January-June) or 2026H2 (July-December).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The XLSX workbook to write.")
@click.pass_obj
def half_yearly(settings, amo_code: str, half: str, out: Path) -> None:
    """The AM half-yearly summary (AMC4 145.A.200(a)(6)(e)) as of the half-year's end.

    Sheets: open findings by level, overdue CARs, repeat findings and coverage gaps, after a
    cover naming the AMO, the period and the KPI definition versions used.
    """
    from warehouse import Warehouse
    from warehouse.reports import export_half_yearly

    context = RequestContext(auth_method="CLI",
                             user_agent=f"amoscope report half-yearly (os user {getpass.getuser()})")
    warehouse = Warehouse.open(settings.warehouse, open_engine(settings))
    try:
        _content, summary = export_half_yearly(warehouse, amo_code=amo_code, half=half, context=context,
                                               out=out)
    except WarehouseError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    finally:
        warehouse.close()
    counts = ", ".join(f"{len(frame)} {title.lower()}" for title, frame in summary.sections.items())
    click.echo(f"{out}: {summary.amo_code} {summary.half.label} as of {summary.as_of:%Y-%m-%d %H:%M} UTC; "
               f"{counts}")
