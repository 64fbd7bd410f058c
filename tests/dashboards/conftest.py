"""Fixtures of the dashboards tests: a migrated PostgreSQL database with one AMO, the real app.

The helpers live in ``tests/auth/support.py``, registered as the module ``auth_test_support`` so the
test modules of tests/auth and tests/dashboards can import them (test folders are not packages).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if "auth_test_support" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("auth_test_support",
                                                   Path(__file__).parents[1] / "auth" / "support.py")
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["auth_test_support"] = _module
    _spec.loader.exec_module(_module)

from auth_test_support import (  # noqa: E402
    create_database_from,
    drop_database_later,
    finish_drops,
    make_amo,
    make_app,
    settings_for_tests,
)


@pytest.fixture(scope="session", autouse=True)
def _background_drops_finish():
    yield
    finish_drops()


@pytest.fixture
def pg_url(pg_template: str) -> str:
    """A fresh migrated database per test (as in tests/conftest.py), dropped in the background."""
    url = create_database_from(pg_template)
    yield url
    drop_database_later(url)


@pytest.fixture
def settings(pg_settings):
    """PostgreSQL settings with the cheaper (still OWASP-compliant) argon2id profile."""
    return settings_for_tests(pg_settings)


@pytest.fixture
def amo_id(pg_engine) -> int:
    return make_amo(pg_engine)


@pytest.fixture
def app(settings, pg_engine, amo_id):
    return make_app(settings, pg_engine)


@pytest.fixture
def dash_app(app):
    return app.extensions["dash_app"]
