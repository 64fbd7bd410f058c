"""What ``seed_database`` writes: every table, the organisation, the history window, the refusals."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from amoscope.cli import main
from simulator import GeneratorError, database_is_empty, seed_database, simulate
from tests.simulator.conftest import AS_OF, SEED
from warehouse.clock import SimulatedClock
from warehouse.database import create_engine
from warehouse.schema import DEPARTMENT_CODES, ROLE_CODES, metadata

# runtime state of the running system, not history: login throttling, sessions, reset tokens,
# archive checkpoints, the console's concurrency slots and users' preferences (none chosen yet)
MAY_STAY_EMPTY = {"login_attempts", "user_sessions", "password_reset_tokens", "archive_checkpoints",
                  "console_slots", "user_preferences"}


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_every_table_is_filled(seeded):
    counts = _counts(seeded)
    empty = sorted(name for name, count in counts.items() if count == 0 and name not in MAY_STAY_EMPTY)
    assert empty == []
    assert 45_000 <= counts["audit_events"] + counts["activity_events"] <= 65_000


def test_organisation_two_amos_nine_departments_roles_and_staff(seeded):
    with seeded.connect() as connection:
        regimes = connection.execute(sa.text("SELECT regime FROM amos ORDER BY code")).scalars().all()
        departments = connection.execute(
            sa.text("SELECT a.code, d.code FROM departments d JOIN amos a ON a.id = d.amo_id")
        ).all()
        roles = dict(connection.execute(sa.text("SELECT code, description FROM roles")).all())
        users = connection.execute(
            sa.text(
                """SELECT count(*), count(password_hash),
                          sum(CASE WHEN username = lower(email) THEN 1 ELSE 0 END), count(DISTINCT role_id)
                   FROM users"""
            )
        ).one()
    assert sorted(regimes) == ["DUAL", "EASA"]
    for amo in {amo for amo, _ in departments}:
        assert sorted(code for a, code in departments if a == amo) == sorted(DEPARTMENT_CODES)
    assert set(roles) == set(ROLE_CODES) and all(roles.values())
    total, with_password, lower_case_login, role_count = users
    assert 180 <= total <= 220 and with_password == 0 and lower_case_login == total and role_count == 5


def test_history_spans_three_years_up_to_as_of(seeded):
    end = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC)
    with seeded.connect() as connection:
        first, last = connection.execute(
            sa.text("SELECT min(occurred_at), max(occurred_at) FROM audit_events")
        ).one()
        util = connection.execute(sa.text("SELECT min(day), max(day) FROM aircraft_utilisation")).one()
        future_rows = connection.execute(
            sa.text("SELECT count(*) FROM work_orders WHERE actual_start >= :end OR crs_issued_at >= :end"),
            {"end": end},
        ).scalar_one()
    assert end - timedelta(days=3 * 365 + 1) <= first < end - timedelta(days=3 * 365 - 5)
    assert end - timedelta(days=1) < last < end
    assert util == (AS_OF - timedelta(days=3 * 365), AS_OF - timedelta(days=1))
    assert future_rows == 0


def test_refuses_a_database_that_holds_data_and_changes_nothing(seeded):
    before = _counts(seeded)
    assert not database_is_empty(seeded)
    with pytest.raises(GeneratorError, match="already holds data"):
        seed_database(seeded, seed=99, as_of=AS_OF)
    assert _counts(seeded) == before


def test_refuses_an_unmigrated_database(empty_pg_url):
    engine = create_engine(empty_pg_url)
    try:
        with pytest.raises(GeneratorError, match="amoscope db upgrade"):
            database_is_empty(engine)
    finally:
        engine.dispose()


def test_unknown_scale_is_refused(pg_engine):
    with pytest.raises(GeneratorError, match="unknown scale 'huge'"):
        seed_database(pg_engine, scale="huge")
    assert database_is_empty(pg_engine)


def test_cli_seed_refusal_names_the_way_out(seeded_pg_url):
    result = CliRunner().invoke(
        main, ["seed", "--as-of", "2026-06-30"], env={"AMOSCOPE_DATABASE_URL": seeded_pg_url}
    )
    assert result.exit_code == 1
    assert "already holds data" in result.output and "amoscope db upgrade" in result.output


def test_cli_rejects_a_malformed_as_of_date(seeded_pg_url):
    result = CliRunner().invoke(
        main, ["seed", "--as-of", "30/06/2026"], env={"AMOSCOPE_DATABASE_URL": seeded_pg_url}
    )
    assert result.exit_code == 2 and "use YYYY-MM-DD" in result.output


def test_sqlite_gets_the_same_rows_as_postgresql_and_simulates(seeded, sqlite_engine):
    """The embedded demo runs on SQLite: the same seed fills it with the same rows, then lives on."""
    report = seed_database(sqlite_engine, seed=SEED, as_of=AS_OF)
    assert report.rows == {name: count for name, count in _counts(seeded).items() if count}
    with sqlite_engine.connect() as connection:
        user = connection.execute(sa.text("SELECT created_at FROM users ORDER BY id LIMIT 1")).scalar_one()
    with seeded.connect() as connection:
        pg_user = connection.execute(sa.text("SELECT created_at FROM users ORDER BY id LIMIT 1")).scalar_one()
    assert datetime.fromisoformat(user).replace(tzinfo=UTC) == pg_user
    events = _counts(sqlite_engine)["audit_events"]
    start = datetime.combine(AS_OF, time(), UTC)
    clock = SimulatedClock(start)
    done = simulate(sqlite_engine, clock, threading.Event(), until=start + timedelta(days=1), seed=3)
    assert sum(done.values()) > 5
    assert _counts(sqlite_engine)["audit_events"] >= events + sum(done.values())


def test_bulk_load_leaves_the_event_tables_indexes_and_keys_as_migrated(seeded, pg_engine):
    """The loader rebuilds the event tables' keys, indexes and foreign keys: exactly, by name."""
    query = """
        SELECT indexname AS name, indexdef AS definition FROM pg_indexes
        WHERE tablename IN ('audit_events', 'activity_events')
        UNION ALL
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid IN (CAST('audit_events' AS regclass), CAST('activity_events' AS regclass))
        ORDER BY name, definition"""
    with seeded.connect() as connection:
        after_seed = connection.exec_driver_sql(query).all()
    with pg_engine.connect() as connection:
        as_migrated = connection.exec_driver_sql(query).all()
    assert after_seed == as_migrated and len(as_migrated) > 10


def test_a_load_that_fails_leaves_the_database_as_it_was(pg_engine):
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(
            "ALTER TABLE audit_events ADD CONSTRAINT no_views CHECK (action <> 'VIEW')")
    with pytest.raises(GeneratorError, match="loading the seed failed .*no_views.*left as it was"):
        seed_database(pg_engine, seed=SEED, as_of=AS_OF)
    assert database_is_empty(pg_engine)
