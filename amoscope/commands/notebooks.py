"""``amoscope notebooks``: list the investigation notebooks and run them headless."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from amoscope.notebooks import NOTEBOOKS_DIR, NotebookError, discover, find, require_runner, run
from amoscope.settings import Settings
from warehouse.settings import WarehouseSettings, all_setting_fields, env_name

_FOLDER = click.option("--notebooks", "folder", type=click.Path(file_okay=False, path_type=Path),
                       default=NOTEBOOKS_DIR, show_default=True, help="The folder of the notebooks.")


@click.group()
def notebooks() -> None:
    """The investigation notebooks (notebooks/), run against the configured archive and database."""


@notebooks.command("list")
@_FOLDER
def list_notebooks(folder: Path) -> None:
    """Each notebook: the question it answers and its parameters, with types and defaults."""
    try:
        found = discover(folder)
    except NotebookError as error:
        raise click.ClickException(str(error)) from None
    for info in found:
        click.echo(click.style(info.name, bold=True) + f"  {info.title}")
        if info.question:
            click.echo(click.wrap_text(info.question, initial_indent="  ", subsequent_indent="  "))
        for parameter in info.parameters:
            click.echo(f"    --param {parameter.name}=…  ({parameter.kind}, default {parameter.default})"
                       + (f"  {parameter.help}" if parameter.help else ""))
        click.echo()


@notebooks.command("run")
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (repeatable); `amoscope notebooks list` shows each notebook's.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder for the executed notebooks (.ipynb) and their HTML exports.")
@click.option("--timeout", type=click.IntRange(min=1), default=600, show_default=True,
              help="Seconds one cell may run before the run is stopped.")
@_FOLDER
@click.pass_obj
def run_notebooks(settings: Settings, name: str | None, params: tuple[str, ...], out: Path, timeout: int,
                  folder: Path) -> None:
    """Run NAME (or every notebook) and write its executed copy and HTML to --out.

    Every parameter is checked against the notebooks' declarations before anything runs; without
    NAME, a parameter goes to each notebook that declares it.
    """
    try:
        require_runner()
        given = _split(params)
        if name:
            info = find(name, folder)
            runs = [(info, info.check(given))]
        else:
            chosen = discover(folder)
            unused = sorted(set(given) - set().union(*(info.names for info in chosen)))
            if unused:
                raise NotebookError(f"no notebook has a parameter {', '.join(unused)}")
            runs = [(info, info.check({key: value for key, value in given.items() if key in info.names}))
                    for info in chosen]
    except NotebookError as error:
        raise click.ClickException(str(error)) from None
    env = kernel_environment(settings)
    console = Console(stderr=True)
    failures = []
    for info, values in runs:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("cells"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(info.name, total=None)
            try:
                result = run(info, values, out, cwd=Path.cwd(), env=env, timeout=timeout,
                             on_cell=lambda done, total, task=task: progress.update(task, completed=done,
                                                                                  total=total))
            except NotebookError as error:
                failures.append(str(error))
                continue
        click.echo(f"{info.name}: {result.notebook} and {result.html}")
    if failures:
        raise click.ClickException("\n".join(failures))


def kernel_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with the warehouse's settings as resolved here (from the
    environment and any ``AMOSCOPE_CONFIG`` file): the kernel's ``Warehouse.open()`` reads the
    environment only, and must see the same database and archive as this command."""
    resolved = {env_name(field): str(getattr(settings.warehouse, field.name))
                for field in all_setting_fields(WarehouseSettings)}
    return {**os.environ, **resolved}


def _split(params: tuple[str, ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise NotebookError(f"--param {item!r} is not KEY=VALUE")
        if key.strip() in given:
            raise NotebookError(f"parameter {key.strip()} is given twice")
        given[key.strip()] = value
    return given
