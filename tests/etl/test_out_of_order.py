"""Out-of-order commits: ids are taken at insert, transactions commit whenever they like.

Eight writers insert 10,000 audit events in transactions of random size, some held open while
several ETL runs go by, one held open for seconds, and one pair whose transaction order is the
reverse of its id order. Every event must reach the archive exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from itertools import pairwise

import pyarrow.parquet as pq
import sqlalchemy as sa

from tests.etl.support import assert_events_archived_exactly_once, audit_rows, ensure_amo, run_etl
from warehouse.archive import committed_files, open_store
from warehouse.database import create_engine
from warehouse.schema import audit_events

WRITERS = 8
EVENTS = 10_000


def _write(url: str, amo_id: int, count: int, seed: int, hold_long: bool, errors: list) -> None:
    rng = random.Random(seed)
    engine = create_engine(url, pool_size=1)
    try:
        remaining = count
        first = True
        while remaining:
            size = min(remaining, rng.randint(1, 80))
            with engine.begin() as connection:
                connection.execute(audit_events.insert(), audit_rows(size, amo_id=amo_id))
                if hold_long and first:
                    time.sleep(2.5)  # an early id, committed after many later ones were archived
                elif rng.random() < 0.3:
                    time.sleep(rng.uniform(0.0, 0.5))
            remaining -= size
            first = False
    except Exception as error:  # reported by the test thread
        errors.append(error)
    finally:
        engine.dispose()


def _commit_against_id_order(engine: sa.Engine, amo_id: int) -> None:
    """Two events where the earlier transaction takes its id after the later one has committed."""
    with engine.connect() as early:
        transaction = early.begin()
        early.execute(sa.text("SELECT txid_current()"))  # the earlier transaction id, no row yet
        with engine.begin() as late:
            late.execute(audit_events.insert(), audit_rows(1, amo_id=amo_id))
        early.execute(audit_events.insert(), audit_rows(1, amo_id=amo_id))
        transaction.commit()


def test_late_commits_are_archived_exactly_once(pg_settings, pg_engine, pg_url):
    settings = pg_settings.replace(etl_batch_rows=700)
    amo_id = ensure_amo(pg_engine)
    errors: list = []
    _commit_against_id_order(pg_engine, amo_id)
    writers = [threading.Thread(target=_write,
                                args=(pg_url, amo_id, EVENTS // WRITERS, seed, seed == 0, errors))
               for seed in range(WRITERS)]
    for writer in writers:
        writer.start()
    runs = 0
    while any(writer.is_alive() for writer in writers):
        run_etl(settings, pg_engine, tables=["audit_events"])
        runs += 1
        time.sleep(0.05)
    for writer in writers:
        writer.join()
    assert errors == []
    run_etl(settings, pg_engine, tables=["audit_events"])

    assert assert_events_archived_exactly_once(settings, pg_engine) == EVENTS + 2
    assert runs >= 5
    # The scenario really happened: in the archive's (txid, id) order some id follows a larger one.
    store = open_store(settings.archive_url)
    cursors = sorted(
        cursor for data_file in committed_files(store, "audit_events")
        for cursor in zip(*pq.read_table(store.full_path(data_file.path), columns=["txid", "id"])
                          .to_pydict().values(), strict=True))
    ids = [row_id for _, row_id in cursors]
    assert any(later < earlier for earlier, later in pairwise(ids))
