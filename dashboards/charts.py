"""Figure builders of the cockpits: every bar carries the ids of its records in ``customdata``.

A click on a bar gives the callback those ids (``clickData.points[0].customdata``), so the
drilldown opens exactly the records the bar counts, as they were at the cockpit's as-of date.
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
    """A bar chart of ``panel`` over its KPI table; an empty frame gives an empty chart that says so."""
    fig = go.Figure()
    if frame.empty:
        fig.add_annotation(text="Nothing to show", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    else:
        data = bars(panel, frame, labels)
        series = data.groupby(panel.color, sort=True) if panel.color else [(None, data)]
        for name, part in series:
            fig.add_bar(x=part[panel.x], y=part["value"], name=str(name) if name is not None else panel.title,
                        customdata=[",".join(map(str, ids[:MAX_DRILL_IDS])) for ids in part["ids"]],
                        hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>")
    order = "category ascending" if panel.x in ORDERED_AXES else "trace"
    fig.update_layout(barmode="stack", margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=300,
                      showlegend=bool(panel.color), legend={"orientation": "h", "y": -0.25},
                      xaxis={"type": "category", "categoryorder": order}, template="plotly_white")
    return fig
