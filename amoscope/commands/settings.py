"""``amoscope settings``: show the resolved settings, or their documentation table."""

from __future__ import annotations

import click

from amoscope.settings import SETTINGS, settings_table_markdown
from warehouse.settings import env_name

_SECRET = {"secret_key"}


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the documentation table (docs/settings.md).")
@click.pass_obj
def settings_command(settings, markdown: bool) -> None:
    """Print every setting with its value and where to change it."""
    if markdown:
        click.echo(settings_table_markdown(), nl=False)
        return
    values = settings.values()
    for field in SETTINGS:
        value = values[field.name]
        if field.name in _SECRET and value:
            value = "(set, hidden)"
        click.echo(f"{env_name(field):34} {value!s:40} {field.metadata['help']}")
