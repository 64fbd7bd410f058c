"""One seeded and archived AMO per test module, its app, and a signed-in client per demo user."""

from __future__ import annotations

import pytest
from auth_test_support import login

from tests.dashboards.seeded_support import USERS, seeded_world, world_app


@pytest.fixture(scope="module")
def world(pg_template):
    return seeded_world(pg_template)


@pytest.fixture(scope="module")
def app(world):
    return world_app(world)


@pytest.fixture(scope="module")
def dash_app(app):
    return app.extensions["dash_app"]


@pytest.fixture(scope="module")
def clients(app):
    """A logged-in test client per user, each from its own address (the per-IP limit is per address)."""
    result = {}
    for n, username in enumerate(USERS):
        client = app.test_client()
        assert login(client, username, environ_base={"REMOTE_ADDR": f"10.7.0.{n + 1}"}).status_code == 303
        result[username] = client
    return result
