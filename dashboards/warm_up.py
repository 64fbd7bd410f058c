"""A worker's warm-up: what the first cockpit of a freshly started worker would otherwise wait for.

The first cockpit request a new gunicorn worker answers also opens the warehouse (DuckDB, the
archive's manifests), fills the database pool, runs Dash's first-request setup, loads plotly's
figure code and computes its department's KPI snapshot: seconds, where a warm worker answers in
tens of milliseconds. :func:`start` does all of that in a background thread of each worker
(``amoscope serve`` and ``amoscope demo``, when the ``warm_up`` setting is on), so:

* the worker serves from its first moment: nothing waits for the warm-up, and a request for a
  snapshot the warm-up is computing waits for that computation instead of repeating it;
* a warm-up that fails is logged and stops there; the worker serves on, cold.

Today's snapshots are computed for every AMO and department cockpit, the departments in the order
of :data:`dashboards.cockpits.PANELS`. They are kept like any other (new data or the end of the
live period, ``kpi_cache_live_seconds``, replaces them); a later request that misses still finds
the warehouse open and the code warm.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import flask
import sqlalchemy as sa

from dashboards import charts, cockpits, context
from warehouse.schema import amos

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmUpReport:
    """What a warm-up did: the cockpit snapshots it computed and how long it took."""

    snapshots: int
    seconds: float


def warm_up(server: flask.Flask) -> WarmUpReport:
    """Serve one login page to ourselves, open the warehouse and compute today's snapshot of every
    AMO's department cockpits, drawing their charts once. Raises what fails."""
    began = time.monotonic()
    server.test_client().get("/login")  # Dash's first-request setup, the login template
    computed = 0
    with server.app_context():
        with context.engine().connect() as connection:
            amo_ids = connection.execute(sa.select(amos.c.id).order_by(amos.c.id)).scalars().all()
        warehouse = context.shared_warehouse()
        for department, panels in cockpits.PANELS.items():
            for amo_id in amo_ids:
                snapshot = warehouse.for_amo(amo_id).kpi.cockpit_snapshot(department)
                computed += 1
                if amo_id == amo_ids[0]:  # each kind of chart once: plotly's code is loaded per process
                    for panel in panels:
                        if panel.kpi in snapshot:
                            charts.figure(panel, snapshot[panel.kpi])
    return WarmUpReport(computed, time.monotonic() - began)


def start(server: flask.Flask) -> threading.Thread | None:
    """Warm ``server`` (an app of ``create_app``) up in a daemon thread when its ``warm_up``
    setting is on (see the module doc); returns the thread, or None when the setting is off."""
    if not server.extensions[context.EXTENSION].settings.warm_up:
        return None
    thread = threading.Thread(target=_logged_warm_up, args=(server,), name="warm-up", daemon=True)
    thread.start()
    return thread


def _logged_warm_up(server: flask.Flask) -> None:
    try:
        report = warm_up(server)
    except Exception:  # the worker serves on, cold: a failed warm-up is news, never a crash
        log.exception("warm-up failed; the first requests of this worker will be slower")
        return
    log.info("warmed up in %.1f s: %d cockpit snapshots", report.seconds, report.snapshots)
