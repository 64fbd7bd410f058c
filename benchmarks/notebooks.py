"""The investigation notebooks at demo scale: each run headless as ``amoscope notebooks run`` does.

Seeds the demo into SQLite in a temporary folder, archives it, prunes the events older than 30
days from the database (so reads cross the archive and the hot tail), then runs every notebook
with its default parameters and reports the wall time of each (kernel start included), its
slowest cell and the size of its HTML page. The baseline is a notebook of one cell that only
opens the warehouse: the fixed cost of a kernel. Target (issue #17): every notebook under a
minute. Prints a table; asserts nothing. From the repository root::

    .venv/bin/python -m benchmarks.notebooks [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import nbformat

from amoscope import migrate
from amoscope.commands.notebooks import kernel_environment
from amoscope.notebooks import discover, read_info, run
from amoscope.settings import Settings
from etl.prune import prune
from etl.run import run_once
from simulator import seed_database
from warehouse.database import create_engine

BASELINE = """from warehouse import Warehouse
wh = Warehouse.open()
wh.close()"""


def _world(folder: Path) -> Settings:
    settings = Settings.from_env({}, database_url=f"sqlite:///{folder / 'amoscope.db'}",
                                 archive_url=str(folder / "archive"))
    engine = create_engine(settings.database_url)
    migrate.upgrade(engine)
    seed_database(engine, scale="demo")
    run_once(settings.etl, engine)
    prune(settings.etl, engine, timedelta(days=30), tables=("audit_events", "activity_events"))
    engine.dispose()
    return settings


def _baseline_notebook(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("BASELINE: int = 1  # nothing to choose",
                                           metadata={"tags": ["parameters"]})
    title = nbformat.v4.new_markdown_cell("# Baseline\n\nHow long does opening the warehouse take?")
    notebook.cells = [title, parameters, nbformat.v4.new_code_cell(BASELINE)]
    path = folder / "baseline.ipynb"
    nbformat.write(notebook, path)
    return path


def _slowest_cell(path: Path) -> tuple[int, float]:
    """The 1-based index among code cells and seconds of the slowest cell of an executed notebook."""
    timings = []
    for cell in (c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"):
        timing = cell.metadata.get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        timings.append((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
                       if start else 0.0)
    index = max(range(len(timings)), key=timings.__getitem__)
    return index + 1, timings[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each notebook (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        settings = _world(folder)
        print(f"demo world seeded, archived and pruned in {time.perf_counter() - started:.1f} s")
        env = {**kernel_environment(settings), "PYTHONPATH": os.getcwd()}
        infos = [read_info(_baseline_notebook(folder)), *discover()]
        rows, baseline = [], None
        for info in infos:
            seconds = []
            for _ in range(args.rounds):
                began = time.perf_counter()
                result = run(info, {}, folder / "out", cwd=folder, env=env)
                seconds.append(time.perf_counter() - began)
            median = statistics.median(seconds)
            baseline = baseline or median
            cell, cell_seconds = _slowest_cell(result.notebook)
            rows.append((info.name, median, median / baseline, cell, cell_seconds,
                         result.html.stat().st_size / 2**20))
    print("| notebook | seconds | × baseline | slowest code cell | its seconds | HTML MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, median, ratio, cell, cell_seconds, size in rows:
        print(f"| {name} | {median:.1f} | {ratio:.2f} | {cell} | {cell_seconds:.1f} | {size:.1f} |")


if __name__ == "__main__":
    main()
