"""The investigators' notebook runs top to bottom against a freshly seeded demo (SQLite and a
local archive, settings from the environment, as a newcomer runs it after ``make demo``)."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from amoscope import migrate
from amoscope.settings import Settings
from simulator import seed_database
from etl.run import run_once
from warehouse import Warehouse
from warehouse.database import create_engine
from warehouse.kpi.base import REGISTRY

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "investigation.ipynb"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Settings:
    """The demo's world at its own scale: seeded into SQLite and archived once."""
    folder = tmp_path_factory.mktemp("notebook-demo")
    settings = Settings.from_env({}, database_url=f"sqlite:///{folder / 'amoscope.db'}",
                                 archive_url=str(folder / "archive"))
    engine = create_engine(settings.database_url)
    migrate.upgrade(engine)
    seed_database(engine, scale="demo")
    run_once(settings.etl, engine)
    engine.dispose()
    return settings


def _printed(notebook) -> dict[str, str]:
    """The text each tagged code cell printed, by tag."""
    printed = {}
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            streams = [output for output in cell.get("outputs", []) if output.output_type == "stream"]
            printed[tag] = "".join(output.text for output in streams)
    return printed


def test_the_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_notebook_runs_against_the_demo(demo, monkeypatch):
    for name in [name for name in os.environ if name.startswith("AMOSCOPE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AMOSCOPE_DATABASE_URL", demo.database_url)
    monkeypatch.setenv("AMOSCOPE_ARCHIVE_URL", demo.archive_url)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Any cell error raises CellExecutionError with the cell and its traceback.
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    printed = _printed(notebook)

    aircraft, since = re.search(r"Investigating (\S+) from (\S+)", printed["aircraft"]).groups()
    rows, defects = map(int, re.search(r"(\d+) rows: (\d+) defects", printed["wide-view"]).groups())
    assert rows >= defects > 0
    warehouse = Warehouse.open(demo.warehouse)
    try:
        view = warehouse.investigation(aircraft, since=date.fromisoformat(since))
    finally:
        warehouse.close()
    assert (len(view), view["defect_id"].nunique()) == (rows, defects)
    assert since == str(date.today() - timedelta(days=90))

    assert re.search(r"^\S+: \d+ events$", printed["timelines"], re.MULTILINE)
    version = REGISTRY["deferred_items_per_aircraft"].version
    assert re.search(rf"deferred_items_per_aircraft \(definition v{version},.*{re.escape(aircraft)} has \d+ "
                     rf"open deferrals now, had \d+ on {date.today() - timedelta(days=180)}", printed["kpi"])
    assert re.match(r"OK: \d+ manifests, \d+ files, [1-9]\d* rows verified", printed["verify"])
    assert re.match(r"OK: event \S+ is row \d+ of \d+ in manifests/audit_events/", printed["proof"])
