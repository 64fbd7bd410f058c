"""What travels over the wire: compressed HTML, callback JSON and files; fingerprinted files
cached for a year with no cookie; no cookie on a poll; the full plotly.js bundle never served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from auth_test_support import callback_body, csrf_of, login, make_user

import dashboards
from dashboards.bundles import FULL_PLOTLY_PATH, PLOTLY_BUNDLE, TRACE_TYPES
from dashboards.delivery import IMMUTABLE

PRODUCTION = "/maintenance/AMO1/production"
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
SCRIPT_SOURCES = re.compile(r'<script src="([^"]+)"')


@pytest.fixture
def member(app, pg_engine):
    make_user(pg_engine, "prod@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "prod@amo1.example")
    return client


def _page_scripts(client) -> list[str]:
    page = client.get(PRODUCTION)
    assert page.status_code == 200
    return SCRIPT_SOURCES.findall(page.get_data(as_text=True))


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_html_callback_json_and_files_are_compressed(member, dash_app, encoding):
    accept = {"Accept-Encoding": encoding}
    page = member.get(PRODUCTION, headers=accept)
    assert page.headers["Content-Encoding"] == encoding and "Accept-Encoding" in page.headers["Vary"]
    poll = member.post("/_dash-update-component", headers={**accept, "X-CSRFToken": csrf_of(member)},
                       json=callback_body(dash_app, FEED, values={"url.pathname": PRODUCTION},
                                          changed=["feed-interval.n_intervals"]))
    assert poll.status_code == 200 and poll.headers["Content-Type"].startswith("application/json")
    if int(poll.headers["Content-Length"]) >= 500:
        assert poll.headers["Content-Encoding"] == encoding
    bundle = next(src for src in _page_scripts(member) if PLOTLY_BUNDLE in src)
    first = member.get(bundle, headers=accept)
    assert first.headers["Content-Encoding"] == encoding
    assert int(first.headers["Content-Length"]) < 600_000  # 1.5 MB of JavaScript, compressed
    again = member.get(bundle, headers=accept)  # served from the in-memory compressed copy
    assert again.get_data() == first.get_data()
    plain = member.get(bundle, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and b"window.Plotly = Plotly" in plain.get_data()


def test_fingerprinted_files_are_immutable_and_carry_no_cookie(member):
    scripts = _page_scripts(member)
    assert len(scripts) >= 6
    for source in scripts:
        response = member.get(source, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200, source
        assert response.headers["Cache-Control"] == IMMUTABLE, source
        assert "Set-Cookie" not in response.headers, source
        assert "Cookie" not in response.headers.get("Vary", ""), source
    page = member.get(PRODUCTION)
    assert page.headers["Cache-Control"] == "no-store"  # a signed-in page is never cached


def test_a_poll_sets_no_cookie_and_a_page_load_renews_it_only_when_due(member, dash_app):
    member.get(PRODUCTION)  # the first page load after login stamps the cookie
    poll = member.post("/_dash-update-component", headers={"X-CSRFToken": csrf_of(member)},
                       json=callback_body(dash_app, FEED, values={"url.pathname": PRODUCTION},
                                          changed=["feed-interval.n_intervals"]))
    assert poll.status_code == 200 and "Set-Cookie" not in poll.headers
    assert "Set-Cookie" not in member.get(PRODUCTION).headers  # not due yet
    with member.session_transaction() as session:
        session["issued"] -= 3601
    assert "amoscope_session=" in member.get(PRODUCTION).headers["Set-Cookie"]


def test_the_full_plotly_bundle_is_never_served_and_grids_load_on_demand(member):
    scripts = _page_scripts(member)
    assert not any("plotly.min.js" in source for source in scripts)
    assert any(PLOTLY_BUNDLE in source for source in scripts)
    assert not any("dash_ag_grid" in source or "dash_table" in source for source in scripts)
    page = member.get(PRODUCTION).get_data(as_text=True)
    grid = re.search(r'data-namespace="dash_ag_grid" content="([^"]+)"', page).group(1)
    assert member.get(grid).status_code == 200
    full = member.get(f"{FULL_PLOTLY_PATH}package_data/plotly.min.js")
    assert full.status_code == 404


def test_the_partial_bundle_holds_every_trace_type_we_draw():
    bundle = (Path(dashboards.__file__).parent / "assets" / PLOTLY_BUNDLE).read_text()
    drawn = set(re.findall(r"go\.(\w+)\(|add_(\w+)\(", (Path(dashboards.__file__).parent / "charts.py")
                           .read_text()))
    drawn = {(name or method).lower() for name, method in drawn} - {"figure", "annotation", "trace"}
    assert drawn <= set(TRACE_TYPES), drawn
    for trace in TRACE_TYPES:
        assert f'moduleType:"trace",name:"{trace}"' in bundle, trace


def test_dash_dev_tools_are_off(member):
    page = member.get(PRODUCTION).get_data(as_text=True)
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page).group(1)
    assert '"ui":false' in config and '"hot_reload"' not in config
