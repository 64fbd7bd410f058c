"""The QMS cockpit through the real app with its snapshot cache: a kept cockpit renders exactly
what an uncached app renders, a new CAR shows on the next render, sign-ins do not invalidate,
and an AMO's users never see another AMO's kept figures; a worker's warm-up fills it, and a
failing warm-up leaves the app serving."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from auth_test_support import call, login, make_amo, make_user

from dashboards import cockpits, create_app, warm_up
from dashboards.context import shared_warehouse
from tests.dashboards.seeded_support import walk_components
from tests.warehouse.conftest import add_finding, raise_car, wait_visible
from warehouse.clock import SimulatedClock

BODY = "cockpit-body.children"
# A clock standing still at the start of the current minute: a live snapshot's moment is now itself.
STANDING = datetime.now(UTC).replace(second=0, microsecond=0)


def _app(settings, engine):
    app = create_app(settings.dashboards, engine, clock=SimulatedClock(STANDING))
    app.testing = True
    return app


def _signed_in(app, username: str, address: str):
    client = app.test_client()
    assert login(client, username, environ_base={"REMOTE_ADDR": address}).status_code == 303
    return client


def _render(app, client, amo: str, search: str = "") -> list:
    response = call(client, app.extensions["dash_app"], BODY,
                    values={"url.search": search, "url.pathname": f"/maintenance/{amo}/quality"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["cockpit-body"]["children"]


def _open_cars(tree) -> str:
    """What the open-CARs-by-age card shows."""
    card = next(node for node in walk_components(tree) if node["props"].get("id") == "kpi-car_ageing")
    return next(node["props"]["children"] for node in walk_components(card)
                if "kpi-value" in str(node["props"].get("className", "")))


def _stats(app):
    with app.app_context():
        return shared_warehouse().kpi.snapshots.stats()


@pytest.fixture
def two_amos(settings, pg_engine, amo_id):
    """AMO1 (the fixture's) with one open CAR and a quality analyst; AMO2 with a quality analyst."""
    other = make_amo(pg_engine, "AMO2")
    make_user(pg_engine, "qa1@amo1.example", "quality", "QUAL", amo="AMO1")
    make_user(pg_engine, "qa2@amo2.example", "quality", "QUAL", amo="AMO2")
    with pg_engine.connect() as connection:
        quality = connection.execute(sa.text("SELECT id FROM departments WHERE amo_id = :amo "
                                             "AND code = 'QUAL'"), {"amo": amo_id}).scalar_one()
    org = {"amo": amo_id, "QUAL": quality, "other": other}
    org["finding"] = add_finding(pg_engine, org)
    raise_car(pg_engine, org, org["finding"], "CAR-1")
    wait_visible(pg_engine)
    return org


def test_a_kept_cockpit_is_the_uncached_one_and_a_new_car_shows_next_render(settings, pg_engine, two_amos):
    app = _app(settings, pg_engine)
    analyst = _signed_in(app, "qa1@amo1.example", "10.9.0.1")
    first = _render(app, analyst, "AMO1")
    assert _open_cars(first) == "1"
    kept = _render(app, analyst, "AMO1")
    assert (_stats(app).misses, _stats(app).hits) == (1, 1)

    uncached_app = _app(settings.replace(kpi_cache_entries=0), pg_engine)
    with uncached_app.app_context():
        assert shared_warehouse().kpi.snapshots is None
    uncached = _render(uncached_app, _signed_in(uncached_app, "qa1@amo1.example", "10.9.0.2"), "AMO1")
    assert kept == first == uncached

    _signed_in(app, "qa1@amo1.example", "10.9.0.3")  # a sign-in: its audit event and last_login_at
    assert _open_cars(_render(app, analyst, "AMO1")) == "1"
    assert _stats(app).misses == 1, "a sign-in does not invalidate the kept cockpit"

    raise_car(pg_engine, two_amos, two_amos["finding"], "CAR-2")
    assert _open_cars(_render(app, analyst, "AMO1")) == "2"
    assert _stats(app).misses == 2


def test_an_amos_users_never_get_another_amos_kept_figures(settings, pg_engine, two_amos):
    app = _app(settings, pg_engine)
    mine = _signed_in(app, "qa1@amo1.example", "10.9.1.1")
    theirs = _signed_in(app, "qa2@amo2.example", "10.9.1.2")
    assert _open_cars(_render(app, mine, "AMO1")) == "1"
    assert _open_cars(_render(app, theirs, "AMO2")) == "0"
    assert _open_cars(_render(app, theirs, "AMO1")) == "0", "the URL's AMO is not the scope; the session is"
    assert _stats(app).misses == 2


def test_each_as_of_date_has_its_own_kept_cockpit(settings, pg_engine, two_amos):
    app = _app(settings, pg_engine)
    analyst = _signed_in(app, "qa1@amo1.example", "10.9.2.1")
    assert _open_cars(_render(app, analyst, "AMO1", "?as_of=2025-01-05")) == "0"  # before the CAR was raised
    assert _open_cars(_render(app, analyst, "AMO1", "?as_of=2025-01-20")) == "1"
    assert _open_cars(_render(app, analyst, "AMO1")) == "1"
    assert _open_cars(_render(app, analyst, "AMO1", "?as_of=2025-01-05")) == "0"
    assert (_stats(app).misses, _stats(app).hits) == (3, 1)


def test_a_warmed_app_serves_every_amos_first_cockpit_from_the_cache(settings, pg_engine, two_amos):
    app = _app(settings, pg_engine)
    report = warm_up.warm_up(app)
    assert report.snapshots == 2 * len(cockpits.PANELS)
    assert _stats(app).misses == report.snapshots
    mine = _signed_in(app, "qa1@amo1.example", "10.9.3.1")
    theirs = _signed_in(app, "qa2@amo2.example", "10.9.3.2")
    assert _open_cars(_render(app, mine, "AMO1")) == "1"
    assert _open_cars(_render(app, theirs, "AMO2")) == "0"
    assert (_stats(app).misses, _stats(app).hits) == (report.snapshots, 2), "both first renders were hits"


def test_a_failing_warm_up_is_logged_and_the_app_serves_on(settings, pg_engine, two_amos, caplog):
    app = _app(settings.replace(archive_url="ftp://archive.invalid/amoscope"), pg_engine)
    with caplog.at_level(logging.ERROR, logger="dashboards.warm_up"):
        warm_up.start(app).join()
    assert "warm-up failed" in caplog.text and "only a local folder or s3://" in caplog.text
    analyst = _signed_in(app, "qa1@amo1.example", "10.9.4.1")
    assert analyst.get("/maintenance/AMO1/quality").status_code == 200


def test_no_warm_up_when_the_setting_is_off(settings, pg_engine, amo_id):
    assert warm_up.start(_app(settings.replace(warm_up=False), pg_engine)) is None
