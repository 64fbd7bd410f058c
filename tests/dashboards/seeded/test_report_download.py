"""The AM half-yearly summary on the QMS cockpit: offered to quality roles only, refused to the
others by the guard, an XLSX of the user's own AMO, audited as EXPORT; and downloaded in Chromium."""

from __future__ import annotations

import base64
import io
import json

import pytest
import sqlalchemy as sa
from auth_test_support import call, log_in_page, watch_problems
from openpyxl import load_workbook

from tests.dashboards.seeded_support import AMO

DOWNLOAD = "..cockpit-report-download.data...cockpit-report-error.children.."
SHEETS = ["Cover", "Open findings", "Overdue CARs", "Repeat findings", "Coverage gaps"]


def _page(client, dash_app, slug: str) -> str:
    return call(client, dash_app, "page-content.children",
                values={"url.pathname": f"/maintenance/{AMO}/{slug}"}).get_data(as_text=True)


def _download(client, dash_app, half: str):
    return call(client, dash_app, DOWNLOAD,
                values={"cockpit-report-button.n_clicks": 1, "cockpit-report-half.value": half})


def _exports(world, email: str) -> list[dict]:
    """The user's report exports (other tests of the shared world export record lists)."""
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT a.amo_id, a.entity_type, a.after FROM audit_events a "
            "JOIN users u ON u.id = a.actor_user_id "
            "WHERE a.action = 'EXPORT' AND a.entity_type = 'amos' AND u.email = :email ORDER BY a.id"),
            {"email": email}).mappings()]


def test_only_the_qms_cockpit_of_quality_roles_offers_the_summary(clients, dash_app):
    assert "cockpit-report-button" in _page(clients["qa@nam.example"], dash_app, "quality")
    assert "cockpit-report-button" in _page(clients["boss@nam.example"], dash_app, "quality")
    assert "cockpit-report-button" not in _page(clients["boss@nam.example"], dash_app, "safety")
    assert "cockpit-report-button" not in _page(clients["safety@nam.example"], dash_app, "safety")


def test_the_download_is_the_users_amo_workbook_and_is_audited(world, clients, dash_app):
    before = len(_exports(world, "qa@nam.example"))
    response = _download(clients["qa@nam.example"], dash_app, "2025H1")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.get_json()["response"]["cockpit-report-download"]["data"]
    assert data["filename"] == f"am-half-yearly-{AMO}-2025H1.xlsx" and data["base64"]
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert book.sheetnames == SHEETS
    assert book["Cover"]["B2"].value.startswith(f"{AMO} - ")
    exports = _exports(world, "qa@nam.example")
    assert len(exports) == before + 1
    assert exports[-1]["amo_id"] == world.amo_id and exports[-1]["entity_type"] == "amos"
    assert exports[-1]["after"]["period"] == "2025H1" and exports[-1]["after"]["report"] == "am-half-yearly"


def test_other_roles_are_refused_and_nothing_is_exported(world, clients, dash_app):
    for email in ("safety@nam.example", "prod@nam.example", "audit@nam.example"):
        assert _download(clients[email], dash_app, "2025H1").status_code == 403
        assert _exports(world, email) == []


@pytest.mark.parametrize(("half", "reason"), [("2025H9", "is not a half-year"), ("", "is not a half-year"),
                                             ("2999H1", "has not started yet")])
def test_a_forged_half_year_downloads_nothing_and_says_why(world, clients, dash_app, half, reason):
    before = len(_exports(world, "qa@nam.example"))
    response = _download(clients["qa@nam.example"], dash_app, half)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer = response.get_json()["response"]
    assert "cockpit-report-download" not in answer
    assert reason in json.dumps(answer["cockpit-report-error"]["children"])
    assert len(_exports(world, "qa@nam.example")) == before


def test_a_good_download_clears_the_message(clients, dash_app):
    answer = _download(clients["qa@nam.example"], dash_app, "2025H1").get_json()["response"]
    assert answer["cockpit-report-error"]["children"] is None and answer["cockpit-report-download"]["data"]


def test_quality_analyst_downloads_the_summary_in_chromium(served, chromium, tmp_path):
    page = chromium.new_page(accept_downloads=True)
    problems = watch_problems(page)
    log_in_page(page, served, "qa@nam.example")
    page.wait_for_url(f"{served}/maintenance/{AMO}/quality")
    page.locator("#cockpit-report-button").wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.click("#cockpit-report-button")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith(f"am-half-yearly-{AMO}-") and saved.suffix == ".xlsx"
    assert load_workbook(saved).sheetnames == SHEETS
    assert problems == []
