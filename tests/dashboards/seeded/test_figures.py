"""Every figure of every cockpit, as served on the seeded data, follows the chart conventions:
axis titles, no label that is a bare id or a boolean, whole-number ticks on counts, months
without gaps, one colour per category across renders and pages, and a drill target on every
element."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from auth.policy import DEPARTMENT_SLUGS
from dashboards import cockpits, words
from tests.dashboards.seeded_support import AMO, cockpit_tree, walk_components

TODAY = datetime.now(UTC).date()
BARE = re.compile(r"^(\d+|true|false|none|nan)$", re.IGNORECASE)


def _figures(client, dash_app, code: str, as_of=TODAY) -> dict[str, dict]:
    tree = cockpit_tree(client, dash_app, f"/maintenance/{AMO}/{DEPARTMENT_SLUGS[code]}",
                        f"?as_of={as_of.isoformat()}")
    return {node["props"]["id"]["kpi"]: node["props"]["figure"]
            for node in walk_components(tree) if node["type"] == "Graph"}


@pytest.fixture(scope="module")
def rendered(clients, dash_app) -> dict[str, dict[str, dict]]:
    return {code: _figures(clients["boss@nam.example"], dash_app, code) for code in cockpits.PANELS}


def _labels(figure: dict) -> list[str]:
    """Every legend entry and tick label a figure shows."""
    labels = []
    for trace in figure["data"]:
        if trace.get("showlegend") is not False and trace.get("name"):
            labels.append(trace["name"])
        for axis in ("x", "y"):
            values = trace.get(axis) or []
            labels += [str(value) for value in values] if trace["type"] != "bar" or axis == "x" else []
    return labels


@pytest.mark.parametrize("code", sorted(cockpits.PANELS))
def test_every_figure_reads_in_words_with_titled_axes(rendered, code):
    figures = rendered[code]
    assert set(figures) == {panel.kpi for panel in cockpits.PANELS[code]}
    for panel in cockpits.PANELS[code]:
        figure, layout = figures[panel.kpi], figures[panel.kpi]["layout"]
        if not figure["data"]:  # the zero state says what the emptiness means, in words
            assert layout["annotations"][0]["text"].startswith(("✓ 0", "No data")), panel.kpi
            continue
        assert layout["xaxis"]["title"]["text"] == panel.x_title, panel.kpi
        assert layout["yaxis"]["title"]["text"] == panel.y_title, panel.kpi
        bare = [label for label in _labels(figure) if BARE.match(label.strip())]
        assert not bare, f"{panel.kpi} shows bare ids or booleans: {bare[:5]}"
        if panel.counts and all(trace["type"] == "bar" for trace in figure["data"]):
            assert layout["yaxis"]["tickformat"] == ",d" and float(layout["yaxis"]["dtick"]).is_integer()
        months = layout["xaxis"].get("categoryarray") if panel.x == "month" else None
        if months:
            numbers = [int(m[:4]) * 12 + int(m[5:7]) for m in months]
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), f"{panel.kpi} skips months"
        for trace in figure["data"]:
            cells = trace.get("customdata") or []
            flat = [cell for row in cells for cell in row] if trace["type"] == "heatmap" else cells
            assert flat and all(isinstance(cell, str) and "|" in cell for cell in flat), panel.kpi


def test_series_of_a_chart_differ_in_colour_and_a_category_keeps_its_own(clients, dash_app, rendered):
    """No two series of one chart look alike; a category has its one colour on every chart where
    it does not collide with another category of that chart."""
    again = {code: _figures(clients["boss@nam.example"], dash_app, code, TODAY - timedelta(days=200))
             for code in ("QUAL", "SAFE", "ENG", "STOR")}
    colours: dict[str, set[str]] = {}
    for figures in [*rendered.values(), *again.values()]:
        for figure in figures.values():
            series = {trace["name"]: trace["marker"]["color"] for trace in figure["data"]
                      if trace["type"] == "bar" and isinstance((trace.get("marker") or {}).get("color"), str)}
            assert len(set(series.values())) == len(series), series
            for name, colour in series.items():
                if colour == words.colour(name):
                    colours.setdefault(name, set()).add(colour)
    assert len(colours) > 10
    assert {name: found for name, found in colours.items() if len(found) > 1} == {}


def test_two_categories_whose_colours_collide_get_two_colours():
    names = [f"Category {n}" for n in range(40)]
    first = names[0]
    twin = next(name for name in names[1:] if words.colour(name) == words.colour(first))
    chosen = words.colours([twin, first, "Late"])
    assert chosen[first] == words.colour(first)  # the earlier by name keeps its colour
    assert chosen[twin] != chosen[first] and chosen[twin] in words.PALETTE
    assert chosen["Late"] == words.BAD  # a colour with a meaning is never moved


def test_the_risk_matrix_is_the_five_by_five_grid(rendered):
    cells = rendered["SAFE"]["risk_matrix"]["data"][0]
    assert cells["type"] == "heatmap" and len(cells["z"]) == 5 and all(len(row) == 5 for row in cells["z"])
    assert cells["y"][-1] == "5 Catastrophic" and cells["x"][0] == "1 Extremely improbable"
    assert sum(int(text.split()[0]) for row in cells["text"] for text in row) > 0
