"""The live simulator: the seeded AMO carries on, on a simulated clock.

The clock (:class:`warehouse.clock.SimulatedClock`) runs at a chosen speed, e.g. one simulated
day per real minute in the demo, or is stepped as fast as the database allows in tests. Every
change is stamped with simulated time and every duration follows it: work that arrives at a pace
(defects, line work orders, findings, safety reports, stock receipts, parts, tools, logins)
arrives at the seeded history's own rate per simulated day, and work that falls due (cards
signed and inspected, releases, MEL deferrals, CAR steps, safety-report steps and MOR/SDR
submissions, effectiveness checks, calibrations, directives, renewals, audits, hazard reviews,
receiving inspections, expiring stock, the operator's daily utilisation, the forward plan and its
work packages, the weekly cycle count) is done when its time comes. So the AMO's figures stay
where the history had them (docs/synthetic-data.md), however long it runs, while the live feed
keeps moving.

Each change is one transaction with its audit and activity events, so live feeds and the ETL
always see consistent data. Stopping (the ``stop`` event, set by SIGINT/SIGTERM in the CLI)
takes effect after the current transaction. A transient database failure (SQLite busy with
another writer, a PostgreSQL connection the server dropped) rolls the change back and the step
is tried again on the next tick, its time carried over; a lasting one ends the run.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from simulator.live_cycle_counts import count_rack
from simulator.live_deferrals import defer_defect
from simulator.live_planning import (
    kit_work_package,
    plan_work_ahead,
    release_work_package,
    start_planned_work,
)
from simulator.live_production import (
    check_out_tool,
    issue_part,
    new_defect,
    open_work_order,
    rectify_defect,
    release_work_order,
    return_tool,
    sign_task_card,
)
from simulator.live_quality import advance_cars, check_effectiveness, close_observation, raise_finding
from simulator.live_receiving import inspect_receipt, receive_stock
from simulator.live_safety import report_safety_event, submit_mandatory_report, work_safety_report
from simulator.live_upkeep import (
    calibrate_tool,
    comply_directive,
    log_in,
    perform_audit,
    plan_audit,
    quarantine_expiring_stock,
    renew_authorisation,
    renew_training,
    review_hazard,
    scrap_quarantined,
)
from simulator.simulate_utilisation import deliver_utilisation_day
from simulator.world import GeneratorError
from warehouse import schema as s
from warehouse.clock import SimulatedClock

Change = Callable[[Connection, random.Random, datetime], "str | None"]

# work that arrives at a pace: the change, and the query counting its kind in the history
PACED: tuple[tuple[Change, sa.Select], ...] = (
    (
        new_defect,
        sa.select(sa.func.count())
        .select_from(s.defects)
        .where(s.defects.c.reported_at > sa.bindparam("since")),
    ),
    (
        open_work_order,
        sa.select(sa.func.count())
        .select_from(s.work_orders)
        .where(s.work_orders.c.wo_type == "LINE", s.work_orders.c.created_at > sa.bindparam("since")),
    ),
    (
        raise_finding,
        sa.select(sa.func.count())
        .select_from(s.findings)
        .where(s.findings.c.source == "INTERNAL_AUDIT", s.findings.c.raised_at > sa.bindparam("since")),
    ),
    (
        issue_part,
        sa.select(sa.func.count())
        .select_from(s.part_movements)
        .where(
            s.part_movements.c.movement_type == "ISSUE",
            s.part_movements.c.performed_at > sa.bindparam("since"),
        ),
    ),
    (
        report_safety_event,
        sa.select(sa.func.count())
        .select_from(s.safety_reports)
        .where(s.safety_reports.c.reported_at > sa.bindparam("since")),
    ),
    (
        receive_stock,
        sa.select(sa.func.count())
        .select_from(s.part_movements)
        .where(
            s.part_movements.c.movement_type == "RECEIVE",
            s.part_movements.c.performed_at > sa.bindparam("since"),
        ),
    ),
    (
        check_out_tool,
        sa.select(sa.func.count())
        .select_from(s.tool_usage)
        .where(s.tool_usage.c.usage_kind == "CHECK_OUT", s.tool_usage.c.occurred_at > sa.bindparam("since")),
    ),
)
# work that falls due, most overdue first
DUE: tuple[Change, ...] = (
    deliver_utilisation_day,
    start_planned_work,
    sign_task_card,
    release_work_order,
    defer_defect,
    rectify_defect,
    return_tool,
    close_observation,
    check_effectiveness,
    calibrate_tool,
    comply_directive,
    renew_authorisation,
    renew_training,
    plan_audit,
    perform_audit,
    review_hazard,
    submit_mandatory_report,
    work_safety_report,
    inspect_receipt,
    quarantine_expiring_stock,
    scrap_quarantined,
    plan_work_ahead,
    release_work_package,
    kit_work_package,
    count_rack,
)
log = logging.getLogger(__name__)
MOST_DUE_PER_STEP = 200  # a backlog (a long pause) is worked off over a few steps
LOGIN_EVERY_DAYS = 30  # each active user logs in about this often
HISTORY = timedelta(days=365)
MAX_TRANSIENT_FAILURES = 30  # in a row; beyond that the database is not coming back soon


def resume_point(engine: Engine) -> datetime:
    """Where a simulated clock starts for this database: now, or the latest event if a previous
    simulation ran ahead of the wall clock."""
    with engine.connect() as connection:
        latest = connection.execute(sa.select(sa.func.max(s.audit_events.c.occurred_at))).scalar_one()
    now = datetime.now(UTC)
    if latest is None:
        return now
    latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    return max(now, latest + timedelta(seconds=1))


def simulate(
    engine: Engine,
    clock: SimulatedClock,
    stop: threading.Event,
    *,
    seconds: float | None = None,
    until: datetime | None = None,
    step: timedelta = timedelta(hours=2),
    tick_seconds: float = 1.0,
    seed: int | None = None,
) -> Counter:
    """Run the AMO on ``clock`` until ``stop`` is set, ``seconds`` of wall time pass, or the
    clock reaches ``until``.

    A running clock (speed above 0) is followed in real time, a step every ``tick_seconds``; a
    clock standing still is stepped by ``step`` as fast as the work allows. Returns how many
    changes of each kind ("task card signed", "CAR advanced"...) were committed. A change that
    fails is rolled back whole and its error raised: nothing half-written stays.
    """
    with engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(s.aircraft)).scalar_one() == 0:
            raise GeneratorError("the database holds no AMO to simulate: seed it first (amoscope seed)")
    rng = random.Random(seed)
    paces = _paces(engine, clock.now())
    done: Counter = Counter()
    started, last = time.monotonic(), clock.now()
    failures = 0  # transient database failures in a row
    while not stop.is_set() and (seconds is None or time.monotonic() - started < seconds):
        now = clock.advance(step) if clock.speed == 0 else clock.now()
        if until is not None and now > until:
            break
        elapsed = now - last
        try:
            _step(engine, rng, now, elapsed, paces, done)
            failures = 0
        except sa.exc.DBAPIError as error:
            failures += 1
            if not _transient(error) or failures > MAX_TRANSIENT_FAILURES:
                raise GeneratorError(
                    f"the database failed after {sum(done.values())} changes ({_reason(error)}); "
                    "the change in progress was rolled back"
                ) from error
            log.info("simulator step postponed (%s); the change was rolled back, retrying", _reason(error))
            stop.wait(tick_seconds)
            continue
        last = now
        if clock.speed > 0:
            stop.wait(tick_seconds)
    return done


def _step(
    engine: Engine,
    rng: random.Random,
    now: datetime,
    elapsed: timedelta,
    paces: dict[Change, float],
    done: Counter,
) -> None:
    """One step of simulated time: the paced arrivals of ``elapsed``, then whatever fell due."""
    days = elapsed / timedelta(days=1)
    for change, per_day in paces.items():
        for _ in range(_poisson(rng, per_day * days)):
            _commit(engine, change, rng, now, done)
    with engine.begin() as connection:
        if moved := advance_cars(connection, rng, now, elapsed):
            done["CAR advanced"] += moved
    for change in DUE:
        for _ in range(MOST_DUE_PER_STEP):
            if not _commit(engine, change, rng, now, done):
                break


def _commit(engine: Engine, change: Change, rng: random.Random, now: datetime, done: Counter) -> bool:
    with engine.begin() as connection:
        made = change(connection, rng, now)
    if made:
        done[made] += 1
    return bool(made)


def _paces(engine: Engine, now: datetime) -> dict[Change, float]:
    """Changes per simulated day: each kind's count in the year before ``now``, and logins
    enough for every active user to log in every LOGIN_EVERY_DAYS."""
    with engine.connect() as connection:
        paces = {
            change: connection.execute(query, {"since": now - HISTORY}).scalar_one() / HISTORY.days
            for change, query in PACED
        }
        users = connection.execute(
            sa.select(sa.func.count()).select_from(s.users).where(s.users.c.is_active)
        ).scalar_one()
    paces[log_in] = users / LOGIN_EVERY_DAYS
    return paces


def _poisson(rng: random.Random, mean: float) -> int:
    """How many of a kind arrive in a step when ``mean`` are expected (Poisson; normal when large)."""
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _transient(error: sa.exc.DBAPIError) -> bool:
    """Whether trying again soon may succeed: another SQLite writer held the file, or the server
    dropped the connection (the pool has replaced it since)."""
    return error.connection_invalidated or "database is locked" in _reason(error)


def _reason(error: sa.exc.DBAPIError) -> str:
    return str(error.orig or error).strip().splitlines()[0]
