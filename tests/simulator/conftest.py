"""Fixtures of the generator tests: one PostgreSQL database seeded at demo scale, shared read-only."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from simulator import seed_database
from tests.conftest import create_pg_database, drop_pg_database
from warehouse.database import create_engine

AS_OF = date(2026, 6, 30)
SEED = 11


@pytest.fixture(scope="session")
def seeded_pg_url(pg_template: str) -> str:
    """URL of a database seeded once (demo scale, ``SEED``, ``AS_OF``); tests must not change it."""
    url = create_pg_database(template=pg_template)
    engine = create_engine(url)
    seed_database(engine, scale="demo", seed=SEED, as_of=AS_OF)
    engine.dispose()
    yield url
    drop_pg_database(url)


@pytest.fixture
def seeded(seeded_pg_url: str) -> sa.Engine:
    """An engine on the shared seeded database, with UTC as the session time zone."""
    engine = sa.create_engine(
        seeded_pg_url, poolclass=sa.pool.NullPool, connect_args={"options": "-c timezone=UTC"}
    )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def seeded_copy(seeded_pg_url: str) -> sa.Engine:
    """A copy of the seeded database for one module's tests that write (each measures from its own start)."""
    url = create_pg_database(template=sa.make_url(seeded_pg_url).database)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_pg_database(url)
