"""The ``amoscope`` command: one group per concern, each in ``amoscope/commands/``."""

from __future__ import annotations

import logging

import click

from amoscope.commands.archive import archive
from amoscope.commands.archive_query import export as archive_export
from amoscope.commands.archive_query import query as archive_query
from amoscope.commands.db import db
from amoscope.commands.demo import demo
from amoscope.commands.etl import etl
from amoscope.commands.notebooks import notebooks
from amoscope.commands.report import report
from amoscope.commands.scheduler import scheduler
from amoscope.commands.seed import seed_command, simulate_command
from amoscope.commands.serve import serve
from amoscope.commands.settings import settings_command
from amoscope.commands.users import users
from amoscope.settings import Settings, SettingsError
from etl.errors import EtlError
from warehouse.archive.errors import ArchiveError

# Errors that explain themselves: shown as one line and exit code 1, never as a traceback.
EXPLAINED_ERRORS = (SettingsError, EtlError, ArchiveError)


class _Main(click.Group):
    """Turns an explained error of any command into a one-line message."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EXPLAINED_ERRORS as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Main)
@click.version_option(package_name="amoscope")
@click.pass_context
def main(ctx: click.Context) -> None:
    """AMOscope: analytics and compliance for an aviation maintenance organisation.

    Settings come from AMOSCOPE_* environment variables (see docs/settings.md).
    """
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = settings


main.add_command(db)
main.add_command(demo)
main.add_command(settings_command)
main.add_command(serve)
main.add_command(users)
main.add_command(scheduler)
main.add_command(etl)
main.add_command(archive)
main.add_command(report)
main.add_command(notebooks)
archive.add_command(archive_query)
archive.add_command(archive_export)
main.add_command(seed_command)
main.add_command(simulate_command)
