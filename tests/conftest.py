"""Shared fixtures: real PostgreSQL (a fresh database per test run), SQLite, settings, archive.

PostgreSQL is required, never skipped: ``AMOSCOPE_TEST_PG_URL`` (default: the local server's
``test`` database, trust auth) is only used to create and drop this run's databases. A run makes
one migrated template database, and each test that asks for ``pg_url`` gets a copy of it.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from amoscope import migrate
from amoscope.settings import Settings
from warehouse.database import create_engine

# Helpers and fixtures shared by the auth and dashboards tests, importable by name.
_support = importlib.util.spec_from_file_location("auth_test_support",
                                                  Path(__file__).parent / "auth" / "support.py")
sys.modules["auth_test_support"] = importlib.util.module_from_spec(_support)
_support.loader.exec_module(sys.modules["auth_test_support"])

ADMIN_URL = os.environ.get("AMOSCOPE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RUN_PREFIX = f"amoscope_t{uuid.uuid4().hex[:8]}"
_database_numbers = itertools.count(1)


def _admin_engine() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _url_for(database: str) -> str:
    return sa.make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def create_pg_database(template: str | None = None) -> str:
    """Create an empty (or template-copied) database of this run and return its URL."""
    name = f"{RUN_PREFIX}_{next(_database_numbers)}"
    clause = f" TEMPLATE {template}" if template else ""
    with _admin_engine().connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}{clause}"))
    return _url_for(name)


def drop_pg_database(url: str) -> None:
    name = sa.make_url(url).database
    with _admin_engine().connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def pg_template() -> str:
    """Name of this run's migrated template database (created once, dropped at the end)."""
    try:
        with _admin_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is required for the test suite and did not answer at {ADMIN_URL}: {error.orig}",
            pytrace=False,
        )
    url = create_pg_database()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield sa.make_url(url).database
    drop_pg_database(url)


@pytest.fixture
def pg_url(pg_template: str) -> str:
    """URL of a fresh, migrated PostgreSQL database for this test alone."""
    url = create_pg_database(template=pg_template)
    yield url
    drop_pg_database(url)


@pytest.fixture
def empty_pg_url(pg_template: str) -> str:
    """URL of a fresh PostgreSQL database with no tables."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def pg_engine(pg_url: str) -> sa.Engine:
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh, migrated SQLite database file."""
    url = f"sqlite:///{tmp_path / 'operational.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> sa.Engine:
    engine = create_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    return folder


@pytest.fixture
def pg_settings(pg_url: str, archive_dir: Path) -> Settings:
    """Settings for a test on PostgreSQL: nothing is read from the environment."""
    return Settings.from_env({}, database_url=pg_url, archive_url=str(archive_dir),
                             secret_key="test-secret-" + "x" * 40)


@pytest.fixture
def sqlite_settings(sqlite_url: str, archive_dir: Path) -> Settings:
    return Settings.from_env({}, database_url=sqlite_url, archive_url=str(archive_dir),
                             secret_key="test-secret-" + "x" * 40)
