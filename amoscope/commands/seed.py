"""``amoscope seed`` and ``amoscope simulate``: the synthetic AMO, once in bulk and then live."""

from __future__ import annotations

import signal
import threading
from datetime import date, datetime

import click

from amoscope.runtime import open_engine
from simulator import SCALES, GeneratorError, resume_point, seed_database, simulate
from warehouse.clock import SimulatedClock


def _as_of(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-01-31") from None


@click.command("seed")
@click.option("--scale", type=click.Choice(list(SCALES)), default="demo", show_default=True,
              help="Size: demo ≈ 50k events, 1m ≈ 1 million, 10m ≈ 10 million.")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True,
              help="Random seed: the same seed and as-of date give the same data, row for row.")
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The three years of history run up to 00:00 UTC of this day (default: today).")
@click.pass_obj
def seed_command(settings, scale: str, seed_value: int, as_of: date | None) -> None:
    """Fill an empty, migrated database with two synthetic AMOs' history and its events.

    A database that already holds data is refused and left untouched.
    """
    engine = open_engine(settings)
    try:
        report = seed_database(engine, scale=scale, seed=seed_value, as_of=as_of)
    except GeneratorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"seeded scale {report.scale} (seed {report.seed}, history to {report.as_of}): "
               f"{report.total_rows:,} rows, {report.events:,} events in {report.seconds:.1f} s")
    for table, count in sorted(report.rows.items()):
        click.echo(f"  {table:<24} {count:>10,}")


@click.command("simulate")
@click.option("--days-per-minute", type=click.FloatRange(min=0, min_open=True),
              help="Simulated days per real minute (default: AMOSCOPE_SIMULATOR_DAYS_PER_MINUTE).")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True),
              help="Stop after this many seconds (default: run until Ctrl-C or SIGTERM).")
@click.pass_obj
def simulate_command(settings, days_per_minute: float | None, seconds: float | None) -> None:
    """Keep the seeded AMO working on a simulated clock (defects, sign-offs, releases, parts, findings,
    CARs, calibrations, renewals...), each change with its events."""
    engine = open_engine(settings)
    speed = days_per_minute or settings.simulator.simulator_days_per_minute
    clock = SimulatedClock(resume_point(engine), speed=speed * 24 * 60)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"simulating from {clock.now():%Y-%m-%d %H:%M} UTC at {speed:g} simulated days per minute; "
               "Ctrl-C stops after the current change")
    try:
        done = simulate(engine, clock, stop, seconds=seconds)
    except GeneratorError as error:
        raise click.ClickException(str(error)) from None
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(done.items()))
    click.echo(f"stopped after {sum(done.values())} changes ({summary or 'none'})")
