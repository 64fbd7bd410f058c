"""Chart conventions, in one place: every cockpit figure is built here, as a plain plotly figure
dict on one shared template, so a person reads it in words and a click still drills down.

* axis titles with units come from the panel (``Panel.x_title``, ``Panel.y_title``);
* labels are words: ids become names through ``labels`` (department names, people, tool
  numbers), codes and booleans through :mod:`dashboards.words`, never a bare id or True/False;
* counts get whole-number ticks;
* an empty KPI is either good news ("0 overdue CARs", green) or "no data" (grey), as its
  headline says;
* no two series of a chart share a colour, and a category keeps its colour on every render and
  page where it collides with no other (:func:`dashboards.words.colours`);
* time axes list every period, so a month without events is a visible gap, not a missing one;
* the risk matrix is the 5×5 severity × likelihood grid with counts and tolerability colours;
* every bar, point and cell carries ``"ids|what it is"`` in ``customdata`` (one string, which
  every trace type hands back intact): the records it counts, and words for the list's title.

Figures are dicts, not ``go.Figure`` objects: the template is shared by reference (one per
theme, :func:`template`) instead of being validated and deep-copied into each figure, and
heatmaps are filled from arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import plotly.io as pio

from dashboards import words
from dashboards.cockpits import Panel, id_list
from warehouse.kpi.headline import Figure

MAX_BARS = 30  # the largest categories; more bars are unreadable
MAX_DRILL_IDS = 500  # ids carried by one bar (and so by the records page URL)
ORDERED_AXES = frozenset({"month", "quarter", "week", "bucket"})  # shown in their own order, not by size
Labels = Mapping[str, Mapping]


def _template(base: str) -> dict:
    """Our small template: the look of a plotly template (font, backgrounds, grid), none of its
    per-trace defaults, so each figure carries a few hundred bytes of it, not kilobytes."""
    layout = pio.templates[base].layout
    axis = {"gridcolor": layout.xaxis.gridcolor, "linecolor": layout.xaxis.linecolor,
            "zerolinecolor": layout.xaxis.zerolinecolor, "automargin": True, "title": {"standoff": 8}}
    return {"layout": {
        "font": {"color": layout.font.color, "size": 12}, "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": layout.plot_bgcolor, "xaxis": axis, "yaxis": axis, "colorway": list(words.PALETTE),
        "hoverlabel": {"namelength": -1}, "legend": {"orientation": "h", "y": -0.3},
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
    }}


TEMPLATES = {"light": _template("plotly_white"), "dark": _template("plotly_dark")}


def template(theme: str = "light") -> dict:
    """The shared template of ``theme`` ("light" or "dark"; anything else gets light)."""
    return TEMPLATES.get(theme, TEMPLATES["light"])


def figure(panel: Panel, frame: pd.DataFrame, labels: Labels | None = None, *, theme: str = "light",
           period_end: date | None = None, headline: Figure | None = None) -> dict:
    """The chart of ``panel`` over its KPI table; an empty table draws the KPI's zero state
    (``headline`` says whether zero is good news or there is no data)."""
    if frame.empty:
        return zero_state(panel, headline, theme)
    draw = FIGURES.get(panel.kpi, bar_chart)
    return draw(panel, frame, labels or {}, theme, period_end)


def zero_state(panel: Panel, headline: Figure | None, theme: str) -> dict:
    """An empty chart that says what the emptiness means: "0 overdue CARs" in green when the
    headline is zero and lower is better, "No data for this period" in grey when there is none."""
    if headline is None or headline.value is None:
        text, colour = "No data for this period", words.NO_DATA
    else:
        text = f"{headline.text} {headline.label[0].lower()}{headline.label[1:]}"
        colour = words.GOOD if headline.state in ("good", "neutral") else words.NO_DATA
    mark = "✓ " if colour == words.GOOD else ""
    hidden = {"visible": False}
    return {"data": [], "layout": {
        "template": template(theme), "height": 300, "xaxis": hidden, "yaxis": hidden,
        "annotations": [{"text": f"{mark}{text}", "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
                         "yref": "paper", "font": {"size": 16, "color": colour}}],
        "meta": {"zero_state": "good" if colour == words.GOOD else "no data"}}}


@dataclass(frozen=True)
class Bar:
    """One bar segment: its x and colour values (raw and in words), summed value and record ids."""

    x: str
    color: str
    value: float
    ids: list[int]
    x_words: str
    color_words: str


def bars(panel: Panel, frame: pd.DataFrame, labels: Labels | None = None) -> list[Bar]:
    """The panel's bars: one per (x, color) with the summed value and the ids behind it, the
    ``MAX_BARS`` largest x values, in the KPI's order (time and buckets in their own order).

    Plain Python over the column lists: KPI tables are small, and a pandas group-by costs
    milliseconds per chart where this costs microseconds.
    """
    xs = [_key(value) for value in frame[panel.x]]
    colors = [_key(value) for value in frame[panel.color]] if panel.color else [""] * len(xs)
    values = frame[panel.y].tolist() if panel.y else [1] * len(xs)
    groups: dict[tuple[str, str], list] = {}
    for x, color, value, cell in zip(xs, colors, values, frame[panel.ids], strict=True):
        group = groups.setdefault((x, color), [0.0, set()])
        group[0] += 0.0 if value is None or pd.isna(value) else float(value)
        group[1].update(id_list(cell))
    totals: dict[str, float] = {}
    for (x, _color), (value, _ids) in groups.items():
        totals[x] = totals.get(x, 0.0) + value
    top = set(sorted(totals, key=lambda x: -abs(totals[x]))[:MAX_BARS])
    keys = [key for key in groups if key[0] in top]
    if panel.x in ORDERED_AXES:
        keys.sort(key=lambda key: key[0])
    labels = labels or {}
    return [Bar(x, color, groups[(x, color)][0], sorted(groups[(x, color)][1]),
                words.word(panel.x, x, labels), words.word(panel.color, color, labels) if panel.color else "")
            for x, color in keys]


def _key(value) -> str:
    return "" if value is None or (not isinstance(value, list | tuple) and pd.isna(value)) else str(value)


def bar_chart(panel: Panel, frame: pd.DataFrame, labels: Labels, theme: str, period_end: date | None) -> dict:
    """Stacked bars of the panel, one trace per ``color`` value, in words and stable colours."""
    data = bars(panel, frame, labels)
    categories = _axis_categories(panel.x, list(dict.fromkeys(bar.x for bar in data)), period_end, labels)
    series: dict[str, list[Bar]] = {}
    for bar in data:
        series.setdefault(bar.color_words, []).append(bar)
    traces = []
    palette = words.colours([name or panel.y_title for name in series])
    for name in sorted(series):
        part = series[name]
        traces.append({
            "type": "bar", "x": [bar.x_words for bar in part], "y": [bar.value for bar in part],
            "name": name or panel.y_title, "marker": {"color": palette[name or panel.y_title]},
            "customdata": [drill(bar.ids, f"{bar.x_words}, {name}" if name else bar.x_words)
                           for bar in part],
            "hovertemplate": f"%{{x}}: %{{y}}<extra>{name}</extra>"})
    totals: dict[str, float] = {}
    for bar in data:
        totals[bar.x] = totals.get(bar.x, 0.0) + bar.value
    layout = {
        "template": template(theme), "barmode": "relative", "height": 300, "showlegend": bool(panel.color),
        "xaxis": {"type": "category", "title": {"text": panel.x_title}, "categoryorder": "array",
                  "categoryarray": categories},
        "yaxis": {"title": {"text": panel.y_title},
                  **_count_ticks(max(totals.values(), default=0) if panel.counts else None)}}
    return {"data": traces, "layout": layout}


def _axis_categories(column: str, values: list[str], period_end: date | None, labels: Labels) -> list[str]:
    """The x categories in order: time periods with the empty ones filled in (up to the as-of
    period), buckets in their own order, other categories as the KPI ordered them."""
    if column in ("month", "quarter", "week"):
        values = words.every_period(column, values, period_end)
    return [words.word(column, value, labels) for value in values]


def _count_ticks(top: float | None) -> dict:
    """Whole-number ticks for a count axis (never 0.5 reports); nothing for other axes."""
    if top is None or pd.isna(top):
        return {}
    top = max(float(top), 1.0)
    step = 1.0
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if top / candidate <= 8:
            break
    return {"tickformat": ",d", "dtick": step, "rangemode": "tozero"}


def _plain(value):
    """A number JSON carries as is (numpy scalars to Python)."""
    return value.item() if hasattr(value, "item") else value


def drill(ids, what: str) -> str:
    """An element's customdata: its record ids (at most MAX_DRILL_IDS) and what it is, in words."""
    return ",".join(map(str, id_list(ids)[:MAX_DRILL_IDS])) + "|" + what.replace("|", "/")


def drilled(customdata) -> tuple[str, str]:
    """(ids text, what it is) of a clicked element's customdata."""
    ids, _bar, what = str(customdata or "").partition("|")
    return ids, what


# Alert lines of a control chart: (column, label, colour, dash).
CONTROL_LINES = (
    ("target", "target", "#2e7d32", "dashdot"),
    ("mean", "mean", "#6c757d", "dash"),
    ("alert_1", "+1 SD", "#f0ad4e", "dot"),
    ("alert_2", "+2 SD", "#e8590c", "dot"),
    ("alert_3", "+3 SD", "#c92a2a", "dot"),
)
ALERT_COLOURS = {1: "#f0ad4e", 2: "#e8590c", 3: "#c92a2a"}  # a month above an alert line
IN_CONTROL = "#1c7ed6"


def control_chart(panel: Panel, frame: pd.DataFrame, labels: Labels, theme: str,
                  period_end: date | None) -> dict:
    """A control chart: ``panel.y`` per month for each series of ``panel.color``, with the mean,
    the +1/+2/+3 SD alert lines and the target of the KPI table.

    Points above an alert line are coloured by the highest one (``alert_level``). Each series is
    one legend group; the first is shown, the others are a legend click away. Every point and
    line carries the month's record ids, so a click anywhere on a month drills to its records.
    """
    traces = []
    series = frame[panel.color].drop_duplicates().tolist() if panel.color else [None]
    for position, name in enumerate(series):
        part = frame[frame[panel.color] == name] if panel.color else frame
        visible = True if position == 0 else "legendonly"
        label = words.word(panel.color, name, labels) if name is not None else panel.title
        months = [words.word(panel.x, value, labels) for value in part[panel.x]]
        ids = [drill(value, f"{label}, {month}") for value, month in zip(part[panel.ids], months,
                                                                                  strict=True)]
        colours = [ALERT_COLOURS.get(int(level), IN_CONTROL) if not pd.isna(level) else IN_CONTROL
                   for level in part["alert_level"]]
        traces.append({"type": "scatter", "x": months, "y": _values(part[panel.y]), "name": label,
                       "legendgroup": label, "visible": visible, "mode": "lines+markers", "customdata": ids,
                       "line": {"color": IN_CONTROL}, "marker": {"color": colours, "size": 9},
                       "hovertemplate": f"{label} %{{x}}: %{{y}}<extra></extra>"})
        for column, line_label, colour, dash in CONTROL_LINES:
            traces.append({"type": "scatter", "x": months, "y": _values(part[column]),
                           "name": f"{label} {line_label}", "legendgroup": label, "visible": visible,
                           "showlegend": False, "mode": "lines", "customdata": ids,
                           "line": {"color": colour, "dash": dash, "width": 1},
                           "hovertemplate": f"{line_label}: %{{y}}<extra>{label}</extra>"})
    categories = _axis_categories(panel.x, frame[panel.x].drop_duplicates().tolist(), period_end, labels)
    return {"data": traces, "layout": {
        "template": template(theme), "height": 300, "hovermode": "closest",
        "xaxis": {"type": "category", "title": {"text": panel.x_title}, "categoryorder": "array",
                  "categoryarray": categories},
        "yaxis": {"title": {"text": panel.y_title}, "rangemode": "tozero"}}}


def _values(column: pd.Series) -> list:
    return [None if pd.isna(value) else _plain(value) for value in column]


def heatmap(panel: Panel, frame: pd.DataFrame, labels: Labels, theme: str, period_end: date | None) -> dict:
    """A heatmap of ``panel.y``: rows are the values of ``panel.color`` (in the KPI's order),
    columns those of ``panel.x``; a 0 cell is red (a gap), and every cell carries its record ids.
    Cells are placed by array index, not looked up one by one."""
    rows = frame[panel.color].drop_duplicates().tolist()
    columns = sorted(frame[panel.x].drop_duplicates().tolist())
    row_of = frame[panel.color].map({row: i for i, row in enumerate(rows)}).to_numpy()
    column_of = frame[panel.x].map({column: j for j, column in enumerate(columns)}).to_numpy()
    values = np.zeros((len(rows), len(columns)), dtype=np.int64)
    values[row_of, column_of] = frame[panel.y].fillna(0).astype(np.int64).to_numpy()
    ids = np.empty((len(rows), len(columns)), dtype=object)
    for row, column, cell in zip(row_of, column_of, frame[panel.ids], strict=True):
        ids[row, column] = cell
    column_words = [words.word(panel.x, column, labels) for column in columns]
    customdata = [[drill(ids[i][j], f"{row}, {column_words[j]}") for j in range(len(columns))]
                  for i, row in enumerate(rows)]
    top = int(values.max()) or 1
    gap = 0.5 / top  # the share of the colour scale that only a 0 falls in
    scale = [[0, words.BAD], [gap, words.BAD], [gap, "#d3f9d8"], [1, "#2b8a3e"]]
    return {"data": [{
        "type": "heatmap", "z": values.tolist(), "x": column_words, "y": rows, "customdata": customdata,
        "zmin": 0, "zmax": top, "colorscale": scale, "showscale": False, "xgap": 1, "ygap": 1,
        "texttemplate": "%{z}", "hovertemplate": "%{y} %{x}: %{z} audits<extra></extra>"}],
        "layout": {"template": template(theme), "height": 22 * len(rows) + 90,
                   "xaxis": {"type": "category", "title": {"text": panel.x_title}},
                   "yaxis": {"type": "category", "autorange": "reversed", "title": {"text": panel.y_title}}}}


def risk_matrix(panel: Panel, frame: pd.DataFrame, labels: Labels, theme: str,
                period_end: date | None) -> dict:
    """The 5×5 risk matrix: severity (rows, worst on top) × likelihood (columns); each cell is
    coloured by its tolerability (risk index = severity × likelihood) and shows its reports, open
    and all; a click opens the reports of that cell."""
    levels = list(range(1, 6))
    counts = np.zeros((5, 5), dtype=np.int64)
    open_counts = np.zeros((5, 5), dtype=np.int64)
    ids = np.empty((5, 5), dtype=object)
    rows = frame["severity"].astype(int).to_numpy() - 1
    columns = frame["likelihood"].astype(int).to_numpy() - 1
    inside = (rows >= 0) & (rows < 5) & (columns >= 0) & (columns < 5)
    counts[rows[inside], columns[inside]] = frame["reports"].to_numpy()[inside]
    open_counts[rows[inside], columns[inside]] = frame["open_reports"].to_numpy()[inside]
    for row, column, cell in zip(rows[inside], columns[inside], frame[panel.ids][inside], strict=True):
        ids[row, column] = cell
    index = np.outer(levels, levels)  # severity × likelihood
    tolerability = np.where(index >= 15, 2, np.where(index >= 6, 1, 0))
    severity_words = [words.word("severity", level, labels) for level in levels]
    likelihood_words = [words.word("likelihood", level, labels) for level in levels]
    text = [[f"{counts[i][j]} ({open_counts[i][j]} open)" if counts[i][j] else "0" for j in range(5)]
            for i in range(5)]
    customdata = [[drill(ids[i][j], f"severity {severity_words[i]}, likelihood {likelihood_words[j]}")
                   for j in range(5)] for i in range(5)]
    scale = [[0, words.TOLERABILITY["ACCEPTABLE"]], [0.33, words.TOLERABILITY["ACCEPTABLE"]],
             [0.33, words.TOLERABILITY["TOLERABLE"]], [0.67, words.TOLERABILITY["TOLERABLE"]],
             [0.67, words.TOLERABILITY["INTOLERABLE"]], [1, words.TOLERABILITY["INTOLERABLE"]]]
    return {"data": [{
        "type": "heatmap", "z": tolerability.tolist(), "x": likelihood_words, "y": severity_words,
        "text": text, "texttemplate": "%{text}", "customdata": customdata, "zmin": 0, "zmax": 2,
        "colorscale": scale, "showscale": False, "xgap": 2, "ygap": 2,
        "hovertemplate": "Severity %{y}, likelihood %{x}: %{text}<extra></extra>"}],
        "layout": {"template": template(theme), "height": 320,
                   "xaxis": {"type": "category", "title": {"text": panel.x_title}},
                   "yaxis": {"type": "category", "title": {"text": panel.y_title}}}}  # catastrophic on top


# KPIs drawn as something other than bars.
FIGURES = {"spi_control_chart": control_chart, "regulation_coverage_by_month": heatmap,
           "risk_matrix": risk_matrix}
