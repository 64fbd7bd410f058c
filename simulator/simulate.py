"""The live simulator: keeps the seeded AMO busy at about ``rate`` changes per second.

Each change (a defect reported, a task card signed, a part issued, a finding raised, a CAR
moving on, a tool checked out or returned, an aircraft's finished day delivered with its
delays and cancellations) is one transaction with its audit and activity
events, so live feeds and the ETL always see consistent data. Stopping (the ``stop`` event,
set by SIGINT/SIGTERM in the CLI) takes effect after the current transaction.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from simulator.live_production import issue_part, new_defect, open_work_order, sign_task_card, use_tool
from simulator.live_quality import advance_car, raise_finding
from simulator.simulate_utilisation import deliver_utilisation_day
from simulator.world import GeneratorError
from warehouse import schema as s

CHANGES = (
    (new_defect, 3),
    (sign_task_card, 5),
    (open_work_order, 1),
    (issue_part, 3),
    (raise_finding, 1),
    (advance_car, 2),
    (use_tool, 3),
    (deliver_utilisation_day, 2),
)


def simulate(
    engine: Engine,
    rate: float,
    stop: threading.Event,
    *,
    seconds: float | None = None,
    seed: int | None = None,
) -> Counter:
    """Make about ``rate`` changes per second until ``stop`` is set (or ``seconds`` pass).

    Returns how many changes of each kind ("task card signed", "part issued"...) were committed.
    A change that fails is rolled back whole and its error raised: nothing half-written stays.
    """
    if rate <= 0:
        raise GeneratorError(f"rate must be above 0 changes per second, not {rate}")
    with engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(s.aircraft)).scalar_one() == 0:
            raise GeneratorError("the database holds no AMO to simulate: seed it first (amoscope seed)")
    rng = random.Random(seed)
    functions, weights = zip(*CHANGES, strict=True)
    done: Counter = Counter()
    started = time.monotonic()
    next_at = started
    while not stop.is_set() and (seconds is None or time.monotonic() - started < seconds):
        change = rng.choices(functions, weights)[0]
        try:
            with engine.begin() as connection:
                if made := change(connection, rng):
                    done[made] += 1
        except sa.exc.DBAPIError as error:
            raise GeneratorError(
                f"the database failed after {sum(done.values())} changes ({_reason(error)}); "
                "the change in progress was rolled back"
            ) from error
        next_at += 1 / rate
        stop.wait(max(0.0, next_at - time.monotonic()))
    return done


def _reason(error: sa.exc.DBAPIError) -> str:
    return str(error.orig or error).strip().splitlines()[0]
