"""Live upkeep that falls due on the simulated calendar: calibrations, directives, authorisation
and training renewals, the audit programme, hazard reviews, expiring stock and people logging in.

Each function makes one change at the simulated moment ``now`` (the most overdue item first)
in the caller's transaction and returns what it did, or None when nothing is due. Run often
enough, they keep an AMO's "overdue" figures where a well-run Part-145 has them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from simulator import vocabulary as v
from simulator.hazards import mitigation
from simulator.live_records import actor_in, department_of, insert, update
from warehouse import schema as s
from warehouse.events import RequestContext, record_audit

AUTHORISATION_DAYS = 730
TRAINING_DAYS = 730


def calibrate_tool(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A calibrated tool due within a week goes to the lab and comes back with its next due date."""
    tool = connection.execute(
        sa.select(s.tools)
        .where(
            s.tools.c.is_calibrated,
            s.tools.c.status == "SERVICEABLE",
            s.tools.c.voided_at.is_(None),
            s.tools.c.next_due_at < now + timedelta(days=7),
        )
        .order_by(s.tools.c.next_due_at)
        .limit(1)
    ).first()
    if tool is None:
        return None
    context = actor_in(connection, rng, tool.amo_id, "WKSP")
    department_id = department_of(connection, tool.amo_id, "WKSP")
    due = now + timedelta(days=tool.calibration_interval_days)
    insert(
        connection,
        context,
        s.tool_calibrations,
        {
            "tool_id": tool.id,
            "calibrated_at": now,
            "lab": "Accredited calibration lab",
            "certificate_no": f"CAL-L{rng.randrange(10**6):06d}",
            "as_found": "IN_TOL",
            "as_left": "IN_TOL",
            "next_due_at": due,
        },
        at=now,
        amo_id=tool.amo_id,
        department_id=department_id,
        activity=("tool.calibrated", f"{tool.tool_no} calibrated: as found IN_TOL"),
    )
    update(
        connection,
        context,
        s.tools,
        tool,
        {"last_calibrated_at": now, "next_due_at": due},
        at=now,
        amo_id=tool.amo_id,
        department_id=department_id,
    )
    return "tool calibrated"


def comply_directive(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """An open AD or SB record due within ten days is complied with (done again later if repetitive)."""
    d = s.directive_compliance
    record = connection.execute(
        sa.select(d, s.aircraft.c.amo_id, s.aircraft.c.registration, s.directives.c.ref_no,
                  s.directives.c.is_recurring, s.directives.c.interval_days)
        .join(s.aircraft, s.aircraft.c.id == d.c.aircraft_id)
        .join(s.directives)
        .where(
            d.c.status.in_(("OPEN", "REPETITIVE")),
            d.c.applicability == "APPLICABLE",
            d.c.voided_at.is_(None),
            d.c.next_due_at < now + timedelta(days=10),
        )
        .order_by(d.c.next_due_at)
        .limit(1)
    ).first()
    if record is None:
        return None
    context = actor_in(connection, rng, record.amo_id, "ENG")
    repeat = record.is_recurring and record.interval_days
    changes = {
        "last_done_at": now,
        "method_of_compliance": record.method_of_compliance or "Inspection",
        "status": "REPETITIVE" if repeat else "COMPLIED",
        "next_due_at": now + timedelta(days=record.interval_days) if repeat else None,
    }
    update(
        connection,
        context,
        d,
        record,
        changes,
        at=now,
        amo_id=record.amo_id,
        department_id=department_of(connection, record.amo_id, "ENG"),
        action="STATE_CHANGE",
        activity=("directive.complied", f"{record.ref_no} complied on {record.registration}"),
    )
    return "directive complied with"


def renew_authorisation(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A valid authorisation expiring within three weeks is renewed for two years: the old one
    is marked expired and a new one issued by the quality department."""
    a = s.staff_authorisations
    row = connection.execute(
        sa.select(a, s.users.c.amo_id)
        .join(s.users, s.users.c.id == a.c.user_id)
        .where(
            a.c.status == "valid",
            a.c.voided_at.is_(None),
            s.users.c.is_active,
            a.c.expires_at < now + timedelta(days=21),
        )
        .order_by(a.c.expires_at)
        .limit(1)
    ).first()
    if row is None:
        return None
    context = actor_in(connection, rng, row.amo_id, "QUAL")
    department_id = department_of(connection, row.amo_id, "QUAL")
    update(
        connection,
        context,
        a,
        row,
        {"status": "expired"},
        at=now,
        amo_id=row.amo_id,
        department_id=department_id,
        action="STATE_CHANGE",
    )
    insert(
        connection,
        context,
        a,
        {
            "user_id": row.user_id,
            "auth_type": row.auth_type,
            "scope": row.scope,
            "licence_no": row.licence_no,
            "issued_by": context.actor_user_id,
            "issued_at": now,
            "expires_at": now + timedelta(days=AUTHORISATION_DAYS),
            "status": "valid",
            "last_experience_check_at": now,
        },
        at=now,
        amo_id=row.amo_id,
        department_id=department_id,
        activity=("authorisation.issued", f"{row.auth_type} authorisation renewed"),
    )
    return "authorisation renewed"


def renew_training(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """An active user whose latest passed continuation course is 23 months old takes the next one."""
    t = s.training_records
    latest = (
        sa.select(t.c.user_id, sa.func.max(t.c.completed_at).label("last"))
        .where(t.c.course_type == "CONTINUATION", t.c.result == "PASS", t.c.voided_at.is_(None))
        .group_by(t.c.user_id)
        .subquery()
    )
    user = connection.execute(
        sa.select(s.users.c.id, s.users.c.amo_id, s.users.c.full_name, latest.c.last)
        .join(latest, latest.c.user_id == s.users.c.id)
        .where(s.users.c.is_active, latest.c.last < now - timedelta(days=TRAINING_DAYS - 30))
        .order_by(latest.c.last)
        .limit(1)
    ).first()
    if user is None:
        return None
    context = actor_in(connection, rng, user.amo_id, "QUAL")
    insert(
        connection,
        context,
        t,
        {
            "user_id": user.id,
            "course_code": "CONT-B1",
            "course_type": "CONTINUATION",
            "completed_at": now,
            "valid_until": now + timedelta(days=TRAINING_DAYS),
            "result": "PASS",
            "provider": "In-house training",
            "certificate_sha256": f"{rng.getrandbits(256):064x}",
        },
        at=now,
        amo_id=user.amo_id,
        department_id=department_of(connection, user.amo_id, "QUAL"),
        activity=("training.completed", f"{user.full_name} completed continuation training"),
    )
    return "continuation training completed"


def plan_audit(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A Part-145 point with no audit performed or planned in the last eleven months gets an
    internal audit planned three weeks ahead, so every point is audited each year (AMC2 145.A.200)."""
    a = s.audits
    since = (now - timedelta(days=335)).date()
    for amo_id in connection.execute(sa.select(s.amos.c.id).order_by(s.amos.c.id)).scalars():
        covered = {
            ref
            for refs in connection.execute(
                sa.select(a.c.regulation_refs).where(
                    a.c.amo_id == amo_id, a.c.voided_at.is_(None), a.c.planned_date >= since
                )
            ).scalars()
            for ref in refs or ()
        }
        missing = [point for point in v.REGULATION_POINTS if point not in covered]
        if not missing:
            continue
        refs = missing[:3]
        context = actor_in(connection, rng, amo_id, "QUAL")
        auditor = actor_in(
            connection, rng, amo_id, "ENG" if v.REGULATION_OWNER[refs[0]] == "QUAL" else "QUAL"
        )
        planned = (now + timedelta(days=21)).date()
        number = connection.execute(sa.select(sa.func.count()).select_from(a)).scalar_one() + 1
        insert(
            connection,
            context,
            a,
            {
                "amo_id": amo_id,
                "audit_no": f"LIVE-A{number:05d}",
                "audit_type": "INTERNAL",
                "is_unannounced": False,
                "is_night": False,
                "regulation_refs": refs,
                "auditee_department_id": department_of(connection, amo_id, v.REGULATION_OWNER[refs[0]]),
                "location": "Main base hangar",
                "lead_auditor_id": auditor.actor_user_id,
                "planned_date": planned,
                "status": "PLANNED",
            },
            at=now,
            amo_id=amo_id,
            department_id=department_of(connection, amo_id, "QUAL"),
            activity=("audit.planned", f"Internal audit of {', '.join(refs)} planned"),
        )
        return "audit planned"
    return None


def perform_audit(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """A planned audit whose date has come is performed; one performed three days ago is reported."""
    a = s.audits
    audit = connection.execute(
        sa.select(a)
        .where(
            a.c.voided_at.is_(None),
            sa.or_(
                sa.and_(a.c.status.in_(("PLANNED", "CONFIRMED")), a.c.planned_date <= now.date()),
                sa.and_(a.c.status == "IN_PROGRESS", a.c.performed_date <= (now - timedelta(days=3)).date()),
            ),
        )
        .order_by(a.c.planned_date)
        .limit(1)
    ).first()
    if audit is None:
        return None
    context = actor_in(connection, rng, audit.amo_id, "QUAL")
    department_id = department_of(connection, audit.amo_id, "QUAL")
    if audit.status == "IN_PROGRESS":
        update(
            connection,
            context,
            a,
            audit,
            {"status": "REPORTED", "report_issued_at": now},
            at=now,
            amo_id=audit.amo_id,
            department_id=department_id,
            action="STATE_CHANGE",
            activity=("audit.reported", f"Report of {audit.audit_no} issued"),
        )
        return "audit reported"
    update(
        connection,
        context,
        a,
        audit,
        {"status": "IN_PROGRESS", "performed_date": now.date()},
        at=now,
        amo_id=audit.amo_id,
        department_id=department_id,
        action="STATE_CHANGE",
        activity=("audit.started", f"Audit {audit.audit_no} on site"),
    )
    return "audit performed"


def review_hazard(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """An open or mitigated hazard whose risk review falls due within a week is reviewed; an open
    one is mitigated at that review, as in the seeded history."""
    h = s.hazards
    hazard = connection.execute(
        sa.select(h)
        .where(
            h.c.status.in_(("OPEN", "MITIGATED")),
            h.c.voided_at.is_(None),
            h.c.next_review_due_at < now + timedelta(days=7),
        )
        .order_by(h.c.next_review_due_at)
        .limit(1)
    ).first()
    if hazard is None:
        return None
    context = actor_in(connection, rng, hazard.amo_id, "SAFE")
    changes = mitigation(hazard._mapping, rng) if hazard.status == "OPEN" else {}
    interval = changes.get("review_interval_days", hazard.review_interval_days)
    changes.update(last_reviewed_at=now, next_review_due_at=now + timedelta(days=interval))
    update(
        connection,
        context,
        h,
        hazard,
        changes,
        at=now,
        amo_id=hazard.amo_id,
        department_id=hazard.department_id,
        action="STATE_CHANGE" if "status" in changes else "UPDATE",
        activity=("hazard.reviewed", f"Hazard {hazard.hazard_no} risk reviewed"),
    )
    return "hazard reviewed"


def quarantine_expiring_stock(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """Serviceable stock whose shelf life ends within a day is moved to quarantine."""
    i = s.stock_items
    item = connection.execute(
        sa.select(i)
        .where(
            i.c.condition == "SERVICEABLE",
            i.c.voided_at.is_(None),
            i.c.shelf_life_expires_at < now + timedelta(days=1),
        )
        .order_by(i.c.shelf_life_expires_at)
        .limit(1)
    ).first()
    if item is None:
        return None
    context = actor_in(connection, rng, item.amo_id, "STOR")
    update(
        connection,
        context,
        i,
        item,
        {
            "location_code": "Q-01",
            "store_type": "QUARANTINE",
            "condition": "QUARANTINE",
            "quarantine_reason": "Shelf life expired",
            "quarantined_at": now,
        },
        at=now,
        amo_id=item.amo_id,
        department_id=department_of(connection, item.amo_id, "STOR"),
        action="STATE_CHANGE",
        activity=("part.quarantined", f"{item.part_no} batch {item.batch_no} quarantined: shelf life"),
    )
    return "stock quarantined"


def scrap_quarantined(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """An item quarantined over six weeks ago, its review done, is scrapped: the ledger's SCRAP
    movement takes its quantity to zero in the same transaction."""
    i = s.stock_items
    item = connection.execute(
        sa.select(i)
        .where(
            i.c.condition == "QUARANTINE",
            i.c.voided_at.is_(None),
            i.c.quarantined_at < now - timedelta(days=42),
        )
        .order_by(i.c.quarantined_at)
        .limit(1)
    ).first()
    if item is None:
        return None
    context = actor_in(connection, rng, item.amo_id, "STOR")
    department_id = department_of(connection, item.amo_id, "STOR")
    if item.qty:
        insert(
            connection,
            context,
            s.part_movements,
            {
                "stock_item_id": item.id,
                "movement_type": "SCRAP",
                "qty": -item.qty,
                "from_location": item.location_code,
                "performed_by": context.actor_user_id,
                "performed_at": now,
            },
            at=now,
            amo_id=item.amo_id,
            department_id=department_id,
        )
    update(
        connection,
        context,
        i,
        item,
        {"qty": 0, "condition": "UNSALVAGEABLE", "store_type": "SCRAP"},
        at=now,
        amo_id=item.amo_id,
        department_id=department_id,
        action="STATE_CHANGE",
        activity=("part.scrapped", f"{item.part_no} batch {item.batch_no} scrapped after quarantine review"),
    )
    return "stock scrapped"


def log_in(connection: Connection, rng: random.Random, now: datetime) -> str | None:
    """The active user who has not logged in for longest logs in (people log in to work)."""
    u = s.users
    user = connection.execute(
        sa.select(u.c.id, u.c.amo_id, u.c.department_id, s.roles.c.code)
        .join(s.roles)
        .where(u.c.is_active, u.c.voided_at.is_(None), u.c.left_at.is_(None))
        .order_by(sa.func.coalesce(u.c.last_login_at, u.c.created_at), u.c.id)
        .limit(1)
    ).first()
    if user is None:
        return None
    context = RequestContext(
        actor_user_id=user.id,
        actor_role=user.code,
        auth_method="PASSWORD",
        ip=f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    )
    record_audit(
        connection, context, "LOGIN", amo_id=user.amo_id, department_id=user.department_id, occurred_at=now
    )
    connection.execute(u.update().where(u.c.id == user.id).values(last_login_at=now))
    return "user logged in"
