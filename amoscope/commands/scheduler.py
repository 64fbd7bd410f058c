"""``amoscope scheduler run``: execute due scheduled user actions and deliver notifications."""

from __future__ import annotations

import time

import click

from amoscope.runtime import open_engine
from auth.scheduler import run_due


@click.group()
def scheduler() -> None:
    """Scheduled actions of the user command center (e.g. disable at contract end)."""


@scheduler.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron).")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between passes.")
@click.pass_obj
def run(settings, once: bool, interval: int) -> None:
    """Run every due action, then keep checking every INTERVAL seconds (until Ctrl-C)."""
    engine = open_engine(settings)
    while True:
        result = run_due(engine, settings.base_url)
        if result.executed or result.failed or once:
            click.echo(f"executed {result.executed}, failed {result.failed}, "
                       f"notifications delivered {result.delivered}")
        if once:
            return
        time.sleep(interval)
