"""The live simulator on PostgreSQL: new rows and their events appear together, stamped with the
simulated clock, and it stops cleanly."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_start

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from amoscope.cli import main
from simulator import GeneratorError, simulate
from tests.simulator.conftest import AS_OF
from warehouse.clock import SimulatedClock

START = datetime.combine(AS_OF, day_start(), UTC)  # where the seeded history ends


def _stepped(days: float, seed: int, engine: sa.Engine) -> tuple:
    """Run the simulator ``days`` simulated days from the end of the history, as fast as it goes."""
    clock = SimulatedClock(START)
    done = simulate(engine, clock, threading.Event(), until=START + timedelta(days=days), seed=seed)
    return done, clock

CHANGED_TABLES = (
    "defects",
    "task_cards",
    "work_orders",
    "findings",
    "cars",
    "stock_items",
    "part_movements",
    "tool_usage",
    "operational_interruptions",
)


def _high_water(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        marks = {
            name: connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {name}").scalar_one()
            for name in CHANGED_TABLES + ("audit_events", "activity_events")
        }
        marks["updated"] = connection.exec_driver_sql("SELECT max(updated_at) FROM task_cards").scalar_one()
    return marks


def test_changes_arrive_with_their_audit_and_activity_events(seeded_copy):
    before = _high_water(seeded_copy)
    done, clock = _stepped(2, 5, seeded_copy)
    assert sum(done.values()) >= 20
    with seeded_copy.connect() as connection:
        new_audit = connection.exec_driver_sql(
            "SELECT count(*) FROM audit_events WHERE id > %(mark)s", {"mark": before["audit_events"]}
        ).scalar_one()
        new_activity = connection.exec_driver_sql(
            "SELECT count(*) FROM activity_events WHERE id > %(mark)s", {"mark": before["activity_events"]}
        ).scalar_one()
        assert new_audit >= sum(done.values())
        assert new_activity >= sum(done.values()) - done["user logged in"]  # a login is not news
        for name in CHANGED_TABLES:
            # every record created by the simulator has its CREATE event; every version has its event
            broken = connection.exec_driver_sql(
                f"""
                SELECT count(*) FROM {name} r WHERE r.id > %(mark)s AND NOT EXISTS (
                    SELECT 1 FROM audit_events e WHERE e.entity_type = '{name}' AND e.action = 'CREATE'
                    AND e.entity_id = CAST(r.id AS text) AND e.id > %(events)s)""",
                {"mark": before[name], "events": before["audit_events"]},
            ).scalar_one()
            assert broken == 0, name
        stale_versions = connection.exec_driver_sql(
            """
            SELECT count(*) FROM (
                SELECT entity_type, entity_id, max(entity_version) AS version FROM audit_events
                WHERE id > %(events)s AND entity_type IN ('task_cards', 'cars', 'stock_items')
                GROUP BY entity_type, entity_id) e
            LEFT JOIN task_cards t ON e.entity_type = 'task_cards' AND t.id = CAST(e.entity_id AS bigint)
            LEFT JOIN cars c ON e.entity_type = 'cars' AND c.id = CAST(e.entity_id AS bigint)
            LEFT JOIN stock_items s ON e.entity_type = 'stock_items' AND s.id = CAST(e.entity_id AS bigint)
            WHERE e.version <> coalesce(t.row_version, c.row_version, s.row_version)""",
            {"events": before["audit_events"]},
        ).scalar_one()
        ledger_breaks = connection.exec_driver_sql("""
            SELECT count(*) FROM stock_items s WHERE s.qty <>
                (SELECT coalesce(sum(m.qty), 0) FROM part_movements m WHERE m.stock_item_id = s.id)"""
        ).scalar_one()
        signed_now = connection.exec_driver_sql(
            "SELECT count(*) FROM task_cards WHERE performed_at > %(mark)s", {"mark": START}
        ).scalar_one()
        # every event of the run carries simulated time: after the history, not after the clock
        outside = connection.exec_driver_sql(
            "SELECT count(*) FROM audit_events WHERE id > %(events)s AND (occurred_at < %(start)s "
            "OR occurred_at > %(end)s)",
            {"events": before["audit_events"], "start": START, "end": clock.now()},
        ).scalar_one()
    assert stale_versions == 0 and ledger_breaks == 0 and outside == 0
    assert signed_now == done["task card signed"]


def test_stop_event_ends_the_run_after_the_current_change(seeded_copy):
    stop = threading.Event()
    threading.Timer(0.7, stop.set).start()
    started = time.monotonic()
    clock = SimulatedClock(START, speed=24 * 3600)  # a simulated day per real second
    done = simulate(seeded_copy, clock, stop, seed=6, tick_seconds=0.1)
    assert time.monotonic() - started < 3
    assert sum(done.values()) >= 1
    assert timedelta(hours=12) < clock.now() - START < timedelta(days=5)


def test_a_dropped_connection_postpones_a_step_instead_of_ending_the_run(seeded_copy, caplog):
    """The demo's simulator must outlive a database hiccup: the change is rolled back and tried again."""
    terminated = []

    def drop_the_simulators_connections():
        killer = sa.create_engine(seeded_copy.url, poolclass=sa.pool.NullPool)
        with killer.connect() as connection:
            for _ in range(4):
                time.sleep(0.6)
                terminated.extend(connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()").scalars())
        killer.dispose()

    killer = threading.Thread(target=drop_the_simulators_connections)
    killer.start()
    clock = SimulatedClock(START)
    with caplog.at_level("INFO", logger="simulator.simulate"):
        done = simulate(seeded_copy, clock, threading.Event(), seconds=4, seed=9, tick_seconds=0.05)
    killer.join()
    assert terminated, "no connection of the simulator was dropped"
    assert "simulator step postponed" in caplog.text
    assert sum(done.values()) >= 1 and clock.now() > START + timedelta(days=1)


def test_refuses_an_empty_database_and_a_clock_running_backwards(pg_engine):
    with pytest.raises(GeneratorError, match="seed it first"):
        simulate(pg_engine, SimulatedClock(START), threading.Event(), seconds=1)
    with pytest.raises(ValueError, match="cannot run backwards"):
        SimulatedClock(START, speed=-1)


def test_cli_simulate_runs_for_the_given_seconds(seeded_copy):
    url = seeded_copy.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main, ["simulate", "--days-per-minute", "600", "--seconds", "2"], env={"AMOSCOPE_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    assert "stopped after" in result.output and "stopped after 0 changes" not in result.output


def test_delivered_days_name_each_delay_and_cancellation(seeded_copy):
    """The operator's feed: every new utilisation day counts exactly the interruptions delivered with it,
    each day and interruption has its CREATE audit and activity event, and days follow on without gaps."""
    marks = _high_water(seeded_copy)
    delivered, interruptions = 0, 0
    clock = SimulatedClock(START)
    for seed in range(20, 40):  # a delay is a 1-in-80 departure: run until some are delivered
        done = simulate(seeded_copy, clock, threading.Event(), until=clock.now() + timedelta(days=3),
                        seed=seed)
        delivered += done["utilisation day delivered"]
        with seeded_copy.connect() as connection:
            interruptions = connection.exec_driver_sql(
                "SELECT count(*) FROM operational_interruptions WHERE id > %(mark)s",
                {"mark": marks["operational_interruptions"]}).scalar_one()
        if interruptions >= 3:
            break
    assert delivered > 0 and interruptions >= 3
    new_days = """
        SELECT u.* FROM aircraft_utilisation u JOIN audit_events e ON e.entity_type = 'aircraft_utilisation'
         AND e.action = 'CREATE' AND e.entity_id = u.aircraft_id || ':' || u.day AND e.id > %(events)s
         AND CAST(e.after ->> 'fh' AS double precision) = u.fh
         AND CAST(e.after ->> 'tech_delays_15m' AS int) = u.tech_delays_15m"""
    params = {"events": marks["audit_events"], "activity": marks["activity_events"],
              "mark": marks["operational_interruptions"]}
    with seeded_copy.connect() as connection:
        days, delays, cancellations, latest = connection.exec_driver_sql(
            f"SELECT count(*), sum(tech_delays_15m), sum(tech_cancellations), max(day) FROM ({new_days}) d",
            params).one()
        miscounted = connection.exec_driver_sql(f"""
            SELECT count(*) FROM ({new_days}) u
            WHERE u.tech_delays_15m <> (SELECT count(*) FROM operational_interruptions i
                                        WHERE i.aircraft_id = u.aircraft_id AND i.day = u.day
                                          AND i.kind = 'DELAY' AND i.delay_minutes > 15)
               OR u.tech_cancellations <> (SELECT count(*) FROM operational_interruptions i
                                           WHERE i.aircraft_id = u.aircraft_id AND i.day = u.day
                                             AND i.kind = 'CANCELLATION')""", params).scalar_one()
        unannounced = connection.exec_driver_sql("""
            SELECT count(*) FROM operational_interruptions i WHERE i.id > %(mark)s AND (
                i.ata_chapter IS NULL
                OR NOT EXISTS (SELECT 1 FROM audit_events e
                               WHERE e.entity_type = 'operational_interruptions' AND e.action = 'CREATE'
                                 AND e.entity_id = CAST(i.id AS text) AND e.id > %(events)s)
                OR NOT EXISTS (SELECT 1 FROM activity_events a
                               WHERE a.entity_type = 'operational_interruptions'
                                 AND a.entity_id = CAST(i.id AS text) AND a.id > %(activity)s))""",
            params).scalar_one()
        gaps = connection.exec_driver_sql("""
            SELECT count(*) FROM (SELECT aircraft_id FROM aircraft_utilisation GROUP BY aircraft_id
                                  HAVING count(*) <> max(day) - min(day) + 1) g""").scalar_one()
    assert days == delivered and delays + cancellations == interruptions
    assert miscounted == 0 and unannounced == 0 and gaps == 0
    assert latest < clock.now().date()  # a day arrives once it is over, in simulated time
