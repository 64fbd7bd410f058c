"""In real Chromium against the served app on PostgreSQL: the user page reached from the live
feed, the history grid and a record timeline; a disable with a reason that a second admin sees in
the feed within one poll and that signs the user out; the history grid over more than 10,000
events with a small DOM, its filters in the URL, and exports holding exactly the filtered rows;
a feed item opening its record; a pinned item on top until acknowledged. Screenshots of the pages
go to test-artifacts/."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from auth_test_support import log_in_page, make_user, sql_count, watch_problems
from openpyxl import load_workbook

from dashboards.live import POLL_MILLISECONDS
from warehouse.events import RequestContext, record_activity, record_audit
from warehouse.schema import departments, findings

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
VIEWPORT = {"width": 1400, "height": 1000}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.fixture
def world(pg_engine, amo_id):
    """Two admins, Alice Khan of production, and an L1 finding Alice raised (audited, in the feed)."""
    boss = make_user(pg_engine, "boss@amo1.example", "admin")
    make_user(pg_engine, "boss2@amo1.example", "admin")
    alice = make_user(pg_engine, "alice.khan@amo1.example", "member", "PROD")
    with pg_engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET full_name = 'Alice Khan' WHERE id = :id"), {"id": alice})
        prod = connection.execute(sa.select(departments.c.id).where(
            departments.c.amo_id == amo_id, departments.c.code == "PROD")).scalar_one()
        finding = connection.execute(findings.insert().values(
            amo_id=amo_id, finding_no="F-0413", source="INTERNAL_AUDIT", level="L1",
            regulation_ref="145.A.30", department_id=prod, description="Tool control lapse",
            raised_at=datetime.now(UTC), status="OPEN",
        ).returning(findings.c.id)).scalar_one()
        context = RequestContext(actor_user_id=alice, actor_role="member", auth_method="SESSION")
        record_audit(connection, context, "CREATE", amo_id=amo_id, entity_type="findings", entity_id=finding,
                     department_id=prod, after={"finding_no": "F-0413", "status": "OPEN"},
                     reason="raised during the tool-crib audit")
        record_activity(connection, amo_id=amo_id, department_id=prod, kind="finding.raised",
                        summary="L1 finding against 145.A.30 (PROD)", entity_type="findings",
                        entity_id=finding, actor_user_id=alice)
    return {"boss": boss, "alice": alice, "finding": finding}


def _signed_in(chromium, served, username):
    page = chromium.new_context(viewport=VIEWPORT).new_page()
    log_in_page(page, served, username)
    page.wait_for_url(f"{served}/maintenance/AMO1/**")
    return page


def _open_feed(page):
    page.click("#feed-open")
    page.locator("#feed-list .feed-item").first.wait_for(timeout=20_000)


def test_admin_reaches_one_user_page_from_everywhere_and_disables_the_user(served, chromium, world):
    user_page = f"{served}/maintenance/AMO1/admin/users/{world['alice']}"
    alice = _signed_in(chromium, served, "alice.khan@amo1.example")
    other = _signed_in(chromium, served, "boss2@amo1.example")
    _open_feed(other)
    page = _signed_in(chromium, served, "boss@amo1.example")
    problems = watch_problems(page)

    _open_feed(page)  # 1. from the live feed
    page.locator("#admin-users .ag-row").first.wait_for(timeout=20_000)
    page.wait_for_timeout(800)  # the panel has slid in
    _shot(page, "feed")
    page.locator("#feed-list .feed-item a.user-link", has_text="Alice Khan").first.click()
    page.wait_for_url(user_page)
    page.goto(f"{served}/maintenance/AMO1/history")  # 2. from the history grid
    page.locator(".ag-row a", has_text="Alice Khan").first.click()
    page.wait_for_url(user_page)
    page.goto(f"{served}/maintenance/AMO1/findings/{world['finding']}")  # 3. from the record's timeline
    page.locator("#entity-timeline a.user-link", has_text="Alice Khan").click()
    page.wait_for_url(user_page)

    page.locator("#user-name").wait_for(timeout=20_000)
    page.fill("#user-reason", "left the company on Friday")
    page.click("#user-apply")
    page.locator("#user-confirm-dialog").get_by_text("Disable the account").wait_for()
    page.click("#user-confirm")
    page.locator("#user-outcome").wait_for(timeout=20_000)
    assert "disabled" in page.locator("#user-outcome").inner_text()
    assert "left the company on Friday" in page.locator("#user-audit-entry").inner_text()
    assert page.input_value("#user-reason") == ""  # the form is cleared
    page.locator("#user-status", has_text="Disabled").wait_for(timeout=20_000)
    page.locator("#user-account-list", has_text="left the company on Friday").wait_for(timeout=20_000)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "user-page")

    # The second admin's open feed shows it within one poll (plus the time to answer it).
    other.locator("#feed-list .feed-item", has_text="Alice Khan").filter(has_text="disabled").first.wait_for(
        timeout=POLL_MILLISECONDS + 5_000)
    # The disabled user's open page learns at its next poll that the session has ended.
    alice.locator("#session-ended").wait_for(timeout=POLL_MILLISECONDS + 5_000)
    assert problems == []


def test_pinned_item_stays_on_top_until_acknowledged_and_an_item_opens_its_record(served, chromium, world,
                                                                                 pg_engine, amo_id):
    page = _signed_in(chromium, served, "boss@amo1.example")
    page.locator("#admin-users .ag-row").first.wait_for(timeout=20_000)
    page.wait_for_timeout(1_000)  # the feed's first read is done (the closed panel draws nothing)
    with pg_engine.begin() as connection:  # arrives while the panel is closed: the badge counts it
        record_activity(connection, amo_id=amo_id, kind="car.closed", summary="CAR-77 closed",
                        actor_user_id=world["alice"])
    page.locator("#feed-new", has_text="1 new").wait_for(timeout=POLL_MILLISECONDS + 5_000)
    _open_feed(page)
    assert page.locator("#feed-new").inner_text() == ""  # seen: the panel opened at the newest
    pinned = page.locator("#feed-pinned .feed-pinned-item", has_text="F-0413")
    pinned.wait_for(timeout=20_000)
    assert "Level-1 finding" in pinned.inner_text()
    with page.expect_navigation():
        page.locator("#feed-list .feed-item a.record-link", has_text="F-0413").first.click()
    assert page.url == f"{served}/maintenance/AMO1/findings/{world['finding']}"
    page.reload()
    _open_feed(page)
    pinned.wait_for(timeout=20_000)  # still on top after a reload
    pinned.get_by_role("button", name="Acknowledge").click()
    pinned.wait_for(state="detached", timeout=20_000)
    page.reload()
    _open_feed(page)
    page.wait_for_timeout(1_500)
    assert page.locator("#feed-pinned .feed-pinned-item").count() == 0  # remembered in the browser


def test_history_grid_scrolls_through_10000_events_keeps_filters_and_exports_them(served, chromium, world,
                                                                                   pg_engine, amo_id):
    with pg_engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO audit_events "
            "(event_id, occurred_at, amo_id, actor_user_id, action, entity_type, entity_id, reason) "
            "SELECT gen_random_uuid()::text, now() - n * interval '1 minute', :amo, :alice, "
            "CASE WHEN n % 4 = 0 THEN 'EXPORT' ELSE 'VIEW' END, 'findings', :finding, "
            "'batch ' || (n % 9)::text FROM generate_series(1, 12000) AS n"),
            {"amo": amo_id, "alice": world["alice"], "finding": str(world["finding"])})
    page = _signed_in(chromium, served, "boss@amo1.example")
    problems = watch_problems(page)
    page.goto(f"{served}/maintenance/AMO1/history")
    page.locator("#history-grid .ag-row a").first.wait_for(timeout=20_000)
    total = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE amo_id = :amo", amo=amo_id)
    _shot(page, "history")
    viewport = page.locator("#history-grid .ag-body-viewport")
    largest_dom, last_index = 0, 0
    for _ in range(400):
        viewport.evaluate("element => { element.scrollTop = element.scrollHeight; }")
        page.wait_for_timeout(150)
        largest_dom = max(largest_dom, page.locator("#history-grid .ag-row").count())
        indexes = page.locator("#history-grid .ag-row[row-index]").evaluate_all(
            "rows => rows.map(row => Number(row.getAttribute('row-index')))")
        last_index = max([last_index, *indexes])
        if last_index >= total - 1:
            break
    assert last_index == total - 1 and total > 10_000
    assert largest_dom < 150, largest_dom  # the grid keeps only the visible rows in the DOM

    page.fill("#history-text", "batch 3")
    page.press("#history-text", "Enter")
    page.wait_for_url("**/history?text=batch+3", timeout=20_000)
    page.reload()
    assert page.input_value("#history-text") == "batch 3"  # the filter came back from the URL
    page.locator(".ag-row").first.wait_for(timeout=20_000)
    expected = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE amo_id = :amo "
                                    "AND lower(reason) LIKE '%batch 3%'", amo=amo_id)
    with page.expect_download() as download:
        page.click("#history-export-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) - 1 == expected and all(row[-1] == "batch 3" for row in rows[1:])
    with page.expect_download() as download:
        page.click("#history-export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet.max_row - 2 == expected  # a title line and a header line above the rows
    exports = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'EXPORT' "
                                   "AND entity_type = 'audit_events'")
    assert exports == 2
    page.locator(".ag-row").first.click()  # a row opens the event
    page.locator("#history-event-title").wait_for(timeout=20_000)
    assert problems == []


def test_users_list_screenshot(served, chromium, world, pg_engine):
    for n in range(30):
        make_user(pg_engine, f"tech{n:02d}@amo1.example", "member", "PROD" if n % 2 else "STOR")
    page = _signed_in(chromium, served, "boss@amo1.example")
    page.goto(f"{served}/maintenance/AMO1/admin/users?department=PROD")
    page.locator("#users-rows").wait_for(timeout=20_000)
    assert page.locator("#users-rows tbody tr").count() == 16  # 15 technicians and Alice
    page.reload()
    page.locator("#users-rows").wait_for(timeout=20_000)
    assert page.locator("#users-rows tbody tr").count() == 16  # the filter survives a reload
    _shot(page, "users-list")
