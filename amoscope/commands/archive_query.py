"""``amoscope archive query`` and ``amoscope archive export``: the auditors' read side of the archive.

Both are audited: each query as a CONSOLE_QUERY event, each evidence pack as an EXPORT event,
with the operating-system user in ``user_agent`` (the CLI has no login).
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
import pyarrow.parquet as pq
import sqlalchemy as sa

from amoscope.runtime import open_engine
from warehouse.errors import WarehouseError
from warehouse.events import RequestContext
from warehouse.schema import amos
from warehouse.spreadsheet import defuse_formula


def _context(command: str) -> RequestContext:
    agent = f"amoscope archive {command} (os user {getpass.getuser()})"
    return RequestContext(auth_method="CLI", user_agent=agent)


def _open_warehouse(settings):
    from warehouse import Warehouse

    return Warehouse.open(settings.warehouse, open_engine(settings))


@click.command()
@click.argument("sql")
@click.option("--amo", "amo_code", default=None, metavar="CODE",
              help="Read this AMO's archive only (its code, e.g. NAM).")
@click.option("--all-amos", is_flag=True,
              help="Read every AMO's archive (recorded as such in the audit trail).")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json", "parquet"]),
              default="table", show_default=True, help="How to write the rows.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output (required for parquet).")
@click.pass_obj
def query(settings, sql: str, amo_code: str | None, all_amos: bool, output_format: str,
          out: Path | None) -> None:
    """Run one SELECT over one AMO's archived tables (--amo CODE) in the auditors' sandbox.

    Tables are named after the operational ones (audit_events, activity_events, cars, ...); the
    rows are every archived version of that AMO's records, child records through their parents.
    Every AMO's rows only with --all-amos. At most AMOSCOPE_CONSOLE_ROW_LIMIT rows come back.
    """
    if output_format == "parquet" and out is None:
        raise click.UsageError("--format parquet needs --out FILE")
    if (amo_code is None) == (not all_amos):
        raise click.UsageError("name the AMO to read (--amo CODE), or ask for every AMO's with --all-amos")
    warehouse = _open_warehouse(settings)
    try:
        amo_id = None if all_amos else _amo_id(warehouse.engine, amo_code)
        result = warehouse.sql(sql, context=_context("query"), amo_id=amo_id)
    except WarehouseError as error:
        raise click.ClickException(str(error)) from None
    finally:
        warehouse.close()
    if output_format == "parquet":
        pq.write_table(result.table, out)
    else:
        text = _render(result, output_format)
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
    note = f"{result.row_count} rows in {result.duration_ms:.0f} ms"
    if result.truncated:
        note += f" (cut at the row limit of {settings.console_row_limit}; narrow the query)"
    click.echo(note, err=True)


def _amo_id(engine, code: str) -> int:
    """The id of the AMO with ``code`` (any case); a clear error naming the codes that exist."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(amos.c.id, amos.c.code).order_by(amos.c.code)).all()
    for amo_id, known in rows:
        if known.upper() == code.strip().upper():
            return amo_id
    known = ", ".join(code for _, code in rows) or "none"
    raise WarehouseError(f"no AMO with the code {code!r}; the AMOs are {known}")


def _render(result, output_format: str) -> str:
    frame = result.to_pandas()
    if output_format == "csv":
        return frame.map(defuse_formula).to_csv(index=False)
    if output_format == "json":
        return json.dumps(frame.to_dict("records"), default=str, ensure_ascii=False, indent=1) + "\n"
    if frame.empty:
        return "(no rows)\n"
    return frame.to_string(index=False, max_colwidth=60) + "\n"


@click.command()
@click.option("--entity", required=True, help="A record number (CAR-2024-0042, WO-…, D-ABCD) or table:id.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip file to write.")
@click.pass_obj
def export(settings, entity: str, out: Path) -> None:
    """Write an evidence pack: the record, its timeline, inclusion proofs and the manifest chain."""
    from warehouse.evidence import write_pack

    warehouse = _open_warehouse(settings)
    try:
        summary = write_pack(warehouse, entity, out, context=_context("export"))
    except WarehouseError as error:
        raise click.ClickException(str(error)) from None
    finally:
        warehouse.close()
    line = (f"{out}: {summary.entity_type} {summary.entity_id}, {summary.events} events, "
            f"{summary.proofs} inclusion proofs")
    if summary.not_yet_archived:
        line += f", {summary.not_yet_archived} audit events not archived yet (no proof yet)"
    click.echo(line)
