"""Property: whatever interleaving of inserts, ETL runs and prunes, replay from any cursor yields
exactly the source events, in order, with no gap and no duplicate."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amoscope.settings import Settings
from tests.conftest import create_pg_database, drop_pg_database
from tests.warehouse.conftest import add_activity, archive_now, prune_archived, seed_org, wait_visible
from warehouse import Warehouse
from warehouse.database import create_engine

OPERATIONS = st.lists(
    st.one_of(st.tuples(st.just("insert"), st.integers(1, 6)), st.just(("etl", 0)), st.just(("prune", 0))),
    min_size=1, max_size=7,
)


def _replay_all(wh, page_size, after=None):
    wait_visible(wh.engine)
    ids = []
    for _ in range(200):
        page = wh.replay("activity", after=after, limit=page_size)
        assert not page.reset
        if page.events.empty:
            return ids
        ids += page.events["id"].tolist()
        after = page.next_cursor
    raise AssertionError("replay did not end")


def _run(operations, cut, page_size, pg_template):
    url = create_pg_database(template=pg_template)
    folder = tempfile.mkdtemp(prefix="amoscope-replay-")
    engine = create_engine(url)
    config = Settings.from_env({}, database_url=url, archive_url=folder, secret_key="k" * 40)
    wh = Warehouse.open(config.warehouse, engine)
    try:
        org = seed_org(engine)
        source: list[int] = []
        cursor, cursor_at = None, 0
        for step, (operation, count) in enumerate(operations):
            if step == cut:  # a client takes a cursor here, then the world moves on
                wait_visible(engine)
                cursor_at = len(source) // 2
                if cursor_at:
                    cursor = wh.replay("activity", limit=cursor_at).next_cursor
            if operation == "insert":
                source += add_activity(engine, org, count)
            elif operation == "etl":
                archive_now(config, engine)
            else:
                prune_archived(engine, "activity_events", config)
        assert _replay_all(wh, page_size) == source
        assert _replay_all(wh, page_size, after=cursor) == source[cursor_at:]
    finally:
        wh.close()
        engine.dispose()
        drop_pg_database(url)
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, cut=st.integers(0, 7), page_size=st.integers(1, 7))
def test_replay_exact_under_etl_and_prune(operations, cut, page_size, pg_template):
    _run(operations, cut, page_size, pg_template)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, cut=st.integers(0, 7), page_size=st.integers(1, 7))
def test_replay_exact_under_etl_and_prune_many(operations, cut, page_size, pg_template):
    _run(operations, cut, page_size, pg_template)
