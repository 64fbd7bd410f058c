"""In Chromium: a click on a regulation-coverage heatmap cell and on an SPI control-chart point
opens the records page with the ids that cell or point carries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from auth_test_support import log_in_page, watch_problems

from tests.dashboards.seeded_support import AMO


def _login(page, served: str, username: str, slug: str) -> None:
    log_in_page(page, served, username)
    page.wait_for_url(f"{served}/maintenance/{AMO}/{slug}")


def test_heatmap_cell_and_control_chart_point_drill_to_their_records(served, chromium):
    page = chromium.new_page()
    problems = watch_problems(page)
    _login(page, served, "qa@nam.example", "quality")
    heatmap = page.locator("[id*='regulation_coverage_by_month'] .nsewdrag").first
    heatmap.wait_for(timeout=60_000)
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.96, box["y"] + box["height"] * 0.02)  # newest month
    page.wait_for_url(f"{served}/maintenance/{AMO}/audits?**", timeout=20_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["kpi"] == ["regulation_coverage_by_month"]
    assert all(part.isdigit() for part in query["ids"][0].split(","))

    page = chromium.new_context().new_page()  # the safety office's own cockpit
    page.on("pageerror", lambda error: problems.append(str(error)))
    _login(page, served, "safety@nam.example", "safety")
    point = page.locator("[id*='spi_control_chart'] g.points path.point").last
    point.wait_for(timeout=60_000)
    point.scroll_into_view_if_needed()
    point.click(force=True)
    page.wait_for_url(f"{served}/maintenance/{AMO}/safety_reports?**", timeout=20_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["kpi"] == ["spi_control_chart"]
    assert problems == []
