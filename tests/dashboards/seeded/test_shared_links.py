"""A shared list link survives the login page in Chromium: a colleague who opens it signed out,
signs in and sees exactly the rows and the title the sharer saw (checklist A12's other half)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from auth_test_support import PASSWORD, log_in_page, watch_problems

from tests.dashboards.seeded_support import AMO

pytestmark = pytest.mark.browser


def _shown(page) -> tuple[str, list[str]]:
    """The list's title and the ids of its rows, once the grid has drawn them."""
    page.locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    ids = page.locator(".ag-center-cols-container .ag-row").evaluate_all(
        "rows => rows.map(row => row.getAttribute('row-id'))")
    return page.locator("#records-title").inner_text(), sorted(ids, key=int)


def test_a_shared_list_link_lands_on_the_same_rows_after_login(world, served, chromium):
    with world.engine.connect() as connection:
        cars = list(connection.execute(sa.text(
            "SELECT id FROM cars WHERE amo_id = :amo ORDER BY id LIMIT 4"), {"amo": world.amo_id}).scalars())
    bar = "Hangar Süd & Öst #2"
    link = (f"{served}/maintenance/{AMO}/cars?ids={'%2C'.join(map(str, cars))}"
            f"&kpi=overdue_cars&bar={quote(bar, safe='')}")

    sharer = chromium.new_context().new_page()
    log_in_page(sharer, served, "qa@nam.example")
    sharer.wait_for_url(f"{served}/maintenance/{AMO}/quality")
    sharer.goto(link)
    title, rows = _shown(sharer)
    assert rows == [str(car) for car in cars] and title.endswith(bar)

    colleague = chromium.new_context().new_page()
    problems = watch_problems(colleague)
    colleague.goto(link)
    colleague.wait_for_url(f"{served}/login?next=**")
    log_in_page_keeping_next(colleague, "boss@nam.example")
    colleague.wait_for_url(link, timeout=20_000)
    assert _shown(colleague) == (title, rows)
    assert problems == []


def log_in_page_keeping_next(page, username: str) -> None:
    """Sign in on the login page the browser was sent to (its hidden ``next`` field kept)."""
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
