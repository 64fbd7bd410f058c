"""In real Chromium: log in through the form, land on the right page, and no CSP violation
(checklist F50's browser run) on the pages of this issue; the feed pauses in a hidden tab; the
theme chosen in one browser is the theme of the next login in another."""

from __future__ import annotations

import pytest
from auth_test_support import log_in_page, make_user, watch_problems

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("username", "role", "department", "landing", "visible"), [
    ("prod@amo1.example", "member", "PROD", "/maintenance/AMO1/production", "Production"),
    ("boss@amo1.example", "admin", None, "/maintenance/AMO1/admin", "User command center"),
])
def test_login_lands_on_the_right_page_without_csp_violations(pg_engine, served, chromium, username, role,
                                                              department, landing, visible):
    make_user(pg_engine, username, role, department)
    page = chromium.new_page()
    problems = watch_problems(page)
    graph_code = []
    page.on("request", lambda request: "async-graph" in request.url and graph_code.append(request.url))
    log_in_page(page, served, username)
    page.wait_for_url(f"{served}{landing}")
    page.get_by_text(visible).first.wait_for(timeout=20_000)
    if role == "member":  # a cockpit: dcc.Graph's chunk, preloaded with the scripts, is fetched once
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=20_000)
        assert len(graph_code) == 1, graph_code
    if role == "admin":
        page.get_by_text(username).first.wait_for(timeout=20_000)  # the users grid has loaded
        page.get_by_text("Sessions now").wait_for()
    page.wait_for_timeout(500)
    assert problems == []
    page.click("#sign-out")
    page.wait_for_url(f"{served}/login")
    page.goto(f"{served}{landing}")
    assert page.url.startswith(f"{served}/login")


def _settle(page, polls: list[str], in_flight: list[int], *, timeout_ms: int = 20_000) -> None:
    """Wait until no poll is in flight and none has started for a second: Dash sends a tick's
    callbacks after the previous tick's have answered, so a loaded machine sends them late."""
    seen, quiet = len(polls), 0
    for _ in range(timeout_ms // 50):
        page.wait_for_timeout(50)
        if in_flight[0] == 0 and len(polls) == seen:
            quiet += 50
            if quiet >= 1_000:
                return
        else:
            seen, quiet = len(polls), 0
    raise AssertionError("the feed kept polling")


def _wait_for_polls(page, polls: list[str], count: int, *, timeout_ms: int = 20_000) -> None:
    for _ in range(timeout_ms // 50):
        if len(polls) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"expected {count} feed polls, saw {len(polls)}")


def test_feed_pauses_while_the_tab_is_hidden(pg_engine, served, chromium):
    make_user(pg_engine, "prod@amo1.example", "member", "PROD")
    page = chromium.new_page()
    problems = watch_problems(page)
    polls: list[str] = []
    in_flight = [0]

    def is_poll(request) -> bool:
        return "feed-interval.n_intervals" in (request.post_data or "")

    def started(request) -> None:
        if is_poll(request):
            polls.append(request.url)
            in_flight[0] += 1

    def ended(request) -> None:
        if is_poll(request):
            in_flight[0] -= 1

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    page.clock.install()
    log_in_page(page, served, "prod@amo1.example")
    page.locator("#feed-open").wait_for(timeout=20_000)
    page.clock.run_for(11_000)
    _wait_for_polls(page, polls, 2)  # the interval polls while visible
    _settle(page, polls, in_flight)
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: true, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    _settle(page, polls, in_flight)
    hidden_from = len(polls)
    page.clock.run_for(30_000)
    page.wait_for_timeout(1_000)
    assert len(polls) == hidden_from
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: false, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.clock.run_for(11_000)
    _wait_for_polls(page, polls, hidden_from + 1)
    assert problems == []


def _theme(page) -> str:
    return page.evaluate("document.documentElement.getAttribute('data-bs-theme')")


def test_the_theme_chosen_follows_the_user_to_a_fresh_browser(pg_engine, served, chromium):
    make_user(pg_engine, "prod@amo1.example", "member", "PROD")
    make_user(pg_engine, "stores@amo1.example", "member", "STOR")
    page = chromium.new_context(color_scheme="light").new_page()
    problems = watch_problems(page)
    log_in_page(page, served, "prod@amo1.example")
    page.wait_for_url(f"{served}/maintenance/AMO1/production")
    page.locator("#theme-toggle").wait_for()
    assert _theme(page) == "light"  # never chosen: the system's preference
    with page.expect_response(f"{served}/preferences/theme") as stored:
        page.locator("#theme-toggle").click()
    assert stored.value.status == 204 and _theme(page) == "dark"
    page.reload()
    page.locator("#app-navbar").wait_for()
    assert _theme(page) == "dark"
    page.click("#sign-out")
    page.wait_for_url(f"{served}/login")
    assert problems == []

    fresh = chromium.new_context(color_scheme="light").new_page()  # another browser: no cookie of ours
    fresh.goto(f"{served}/login")
    assert _theme(fresh) == "light"
    log_in_page(fresh, served, "prod@amo1.example")
    fresh.wait_for_url(f"{served}/maintenance/AMO1/production")
    fresh.locator("#app-navbar").wait_for()
    assert _theme(fresh) == "dark"
    fresh.click("#sign-out")
    fresh.wait_for_url(f"{served}/login")
    log_in_page(fresh, served, "stores@amo1.example")  # who never chose gets the system's again
    fresh.wait_for_url(f"{served}/maintenance/AMO1/stores")
    fresh.locator("#app-navbar").wait_for()
    assert _theme(fresh) == "light"
