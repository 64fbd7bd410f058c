"""``amoscope settings``: show the resolved settings, or their documentation table."""

from __future__ import annotations

import click

from amoscope.settings import SETTINGS, settings_table_markdown

_SECRET = {"secret_key"}


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the documentation table (docs/settings.md).")
@click.pass_obj
def settings_command(settings, markdown: bool) -> None:
    """Print every setting with its value and where to change it."""
    if markdown:
        click.echo(settings_table_markdown(), nl=False)
        return
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if setting.name in _SECRET and value:
            value = "(set, hidden)"
        click.echo(f"{setting.env_name:34} {value!s:40} {setting.help}")
