"""In Chromium on the seeded AMO: light and dark themes (default from the system, the choice kept
across reload and login, WCAG AA contrast of every text on every page, charts in the theme's
colours, a screenshot of each page under test-artifacts/), focus mode, 403/404 inside the shell,
and the modal of a revoked session."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from auth_test_support import log_in_page, watch_problems

from tests.dashboards.seeded_support import AMO

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
BASE = f"/maintenance/{AMO}"
DRAWN = "() => (document.querySelector('#page-content')?.innerText || '').length > 20"


def _audits(world) -> list[int]:
    """The AMO's first twenty audits, as a cockpit bar would name them."""
    with world.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT a.id FROM audits a JOIN amos m ON m.id = a.amo_id WHERE m.code = :amo "
            "ORDER BY a.id LIMIT 20"),
            {"amo": AMO}).scalars().all()


def _pages(world) -> dict[str, list[tuple[str, str, str]]]:
    """user → [(name, path, text that shows the page is drawn, or None: any text)]."""
    audits = _audits(world)
    return {
        "qa@nam.example": [("quality-cockpit", f"{BASE}/quality", "Quality"),
                           ("audits-list", f"{BASE}/audits?ids={','.join(map(str, audits))}", "audit"),
                           ("audit-record", f"{BASE}/audits/{audits[0]}", "audit")],
        "prod@nam.example": [("production-cockpit", f"{BASE}/production", "Production"),
                             ("home", f"{BASE}/home", None),  # a member's start page; an admin's is Admin
                             ("forbidden-403", f"{BASE}/quality", "You do not have access to this page."),
                             ("missing-404", f"{BASE}/no-such-page", "There is no such page.")],
        "safety@nam.example": [("safety-cockpit", f"{BASE}/safety", "Safety")],
        "stores@nam.example": [("stores-cockpit", f"{BASE}/stores", "Stores")],
        "audit@nam.example": [("console", f"{BASE}/console", "Console")],
        "boss@nam.example": [("admin", f"{BASE}/admin", "User command center"),
                             ("users", f"{BASE}/admin/users", None),
                             ("user", f"{BASE}/admin/users/{_user_id(world, 'boss@nam.example')}", None),
                             ("history", f"{BASE}/history", None),
                             *((f"{slug}-cockpit", f"{BASE}/{slug}", None)
                               for slug in ("planning", "reliability", "engineering", "workshops"))],
    }


def _user_id(world, username: str) -> int:
    with world.engine.connect() as connection:
        return connection.execute(sa.text("SELECT id FROM users WHERE username = :name"),
                                  {"name": username}).scalar_one()


def _theme(page) -> str:
    return page.evaluate("document.documentElement.getAttribute('data-bs-theme')")


def _check_contrast(page, label: str) -> None:
    result = page.evaluate(CONTRAST)
    assert result["checked"] > 5, label
    assert result["failures"] == [], f"{label}: {result['failures'][:5]}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_in_both_themes_is_readable(world, served, chromium, scheme):
    ARTIFACTS.mkdir(exist_ok=True)
    for username, pages in _pages(world).items():
        context = chromium.new_context(color_scheme=scheme, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        problems = watch_problems(page)
        if username == "qa@nam.example":
            page.goto(f"{served}/login")
            assert _theme(page) == scheme  # the default follows the system
            _check_contrast(page, f"login ({scheme})")
            page.screenshot(path=ARTIFACTS / f"{scheme}-login.png", full_page=True)
        log_in_page(page, served, username)
        page.wait_for_url(f"{served}{BASE}/**")
        for name, path, visible in pages:
            page.goto(f"{served}{path}")
            if visible is None:
                page.wait_for_function(DRAWN, timeout=60_000)
            else:
                page.get_by_text(visible).first.wait_for(timeout=60_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)
            assert _theme(page) == scheme
            assert page.locator("#app-navbar").is_visible(), name  # every page inside the shell
            colours = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
                                        .map(graph => graph._fullLayout.font.color)""")
            assert set(colours) <= {"#2a3f5f" if scheme == "light" else "#f2f5fa"}, name  # charts.TEMPLATES
            _check_contrast(page, f"{name} ({scheme})")
            page.screenshot(path=ARTIFACTS / f"{scheme}-{name}.png", full_page=True)
        assert [problem for problem in problems if "403" not in problem and "404" not in problem] == []
        context.close()


def test_theme_choice_survives_reload_and_login(served, chromium):
    page = chromium.new_context(color_scheme="light").new_page()
    log_in_page(page, served, "prod@nam.example")
    page.wait_for_url(f"{served}{BASE}/production")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.locator("#theme-toggle").click()
    assert _theme(page) == "dark"
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
                              .every(graph => graph._fullLayout.font.color === '#f2f5fa')""")  # repainted
    page.reload()
    page.locator("#app-navbar").wait_for()
    assert _theme(page) == "dark"
    page.click("#sign-out")
    page.wait_for_url(f"{served}/login")
    assert _theme(page) == "dark"
    log_in_page(page, served, "prod@nam.example")
    page.wait_for_url(f"{served}{BASE}/production")
    page.locator("#app-navbar").wait_for()
    assert _theme(page) == "dark"
    page.locator("#theme-toggle").click()
    assert _theme(page) == "light"


def test_focus_mode_hides_the_chrome_and_keeps_the_launcher(served, chromium):
    page = chromium.new_page()
    log_in_page(page, served, "boss@nam.example")
    page.wait_for_url(f"{served}{BASE}/admin")
    navbar, launcher = page.locator("#app-navbar"), page.locator("#focus-launcher")
    navbar.wait_for()
    assert not launcher.is_visible()
    page.locator("#page-content").click(position={"x": 5, "y": 5})
    page.keyboard.press("f")  # the shortcut
    assert not navbar.is_visible() and launcher.is_visible()
    launcher.click()  # the launcher opens the pages over focus mode
    assert navbar.is_visible()
    page.get_by_role("link", name="Quality").click()
    page.wait_for_url(f"{served}{BASE}/quality")
    page.get_by_text("QMS cockpit").wait_for(timeout=60_000)
    assert not navbar.is_visible() and launcher.is_visible()  # still in focus mode
    page.keyboard.press("Escape")
    assert navbar.is_visible() and not launcher.is_visible()
    page.locator("#focus-toggle").click()  # the button does the same
    assert not navbar.is_visible()


def test_a_revoked_session_shows_why_and_offers_the_login(world, served, chromium):
    page = chromium.new_page()
    log_in_page(page, served, "stores@nam.example")
    page.wait_for_url(f"{served}{BASE}/stores")
    page.locator("#app-navbar").wait_for()
    with world.engine.begin() as connection:  # what an administrator's "end sessions" does
        connection.execute(sa.text("UPDATE users SET session_version = session_version + 1 "
                                   "WHERE username = 'stores@nam.example'"))
    modal = page.locator("#session-ended")
    modal.wait_for(timeout=30_000)  # the next live-feed poll finds out
    assert "ended by an administrator" in modal.inner_text()
    login = page.locator("#session-ended-login")
    assert login.get_attribute("href") == f"/login?next=%2Fmaintenance%2F{AMO}%2Fstores"
    login.click()
    page.wait_for_url(f"{served}/login?next=**")
    page.fill("#username", "stores@nam.example")
    page.fill("#password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served}{BASE}/stores")
