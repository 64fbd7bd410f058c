"""The scheduler: runs due scheduled actions (e.g. "disable at contract end") and delivers
pending notifications. ``amoscope scheduler run`` loops over :func:`run_due`; the ETL daemon
may call it too, since rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and two
loops never run one action twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from auth.command_center import run_scheduled
from auth.errors import AuthError
from auth.notifications import InboxSender, Sender, deliver_pending
from warehouse.schema import scheduled_actions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerRun:
    """What one pass did."""

    executed: int
    failed: int
    delivered: int


def run_due(engine: Engine, base_url: str, *, sender: Sender | None = None, now: datetime | None = None,
            batch: int = 50) -> SchedulerRun:
    """Execute every pending action whose time has come, then deliver notifications.

    Each action runs in its own transaction with its status update: DONE with the outcome, or
    FAILED with the refusal (e.g. the target became the last superuser), never half-done.
    """
    now = now or datetime.now(UTC)
    executed = failed = 0
    while True:
        with engine.begin() as connection:
            query = (sa.select(scheduled_actions)
                     .where(scheduled_actions.c.status == "PENDING", scheduled_actions.c.run_at <= now)
                     .order_by(scheduled_actions.c.run_at, scheduled_actions.c.id).limit(1))
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            schedule = connection.execute(query).mappings().first()
            if schedule is None:
                break
            try:
                with connection.begin_nested():
                    outcome = run_scheduled(connection, dict(schedule), base_url)
                status, result = "DONE", outcome.message
                executed += 1
            except AuthError as error:
                status, result = "FAILED", str(error)
                failed += 1
            connection.execute(scheduled_actions.update().where(scheduled_actions.c.id == schedule["id"])
                               .values(status=status, result=result[:2000], executed_at=datetime.now(UTC)))
            log.info("scheduled action %s (%s) %s: %s", schedule["id"], schedule["action"], status, result)
        if executed + failed >= batch:
            break
    delivered = deliver_pending(engine, sender or InboxSender())
    return SchedulerRun(executed=executed, failed=failed, delivered=delivered)
