"""The investigation notebooks, run headless: found, their parameters checked, executed, exported.

Each notebook in ``notebooks/`` declares its parameters in one code cell tagged ``parameters``
(papermill's convention), one annotated assignment per line with a comment that explains it::

    AIRCRAFT: str | None = None  # a registration such as "D-ABCD"; None: the busiest aircraft
    WINDOW_DAYS: int = 90  # days before today the window starts

Values given on the command line are checked against those declarations (name and type) before
any kernel starts, then written into a cell tagged ``injected-parameters`` right after the
declarations, so the executed copy shows what it ran with. The notebook runs in a fresh Python
kernel (nbclient); the executed copy and an HTML export (nbconvert) land in the output folder.
The kernel, the runner and the exporter are the optional extra ``notebooks``
(:func:`require_runner`): the demo installs without them.
Plotly figures stay small JSON in the executed copy; the HTML export draws them with plotly.js
embedded once, so it opens offline, with no kernel and no network.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import io
import os
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import nbformat

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
RUNNER_PACKAGES = ("ipykernel", "nbclient", "nbconvert")
RUNNER_INSTALL = "pip install -e '.[notebooks]'"
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"true", "yes", "on", "1"}:
        return True
    if lowered in {"false", "no", "off", "0"}:
        return False
    raise ValueError(text)


_TYPES: dict[str, Callable[[str], Any]] = {
    "str": str, "int": int, "float": float, "bool": _parse_bool, "date": date.fromisoformat,
}
_PLOTLY = "application/vnd.plotly.v1+json"


class NotebookError(Exception):
    """A notebook cannot be found, parameterised or run; the message says which and why."""


def require_runner() -> None:
    """Raise :class:`NotebookError` naming the install command when the runner's packages (the
    optional extra ``notebooks``) are not installed."""
    missing = [name for name in RUNNER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise NotebookError(f"running notebooks needs {', '.join(missing)}, not installed with the app "
                            f"itself; install them with: {RUNNER_INSTALL}")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type (str, int, float, bool or date), default and help."""

    name: str
    type: str
    optional: bool  # None is allowed
    default: str  # as written in the notebook
    help: str

    def parse(self, text: str) -> Any:
        """The value of ``text`` for this parameter, or a NotebookError naming it."""
        if self.optional and text.strip().lower() in {"", "none"}:
            return None
        try:
            return _TYPES[self.type](text.strip() if self.type != "str" else text)
        except ValueError:
            expected = {"int": "a whole number", "float": "a number", "bool": "true or false",
                        "date": "a date like 2026-01-31", "str": "a text"}[self.type]
            allowed = " or none" if self.optional else ""
            raise NotebookError(f"parameter {self.name} takes {expected}{allowed}, not {text!r}") from None

    @property
    def kind(self) -> str:
        return f"{self.type} | None" if self.optional else self.type


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the folder: its name (file stem), title, the question it answers, parameters."""

    name: str
    path: Path
    title: str
    question: str
    parameters: tuple[Parameter, ...]

    @property
    def names(self) -> set[str]:
        return {parameter.name for parameter in self.parameters}

    def check(self, given: dict[str, str]) -> dict[str, Any]:
        """``given`` (name → text) parsed against the declarations; unknown names are errors."""
        declared = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            names = ", ".join(declared) or "none"
            raise NotebookError(f"{self.name} has no parameter {', '.join(unknown)}; its parameters: {names}")
        return {name: declared[name].parse(text) for name, text in given.items()}


def discover(folder: Path = NOTEBOOKS_DIR) -> list[NotebookInfo]:
    """Every notebook in ``folder`` (not checkpoints), by name."""
    if not folder.is_dir():
        raise NotebookError(f"no notebook folder at {folder}")
    return [read_info(path) for path in sorted(folder.glob("*.ipynb"))]


def find(name: str, folder: Path = NOTEBOOKS_DIR) -> NotebookInfo:
    """The notebook called ``name`` (its file name, ``.ipynb`` optional)."""
    path = folder / f"{name.removesuffix('.ipynb')}.ipynb"
    if "/" in name or not path.is_file():
        names = ", ".join(sorted(found.stem for found in folder.glob("*.ipynb"))) or "none"
        raise NotebookError(f"no notebook named {name!r}; the notebooks: {names}")
    return read_info(path)


def read_info(path: Path) -> NotebookInfo:
    """Title and question (the first markdown cell's heading and first paragraph) and parameters."""
    notebook = nbformat.read(path, as_version=4)
    markdown = next((cell.source for cell in notebook.cells if cell.cell_type == "markdown"), "")
    lines = markdown.strip().splitlines()
    title = lines[0].lstrip("# ").strip() if lines else path.stem
    question = " ".join((markdown.strip().split("\n\n") + ["", ""])[1].split())
    cells = [cell for cell in notebook.cells if PARAMETERS_TAG in cell.metadata.get("tags", [])]
    if len(cells) != 1:
        raise NotebookError(f"{path.name} needs exactly one code cell tagged {PARAMETERS_TAG!r}, "
                            f"has {len(cells)}")
    return NotebookInfo(path.stem, path, title, question, parse_parameters(cells[0].source, path.name))


def parse_parameters(source: str, where: str = "the parameters cell") -> tuple[Parameter, ...]:
    """The annotated assignments of a parameters cell, with their trailing comments as help."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise NotebookError(f"{where}: the parameters cell is not valid Python: {error.msg}") from None
    comments = {token.start[0]: token.string.lstrip("# ").strip()
                for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    parameters = []
    for statement in tree.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and statement.value is not None):
            raise NotebookError(f"{where}: line {statement.lineno} is not a parameter like "
                                "'NAME: int = 90  # what it means'")
        kind, optional = _annotation(statement.annotation)
        if kind not in _TYPES:
            raise NotebookError(f"{where}: parameter {statement.target.id} has type {kind!r}; "
                                f"use one of {', '.join(_TYPES)} (or '| None')")
        parameters.append(Parameter(statement.target.id, kind, optional, ast.unparse(statement.value),
                                    comments.get(statement.lineno, "")))
    return tuple(parameters)


def _annotation(node: ast.expr) -> tuple[str, bool]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [ast.unparse(node.left), ast.unparse(node.right)]
        if "None" in sides:
            sides.remove("None")
            return sides[0], True
    return ast.unparse(node), False


def inject(notebook: nbformat.NotebookNode, values: dict[str, Any]) -> None:
    """Insert the given values as a cell tagged ``injected-parameters`` after the parameters cell."""
    if not values:
        return
    tagged = [PARAMETERS_TAG in cell.metadata.get("tags", []) for cell in notebook.cells]
    index = tagged.index(True)
    lines = ["# Parameters given to `amoscope notebooks run`"]
    if any(isinstance(value, date) for value in values.values()):
        lines.append("from datetime import date")
    for name, value in values.items():
        text = f"date({value.year}, {value.month}, {value.day})" if isinstance(value, date) else repr(value)
        lines.append(f"{name} = {text}")
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    notebook.cells.insert(index + 1, cell)


@dataclass(frozen=True)
class RunResult:
    notebook: Path  # the executed copy
    html: Path


def run(info: NotebookInfo, values: dict[str, Any], out: Path, *, cwd: Path,
        env: dict[str, str] | None = None,
        on_cell: Callable[[int, int], None] = lambda done, total: None, timeout: int = 600) -> RunResult:
    """Execute the notebook with ``values`` and write ``<name>.ipynb`` and ``<name>.html`` to ``out``.

    The kernel starts in ``cwd`` with ``env`` (default: this process's environment), where the
    notebook's ``Warehouse.open()`` finds its ``AMOSCOPE_*`` settings.
    A failing cell still leaves both files, showing the error where it happened, and raises a
    NotebookError naming the cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(info.path, as_version=4)
    inject(notebook, values)
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    done = 0

    def cell_complete(cell: Any = None, cell_index: int = 0, **_: Any) -> None:
        nonlocal done
        done += 1
        on_cell(done, len(code))

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NotebookError(f"cannot create the output folder {out}: {error.strerror}") from None
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", on_cell_complete=cell_complete,
                            resources={"metadata": {"path": str(cwd)}})
    failure = None
    try:
        client.execute(env=dict(os.environ) if env is None else env)
    except CellExecutionError as error:
        failure = error
    result = RunResult(out / f"{info.name}.ipynb", out / f"{info.name}.html")
    nbformat.write(notebook, result.notebook)
    result.html.write_text(to_html(notebook), encoding="utf-8")
    if failure is not None:
        failed = next((i for i in code if any(o.get("output_type") == "error"
                                               for o in notebook.cells[i].get("outputs", []))), None)
        where = f"cell {code.index(failed) + 1} of {len(code)}" if failed is not None else "a cell"
        raise NotebookError(f"{info.name}: {where} failed with {failure.ename}: {failure.evalue} "
                            f"(see {result.html})")
    return result


def to_html(notebook: nbformat.NotebookNode) -> str:
    """The notebook as one HTML page; plotly figures drawn with plotly.js embedded once."""
    import plotly.io as pio
    from nbconvert import HTMLExporter

    page = copy.deepcopy(notebook)
    first = True
    for cell in page.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _PLOTLY in data and "text/html" not in data:
                data["text/html"] = pio.to_html(dict(data[_PLOTLY]), include_plotlyjs=first, full_html=False)
                first = False
    html, _resources = HTMLExporter(template_name="lab").from_notebook_node(page)
    return html
