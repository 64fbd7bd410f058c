"""Work in a child process: results and errors come back, and a crashed child is a clear error.

The last test is the reason for it all: the PostgreSQL driver is asked to query on a connection
the server has closed, which makes the pinned driver release abort its process. The command
that asked must get an ExtractError and live on.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest
import sqlalchemy as sa

from etl.errors import EtlError, ExtractError, SourceMismatch
from etl.isolation import in_child_process, isolated
from etl.source import PostgresSource
from warehouse.archive.layout import table_spec


def test_the_result_comes_back_from_another_process():
    assert in_child_process(os.getpid) != os.getpid()
    assert in_child_process(lambda: {"rows": [1, 2, 3]}) == {"rows": [1, 2, 3]}


def test_an_error_in_the_child_is_raised_with_its_type_and_message():
    def refuse():
        raise SourceMismatch("archive made from cluster 1, database is cluster 2")

    with pytest.raises(SourceMismatch, match="cluster 1, database is cluster 2"):
        in_child_process(refuse)


def test_a_child_that_dies_without_answering_is_an_extract_error():
    with pytest.raises(ExtractError, match="signal SIGABRT.*nothing of this batch was committed"):
        in_child_process(os.abort)
    with pytest.raises(ExtractError, match="exit code 3"):
        in_child_process(lambda: os._exit(3))


def test_a_result_that_cannot_travel_back_is_an_error_that_says_so():
    with pytest.raises(EtlError, match="result could not be passed back"):
        in_child_process(threading.Lock)


def test_setting_stop_sends_the_child_sigterm():
    def wait_with_default_sigterm():  # whatever handler this process had, the default one: exit
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return threading.Event().wait(30)

    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    with pytest.raises(ExtractError, match="signal SIGTERM"):
        in_child_process(wait_with_default_sigterm, stop=stop)


def test_a_stopped_child_finishes_its_work_instead_of_dying_halfway():
    """Follow mode stopped mid-run: the run sees its ``stop`` set and ends cleanly, so no
    checkpoint is left half-written, whatever SIGTERM handler the parent process had."""
    stop = threading.Event()

    def work_until_stopped():
        stopped = stop.wait(30)  # the child's copy of the event, set by its SIGTERM handler
        return "finished the batch, then stopped" if stopped else "never told to stop"

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Timer(0.3, stop.set).start()
    assert in_child_process(work_until_stopped, stop=stop) == "finished the batch, then stopped"


def test_sqlite_work_stays_in_this_process(sqlite_engine):
    assert isolated(sqlite_engine, os.getpid) == os.getpid()


def test_postgres_work_runs_in_a_child_with_a_pool_of_its_own(pg_engine):
    with pg_engine.connect() as connection:  # the parent holds a pooled connection meanwhile
        parent_backend = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()

        def child_backend():
            with pg_engine.connect() as child_connection:
                return child_connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()

        assert isolated(pg_engine, child_backend) != parent_backend
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() == parent_backend


def test_a_query_on_a_connection_the_server_closed_is_an_extract_error_not_a_crash(pg_url, pg_engine):
    def query_after_termination():
        source = PostgresSource(pg_url)
        with source.snapshot():
            with pg_engine.connect() as admin:
                admin.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE application_name = 'amoscope-etl' "
                                      "AND datname = current_database()"))
            return source.count_after(table_spec("audit_events"), (0, 0))

    with pytest.raises(ExtractError):
        isolated(pg_engine, query_after_termination)
    with pg_engine.connect() as connection:  # and this process carries on
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
