"""``amoscope db``: schema migrations of the operational database."""

from __future__ import annotations

import click

from amoscope import migrate
from amoscope.runtime import open_engine


@click.group()
def db() -> None:
    """Migrate the operational database schema (Alembic)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_obj
def upgrade(settings, revision: str) -> None:
    """Migrate forward (to the newest revision by default)."""
    engine = open_engine(settings)
    migrate.upgrade(engine, revision)
    click.echo(f"database at revision {migrate.current_revision(engine)}")


@db.command()
@click.argument("revision")
@click.pass_obj
def downgrade(settings, revision: str) -> None:
    """Migrate back to REVISION ('base' removes every table)."""
    engine = open_engine(settings)
    migrate.downgrade(engine, revision)
    click.echo(f"database at revision {migrate.current_revision(engine) or 'base'}")


@db.command()
@click.pass_obj
def current(settings) -> None:
    """Print the revision the database is at, and the newest one available."""
    engine = open_engine(settings)
    click.echo(f"current: {migrate.current_revision(engine) or 'base (empty)'}")
    click.echo(f"head:    {migrate.head_revision()}")
