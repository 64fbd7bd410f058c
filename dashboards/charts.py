"""Figure builders of the cockpits: every bar, point and cell carries the ids of its records in
``customdata``.

A click gives the callback those ids (``clickData.points[0].customdata``), so the drilldown
opens exactly the records the element counts, as they were at the cockpit's as-of date. Most
panels are bars; a control chart (SPI) and a heatmap (regulation coverage) are drawn for the
KPIs named in :data:`FIGURES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.cockpits import Panel, id_list

MAX_BARS = 30  # the largest categories; more bars are unreadable
MAX_DRILL_IDS = 500  # ids carried by one bar (and so by the records page URL)
ORDERED_AXES = frozenset({"month", "quarter", "week", "bucket"})  # shown in their own order, not by size


def bars(panel: Panel, frame: pd.DataFrame, labels: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """The panel's bars: one row per (x, color) with the summed value and the ids behind it.

    ``labels`` maps a column to readable values (e.g. department ids to codes).
    """
    keys = [panel.x] + ([panel.color] if panel.color else [])
    data = frame.copy()
    for column, mapping in (labels or {}).items():
        if column in data.columns:
            data[column] = data[column].map(lambda value, m=mapping: m.get(value, value))
    for column in keys:
        data[column] = data[column].astype(str)
    data["_value"] = data[panel.y] if panel.y else 1
    data["_ids"] = data[panel.ids].map(id_list)
    grouped = data.groupby(keys, sort=False).agg(
        value=("_value", "sum"), ids=("_ids", lambda lists: sorted({i for ids in lists for i in ids})))
    grouped = grouped.reset_index()
    top = grouped.groupby(panel.x, sort=False)["value"].sum().abs().nlargest(MAX_BARS).index
    grouped = grouped[grouped[panel.x].isin(top)]
    return grouped.sort_values(panel.x, kind="stable") if panel.x in ORDERED_AXES else grouped


def figure(panel: Panel, frame: pd.DataFrame, labels: Mapping[str, Mapping] | None = None) -> go.Figure:
    """The chart of ``panel`` over its KPI table (bars unless :data:`FIGURES` names another kind);
    an empty frame gives an empty chart that says so."""
    if not frame.empty and panel.kpi in FIGURES:
        return FIGURES[panel.kpi](panel, frame)
    fig = go.Figure()
    if frame.empty:
        fig.add_annotation(text="Nothing to show", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    else:
        data = bars(panel, frame, labels)
        series = data.groupby(panel.color, sort=True) if panel.color else [(None, data)]
        for name, part in series:
            fig.add_bar(x=part[panel.x], y=part["value"], name=str(name) if name is not None else panel.title,
                        customdata=[_drill_text(ids) for ids in part["ids"]],
                        hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>")
    order = "category ascending" if panel.x in ORDERED_AXES else "trace"
    fig.update_layout(barmode="stack", margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=300,
                      showlegend=bool(panel.color), legend={"orientation": "h", "y": -0.25},
                      xaxis={"type": "category", "categoryorder": order}, template="plotly_white")
    return fig


def _drill_text(ids) -> str:
    return ",".join(map(str, id_list(ids)[:MAX_DRILL_IDS]))


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


def control_chart(panel: Panel, frame: pd.DataFrame) -> go.Figure:
    """A control chart: ``panel.y`` per ``panel.x`` for each series of ``panel.color``, with the
    mean, the +1/+2/+3 SD alert lines and the target of the KPI table.

    Points above an alert line are coloured by the highest one (``alert_level``). Each series is
    one legend group; the first is shown, the others are a legend click away. Every point and
    line carries the month's record ids, so a click anywhere on a month drills to its records.
    """
    fig = go.Figure()
    series = frame[panel.color].drop_duplicates().tolist() if panel.color else [None]
    for position, name in enumerate(series):
        part = frame[frame[panel.color] == name] if panel.color else frame
        visible = True if position == 0 else "legendonly"
        ids = [_drill_text(value) for value in part[panel.ids]]
        colours = [ALERT_COLOURS.get(int(level), IN_CONTROL) if not pd.isna(level) else IN_CONTROL
                   for level in part["alert_level"]]
        label = str(name) if name is not None else panel.title
        fig.add_scatter(x=part[panel.x], y=part[panel.y], name=label, legendgroup=label, visible=visible,
                        mode="lines+markers", customdata=ids, line={"color": IN_CONTROL},
                        marker={"color": colours, "size": 9},
                        hovertemplate=f"{label} %{{x}}: %{{y}}<extra></extra>")
        for column, line_label, colour, dash in CONTROL_LINES:
            fig.add_scatter(x=part[panel.x], y=part[column], name=f"{label} {line_label}", legendgroup=label,
                            visible=visible, showlegend=False, mode="lines", customdata=ids,
                            line={"color": colour, "dash": dash, "width": 1},
                            hovertemplate=f"{line_label}: %{{y}}<extra>{label}</extra>")
    fig.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=300, template="plotly_white",
                      legend={"orientation": "h", "y": -0.25}, hovermode="closest",
                      xaxis={"type": "category", "categoryorder": "category ascending"})
    return fig


def heatmap(panel: Panel, frame: pd.DataFrame) -> go.Figure:
    """A heatmap of ``panel.y``: rows are the values of ``panel.color`` (in the KPI's order),
    columns those of ``panel.x``; a 0 cell is red (a gap), and every cell carries its record ids."""
    rows = frame[panel.color].drop_duplicates().tolist()
    columns = sorted(frame[panel.x].drop_duplicates().tolist())
    cells = frame.set_index([panel.color, panel.x])
    values = [[int(cells.loc[(row, column), panel.y]) for column in columns] for row in rows]
    ids = [[_drill_text(cells.loc[(row, column), panel.ids]) for column in columns] for row in rows]
    top = max(max(row) for row in values) or 1
    gap = 0.5 / top  # the share of the colour scale that only a 0 falls in
    scale = [[0, "#e03131"], [gap, "#e03131"], [gap, "#d3f9d8"], [1, "#2b8a3e"]]
    fig = go.Figure(go.Heatmap(
        z=values, x=columns, y=rows, customdata=ids, zmin=0, zmax=top, colorscale=scale, showscale=False,
        xgap=1, ygap=1, texttemplate="%{z}", hovertemplate="%{y} %{x}: %{z}<extra></extra>"))
    fig.update_layout(margin={"l": 80, "r": 10, "t": 10, "b": 40}, height=22 * len(rows) + 80,
                      template="plotly_white", xaxis={"type": "category"},
                      yaxis={"type": "category", "autorange": "reversed"})
    return fig


# KPIs drawn as something other than bars.
FIGURES = {"spi_control_chart": control_chart, "regulation_coverage_by_month": heatmap}
