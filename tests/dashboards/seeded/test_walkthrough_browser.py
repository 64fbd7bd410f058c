"""In Chromium, as a quality manager would go through the product: every cockpit (screenshot),
one element of every chart clicked, landing on a list whose rows are exactly the records behind
that element (screenshot), and a record page of every entity type in both themes (screenshot). Screenshots go
to test-artifacts/ at the repository root, to be looked at."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from auth_test_support import log_in_page, watch_problems

from auth.policy import DEPARTMENT_SLUGS
from dashboards import cockpits, records
from tests.dashboards.seeded.test_record_pages import _richest
from tests.dashboards.seeded_support import AMO

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
pytestmark = pytest.mark.browser

# A chart element with record ids, its trace, index and where to click it, read from the figure.
FIND_ELEMENT = """(graphId) => {
    const gd = document.querySelector(`[id='${graphId}'] .js-plotly-plot`);
    if (!gd) return null;
    const layout = gd._fullLayout;
    for (let t = 0; t < gd.data.length; t++) {
        const trace = gd.data[t];
        if (trace.visible === 'legendonly') continue;
        if (trace.type === 'heatmap') {
            for (let i = 0; i < trace.customdata.length; i++) {
                for (let j = 0; j < trace.customdata[i].length; j++) {
                    const cell = trace.customdata[i][j];
                    if (!cell.split('|')[0]) continue;
                    const x = layout.xaxis.l2p(j) + layout._size.l;
                    return {customdata: cell, x: x, y: layout.yaxis.l2p(i) + layout._size.t};
                }
            }
        } else {
            for (let k = 0; k < (trace.customdata || []).length; k++) {
                const empty = trace.y[k] === null || trace.y[k] === 0;
                if (!trace.customdata[k].split('|')[0] || empty) continue;
                return {customdata: trace.customdata[k], trace: t, index: k, type: trace.type};
            }
        }
    }
    return null;
}"""
GRID_IDS = """() => { const ids = [];
                      dash_ag_grid.getApi('records-grid').forEachNode(n => ids.push(n.data.id));
                      return ids; }"""


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _cockpit(page, served: str, slug: str) -> None:
    page.goto(f"{served}/maintenance/{AMO}/{slug}")
    page.locator("[id^='kpi-']").first.wait_for(timeout=90_000)
    page.wait_for_timeout(800)  # the charts draw after the cards


def test_every_chart_element_drills_to_exactly_its_records(served, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    problems = watch_problems(page)
    log_in_page(page, served, "boss@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/**")
    clicked = []
    for code, panels in cockpits.PANELS.items():
        slug = DEPARTMENT_SLUGS[code]
        _cockpit(page, served, slug)
        _shot(page, f"cockpit-{slug}")
        for panel in panels:
            graph = f'{{"kpi":"{panel.kpi}","type":"cockpit-chart"}}'
            _cockpit(page, served, slug)
            page.locator(f"[id='{graph}'] .js-plotly-plot").wait_for(timeout=30_000)
            element = page.evaluate(FIND_ELEMENT, graph)
            if element is None:  # a zero state: nothing to click
                continue
            page.locator(f"[id='{graph}']").scroll_into_view_if_needed()
            _click(page, graph, element)
            page.wait_for_url(f"{served}/maintenance/{AMO}/{panel.entity}?**", timeout=30_000)
            expected = sorted(int(i) for i in element["customdata"].split("|")[0].split(","))
            query = parse_qs(urlparse(page.url).query)
            assert query["kpi"] == [panel.kpi] and sorted(map(int, query["ids"][0].split(","))) == expected
            page.locator(".ag-row").first.wait_for(timeout=30_000)
            assert sorted(page.evaluate(GRID_IDS)) == expected, panel.kpi
            title = page.locator("#records-title").inner_text()
            assert title.startswith(f"{records_title(panel)} — "), title
            if not clicked:
                _shot(page, f"list-{panel.entity}")
            clicked.append(panel.kpi)
    assert len(clicked) >= 25
    assert problems == []


def _click(page, graph: str, element: dict) -> None:
    """A real mouse click on the element: a bar's or point's own SVG shape, a heatmap cell's centre."""
    plot = page.locator(f"[id='{graph}'] .js-plotly-plot")
    if element.get("type") == "bar":
        plot.locator("g.trace.bars").nth(element["trace"]).locator("g.point path").nth(element["index"]) \
            .click(force=True)
    elif element.get("type") == "scatter":
        plot.locator("g.trace.scatter").nth(element["trace"]).locator("path.point").nth(element["index"]) \
            .click(force=True)
    else:
        box = plot.bounding_box()
        page.mouse.click(box["x"] + element["x"], box["y"] + element["y"])


def records_title(panel) -> str:
    from warehouse.kpi.base import REGISTRY
    return REGISTRY[panel.kpi].headline.label


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_record_page_of_every_type(world, served, chromium, theme):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = watch_problems(page)
    log_in_page(page, served, "boss@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/**")
    # chosen in this browser after signing in (a sign-in applies the account's stored choice)
    context.add_cookies([{"name": "amoscope_theme", "value": theme, "url": served}])
    for kind in records.KINDS:
        page.goto(f"{served}/maintenance/{AMO}/{kind}/{_richest(world, kind)}")
        page.locator("#entity-title").wait_for(timeout=60_000)
        assert page.evaluate("() => document.documentElement.getAttribute('data-bs-theme')") == theme
        page.wait_for_timeout(300)
        _shot(page, f"record-{kind}" if theme == "light" else f"dark-record-{kind}")
    assert problems == []


def test_the_dark_theme_draws_cockpits_lists_and_records(world, served, chromium):
    """Cockpits and a list in the dark theme: the charts take the dark template, screenshots to look at
    (record pages in both themes: above)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = watch_problems(page)
    log_in_page(page, served, "boss@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/**")
    context.add_cookies([{"name": "amoscope_theme", "value": "dark", "url": served}])
    for slug in (DEPARTMENT_SLUGS[code] for code in cockpits.PANELS):
        _cockpit(page, served, slug)
        assert page.evaluate("() => document.documentElement.getAttribute('data-bs-theme')") == "dark"
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('.main-svg')).backgroundColor")
        _shot(page, f"dark-cockpit-{slug}")
        assert background == "rgba(0, 0, 0, 0)"  # the card's dark background shows through the chart
    page.goto(f"{served}/maintenance/{AMO}/cars?ids={_richest(world, 'cars')}")
    page.locator(".ag-row").first.wait_for(timeout=30_000)
    _shot(page, "dark-list-cars")
    assert problems == []
