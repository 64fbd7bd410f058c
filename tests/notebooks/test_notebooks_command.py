"""``amoscope notebooks list|run``: what each notebook declares, bad parameters refused before any
kernel starts, and a real run writing the executed copy and a self-contained HTML page."""

from __future__ import annotations

import ast
import os
import re
import sys
from datetime import date

import nbformat
import pytest
from click.testing import CliRunner

from amoscope.cli import main
from amoscope.notebooks import RUNNER_PACKAGES, INJECTED_TAG, NotebookError, discover, inject, parse_parameters
from tests.notebooks.conftest import ALL_NOTEBOOKS


def _cli(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_every_committed_notebook_has_no_outputs_and_declares_its_parameters():
    notebooks = discover()
    assert [info.name for info in notebooks] == ALL_NOTEBOOKS and len(ALL_NOTEBOOKS) == 5
    for info in notebooks:
        notebook = nbformat.read(info.path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code and all(not cell.outputs and cell.execution_count is None for cell in code), info.name
        assert info.question.endswith("?"), info.name  # each opens with the question it answers
        assert "amoscope notebooks run" in notebook.cells[0].source, info.name  # and how to change parameters
        assert info.parameters and all(parameter.help for parameter in info.parameters), info.name


def test_list_shows_questions_and_parameters():
    result = _cli("notebooks", "list")
    assert result.exit_code == 0, result.output
    for name in ALL_NOTEBOOKS:
        assert name in result.output
    assert "--param WINDOW_DAYS=…  (int, default 90)" in result.output
    assert "--param USER=…  (str | None, default None)" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["user_activity", "--param", "WINDOW_DAY=30"],
     "user_activity has no parameter WINDOW_DAY; its parameters: USER, WINDOW_DAYS"),
    (["user_activity", "--param", "WINDOW_DAYS=ninety"],
     "parameter WINDOW_DAYS takes a whole number, not 'ninety'"),
    (["user_activity", "--param", "END=yesterday"], "parameter END takes a date like 2026-01-31 or none"),
    (["user_activity", "--param", "WINDOW_DAYS"], "--param 'WINDOW_DAYS' is not KEY=VALUE"),
    (["no_such_notebook"], "no notebook named 'no_such_notebook'; the notebooks: "),
    (["../notebooks/user_activity"], "no notebook named '../notebooks/user_activity'"),
    (["--param", "NOPE=1"], "no notebook has a parameter NOPE"),
])
def test_a_bad_parameter_fails_naming_it_before_anything_runs(tmp_path, args, message):
    out = tmp_path / "out"
    result = _cli("notebooks", "run", *args, "--out", str(out))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # nothing executed, nothing written


def test_run_without_the_notebooks_extra_names_the_install_command(tmp_path, monkeypatch):
    """The demo installs the app without the kernel, runner and exporter: running a notebook then
    fails at once, saying what is missing and how to install it; listing still works."""
    for name in RUNNER_PACKAGES:
        monkeypatch.setitem(sys.modules, name, None)  # how Python marks a package as not importable
    out = tmp_path / "out"
    result = _cli("notebooks", "run", "user_activity", "--out", str(out))
    assert result.exit_code == 1
    assert ("running notebooks needs ipykernel, nbclient, nbconvert, not installed with the app itself; "
            "install them with: pip install -e '.[notebooks]'") in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert _cli("notebooks", "list").exit_code == 0


def test_injected_values_are_literals_whatever_they_contain():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("USER: str | None = None  # who", metadata={"tags": ["parameters"]})]
    hostile = "x'); import os; os.system('echo owned') #\n\"\"\""
    inject(notebook, {"USER": hostile, "SINCE": date(2026, 1, 31), "LIMIT": None})
    cell = notebook.cells[1]
    assert cell.metadata["tags"] == [INJECTED_TAG]
    tree = ast.parse(cell.source)
    assigned = {node.targets[0].id: node.value for node in tree.body if isinstance(node, ast.Assign)}
    assert ast.literal_eval(assigned["USER"]) == hostile  # a string literal, never code
    assert ast.unparse(assigned["SINCE"]) == "date(2026, 1, 31)"
    assert ast.literal_eval(assigned["LIMIT"]) is None


def test_parameters_must_be_annotated_assignments():
    declared = parse_parameters("A: int = 1  # a\nB: date | None = None  # b")
    assert [(p.name, p.kind, p.default, p.help) for p in declared] == [("A", "int", "1", "a"),
                                                                      ("B", "date | None", "None", "b")]
    with pytest.raises(NotebookError, match="line 1 is not a parameter like"):
        parse_parameters("A = 1")
    with pytest.raises(NotebookError, match="parameter A has type 'list'"):
        parse_parameters("A: list = []")


def test_run_writes_the_executed_notebook_and_html(demo, tmp_path, monkeypatch):
    # Settings from a config file only: the kernel must be handed what the command resolved.
    for name in [name for name in os.environ if name.startswith("AMOSCOPE_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "amoscope.toml"
    config.write_text(f"database_url = {demo.settings.database_url!r}\narchive_url = {demo.settings.archive_url!r}\n")
    env = {"AMOSCOPE_CONFIG": str(config)}
    out = tmp_path / "reports"
    result = _cli("notebooks", "run", "user_activity", "--param", f"USER={demo.suspect['username']}",
                  "--param", "WINDOW_DAYS=14", "--out", str(out), env=env)
    assert result.exit_code == 0, result.output
    assert f"user_activity: {out / 'user_activity.ipynb'} and {out / 'user_activity.html'}" in result.output
    assert "cells" in result.stderr  # the progress bar
    executed = nbformat.read(out / "user_activity.ipynb", as_version=4)
    injected = [cell for cell in executed.cells if INJECTED_TAG in cell.metadata.get("tags", [])]
    assert injected[0].source.splitlines()[1:] == [f"USER = {demo.suspect['username']!r}", "WINDOW_DAYS = 14"]
    assert not [o for cell in executed.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    page = (out / "user_activity.html").read_text()
    assert page.count("Plotly.newPlot") >= 3  # every figure drawn in the page
    assert page.count("plotly.js v") == 1  # the library embedded once: opens offline
    assert not re.search(r"<script[^>]*src=[^>]*plotly", page)  # nothing fetched from a CDN
