"""``amoscope etl``: archive the operational history (run, follow, status, prune)."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta

import click

from amoscope.commands import parse_duration
from amoscope.runtime import open_engine
from etl.follow import follow
from etl.isolation import isolated
from etl.progress import progress_for_terminal
from etl.prune import prune as prune_tables
from etl.run import run_once
from etl.status import archive_status, checkpoint_status
from warehouse.schema import APPEND_ONLY_TABLES


@click.group()
def etl() -> None:
    """Archive the operational history into Parquet files with a manifest chain."""


@etl.command("run")
@click.option("--follow", "keep_following", is_flag=True, help="Keep running until SIGTERM or Ctrl-C.")
@click.option("--interval", default=None, help="Pause between runs in follow mode, e.g. 5s "
                                                "(default: AMOSCOPE_ETL_INTERVAL_SECONDS).")
@click.option("--table", "tables", multiple=True, help="Archive only this table (repeatable).")
@click.pass_obj
def run_command(settings, keep_following: bool, interval: str | None, tables: tuple[str, ...]) -> None:
    """Archive everything committed since the last run (once, or repeatedly with --follow)."""
    engine = open_engine(settings)
    if keep_following:
        seconds = parse_duration(interval).total_seconds() if interval else settings.etl_interval_seconds
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        runs = follow(settings.etl, engine, seconds, stop, new_progress=progress_for_terminal)
        click.echo(f"stopped after {runs} run(s)")
        return
    report = isolated(engine, lambda: run_once(settings.etl, engine, tables=tables or None,
                                               new_progress=progress_for_terminal))
    batches = sum(table.batches for table in report.tables)
    heartbeats = sum(table.heartbeat for table in report.tables)
    click.echo(f"archived {report.rows} rows in {batches} batch(es) over {len(report.tables)} tables"
               f"{f', {heartbeats} heartbeat(s)' if heartbeats else ''}")


@etl.command("status")
@click.pass_obj
def status_command(settings) -> None:
    """Per table: archived watermark, last manifest and its age, rows archived and rows behind;
    then the newest checkpoint, whose SHA-256 is the anchor 'amoscope archive verify' checks against."""
    engine = open_engine(settings)
    click.echo(f"{'table':24} {'watermark':>22} {'archived':>10} {'behind':>8} {'lag':>10}  last manifest")
    for status in isolated(engine, lambda: archive_status(settings.etl, engine)):
        if status.problem:
            click.echo(f"{status.table:24} PROBLEM: {status.problem}")
            continue
        watermark = ",".join(map(str, status.watermark)) if status.watermark else "-"
        lag = f"{status.lag_seconds:.0f}s" if status.lag_seconds is not None else "never"
        last = f"{status.last_manifest} ({status.last_kind})" if status.last_manifest else "-"
        click.echo(f"{status.table:24} {watermark:>22} {status.archived_rows:>10} "
                   f"{status.rows_behind:>8} {lag:>10}  {last}")
    head = isolated(engine, lambda: checkpoint_status(settings.etl, engine))
    if head.problem:
        click.echo(f"checkpoint: PROBLEM: {head.problem}")
    elif head.path is None:
        click.echo("checkpoint: none yet (the next 'amoscope etl run' writes one)")
    else:
        click.echo(f"checkpoint: {head.path} sha256 {head.sha256} ({head.age_seconds:.0f}s old)")
    if head.anchored_sha256 is None:
        click.echo("database anchor: none recorded")
    elif head.anchored_sha256 == head.sha256:
        click.echo(f"database anchor: checkpoint {head.anchored_seq} (the newest)")
    else:
        click.echo(f"database anchor: checkpoint {head.anchored_seq} sha256 {head.anchored_sha256}, not the "
                   "archive's newest: the next run records it, or run 'amoscope archive verify'")


@etl.command("prune")
@click.option("--keep", default=None,
              help="Keep this much recent history, e.g. 7d (default: AMOSCOPE_REPLAY_WINDOW_DAYS).")
@click.option("--table", "tables", multiple=True, type=click.Choice(APPEND_ONLY_TABLES),
              help="Prune only this table (repeatable).")
@click.pass_obj
def prune_command(settings, keep: str | None, tables: tuple[str, ...]) -> None:
    """Delete archived, verified event rows older than the kept window from the operational DB."""
    window = parse_duration(keep) if keep else timedelta(days=settings.replay_window_days)
    engine = open_engine(settings)
    results = isolated(engine, lambda: prune_tables(settings.etl, engine, window,
                                                    tables=tables or APPEND_ONLY_TABLES))
    for result in results:
        click.echo(f"{result.table}: deleted {result.deleted} rows"
                   + ("" if result.watermark else " (nothing archived yet)"))
