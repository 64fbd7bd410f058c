"""Live safety reporting: reports keep coming in and move through the SMS workflow.

As in the seeded history (``simulator/safety.py``): occurrence, hazard, near-miss and error
reports are captured at the history's pace; a mandatory occurrence report goes to the authority
(and an SDR of the FAA-regulated AMO to the FAA) within hours, well inside its 72 or 96 hours;
the safety office assesses the risk (severity × likelihood) within days, analyses the MEDA
contributing factors, monitors the actions and closes the report some weeks later.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator import vocabulary as v
from simulator.live_records import actor_in, department_of, insert, pick_row, update
from simulator.safety import OCCURRENCE_DEPARTMENTS, draw_risk, tolerability
from warehouse import schema as s

R = s.safety_reports
KINDS = (("OCCURRENCE", "HAZARD", "NEAR_MISS", "ERROR"), (4, 3, 2, 2))
SUBMIT_AFTER = timedelta(hours=2)
# status → (the next status, how long after the last change it comes)
WORKFLOW = {
    "CAPTURED": ("ASSESSED", timedelta(days=3)),
    "ASSESSED": ("ACTIONED", timedelta(days=12)),
    "ACTIONED": ("MONITORING", timedelta(days=15)),
    "MONITORING": ("CLOSED", timedelta(days=30)),
}


def report_safety_event(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Someone reports an occurrence, hazard, near miss or error to the safety office."""
    amo = pick_row(connection, sa.select(s.amos), rng)
    if amo is None:
        return None
    kind = rng.choices(*KINDS)[0]
    dept_code = rng.choice(OCCURRENCE_DEPARTMENTS)
    reporter = actor_in(connection, rng, amo.id, dept_code)
    confidential = rng.random() < 0.2
    aircraft = (
        pick_row(connection, sa.select(s.aircraft.c.id).where(s.aircraft.c.amo_id == amo.id), rng)
        if kind in ("OCCURRENCE", "ERROR") else None
    )
    is_mor = kind == "OCCURRENCE" and rng.random() < 0.4
    regime = next(spec[3] for spec in v.AMOS if spec[0] == amo.code)
    count = connection.execute(sa.select(sa.func.count()).select_from(R)).scalar_one() + 1
    insert(
        connection,
        reporter,
        R,
        {
            "amo_id": amo.id,
            "report_no": f"{amo.code}-SR{now:%y}-L{count:05d}",
            "kind": kind,
            "occurred_at": now - timedelta(hours=rng.uniform(0.5, 24)),
            "reported_at": now,
            "reporter_user_id": None if confidential else reporter.actor_user_id,
            "is_confidential": confidential,
            "department_id": department_of(connection, amo.id, dept_code),
            "aircraft_id": aircraft.id if aircraft else None,
            "ata_chapter": rng.choice(list(v.ATA)) if aircraft else None,
            "occurrence_category": rng.choice(v.OCCURRENCE_CATEGORIES) if kind == "OCCURRENCE" else None,
            "description": rng.choice(v.SAFETY_TEXTS[kind]),
            "is_mor": is_mor,
            "is_sdr": is_mor and regime == "DUAL" and rng.random() < 0.6,
            "contributing_factors": [],
            "status": "CAPTURED",
        },
        at=now,
        amo_id=amo.id,
        department_id=department_of(connection, amo.id, "SAFE"),
        activity=("safety_report.captured", f"{kind.replace('_', ' ').title()} report captured"),
    )
    return "safety report captured"


def submit_mandatory_report(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The safety office sends a captured MOR (or SDR) to the authority."""
    for flag, column in ((R.c.is_mor, "mor_submitted_at"), (R.c.is_sdr, "sdr_submitted_at")):
        report = connection.execute(
            sa.select(R)
            .where(flag, R.c[column].is_(None), R.c.voided_at.is_(None),
                   R.c.reported_at <= now - SUBMIT_AFTER)
            .order_by(R.c.reported_at, R.c.id)
            .limit(1)
        ).first()
        if report is not None:
            name = column[:3]
            _advance(connection, rng, now, report, {column: now}, action="UPDATE",
                     activity=(f"{name}.submitted", f"{name.upper()} sent for {report.report_no}"))
            return f"{name.upper()} submitted"
    return None


def work_safety_report(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The report waiting longest for its next SMS step gets it: assessed, analysed, monitored, closed."""
    due = sa.or_(*(
        sa.and_(R.c.status == status, R.c.updated_at <= now - wait) for status, (_, wait) in WORKFLOW.items()
    ))
    report = connection.execute(
        sa.select(R).where(due, R.c.voided_at.is_(None)).order_by(R.c.updated_at, R.c.id).limit(1)
    ).first()
    if report is None:
        return None
    status = WORKFLOW[report.status][0]
    changes: dict = {"status": status}
    if status == "ASSESSED":
        severity, likelihood = draw_risk(rng)
        changes.update(severity=severity, likelihood=likelihood, risk_index=severity * likelihood,
                       tolerability=tolerability(severity * likelihood), investigation_method="MEDA",
                       investigation_due_at=report.reported_at + timedelta(days=30))
    elif status == "ACTIONED":
        factors = sorted(rng.sample(v.MEDA_CATEGORIES, rng.randint(1, 3)))
        changes.update(analysed_at=now, contributing_factors=factors)
    elif status == "CLOSED":
        changes.update(closed_at=now)
    step = status.lower()
    _advance(connection, rng, now, report, changes, action="STATE_CHANGE",
             activity=(f"safety_report.{step}", f"{report.report_no} {step.replace('_', ' ')}"))
    return f"safety report {status.lower()}"


def _advance(
    connection: Connection,
    rng: random.Random,
    now: datetime,
    report,
    changes: dict,
    *,
    action: str,
    activity: tuple[str, str],
) -> None:
    department_id = department_of(connection, report.amo_id, "SAFE")
    update(connection, actor_in(connection, rng, report.amo_id, "SAFE"), R, report, changes, at=now,
           amo_id=report.amo_id, department_id=department_id, action=action, activity=activity)
