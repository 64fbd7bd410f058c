"""The audit programme: every Part-145 point audited each year, some audits unannounced or at night.

Each year the programme covers every point (145.A.25…145.A.205) with internal audits, plus
product, authority and customer audits. Auditors come from outside the audited function, but
for a few independence violations. Findings go to :class:`Quality`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from simulator import vocabulary as v
from simulator.quality import Quality
from simulator.world import World


def build_audit_programme(world: World, quality: Quality) -> None:
    """Three years of audits per AMO: every Part-145 point each year, plus product/authority/customer."""
    rng, people = world.rng, quality.people
    for amo in people.amos:
        year_start = world.start.date()
        while year_start < world.now.date() + timedelta(days=120):
            points = list(v.REGULATION_POINTS)
            rng.shuffle(points)
            plan = [("INTERNAL", points[i : i + 3]) for i in range(0, len(points), 3)]
            plan += [("PRODUCT", ["145.A.48", "145.A.50"])] * 4
            plan += [("AUTHORITY", rng.sample(points, 4)), ("CUSTOMER", rng.sample(points, 2))]
            for audit_type, refs in plan:
                planned = year_start + timedelta(days=rng.randint(10, 350))
                _audit(world, quality, amo, audit_type, refs, planned)
            year_start += timedelta(days=365)


def _audit(
    world: World, quality: Quality, amo: dict, audit_type: str, refs: list[str], planned: date
) -> None:
    rng, people = world.rng, quality.people
    created = max(
        datetime.combine(planned - timedelta(days=rng.randint(30, 90)), time(9), tzinfo=UTC),
        world.start + timedelta(days=4),
    )
    if not world.is_past(created):
        return
    auditee = v.REGULATION_OWNER[refs[0]]
    # Auditors never audit their own function, but for one planted slip when quality audits itself.
    independent = auditee != "QUAL" or created < world.now - timedelta(days=365) or not world.plant(
        amo["id"], "auditor independence")
    auditor = people.staff(world, amo["id"], "ENG" if auditee == "QUAL" and independent else "QUAL", created)
    quality_dept = people.department(amo["id"], "QUAL")
    night = auditee == "PROD" and rng.random() < 0.3
    audit = world.create(
        "audits",
        created,
        people.actor(people.staff(world, amo["id"], "QUAL", created)),
        {
            "amo_id": amo["id"],
            "audit_no": f"{amo['code']}-A{planned:%y}-{world.next_id('audit numbers'):04d}",
            "audit_type": audit_type,
            "is_unannounced": audit_type in ("INTERNAL", "PRODUCT") and rng.random() < 0.15,
            "is_night": night,
            "regulation_refs": refs,
            "auditee_department_id": people.department(amo["id"], auditee)["id"],
            "location": rng.choice(("Main base hangar", "Line station", "Component workshop", "Stores")),
            "lead_auditor_id": auditor["id"],
            "planned_date": planned,
            "performed_date": None,
            "report_issued_at": None,
            "status": "PLANNED",
        },
        amo_id=amo["id"],
        department_id=quality_dept["id"],
        activity=("audit.planned", f"{audit_type.title()} audit of {', '.join(refs)} planned"),
    )
    actor = people.actor(auditor)
    confirmed = datetime.combine(planned - timedelta(days=14), time(9), tzinfo=UTC)
    if not world.is_past(confirmed) or confirmed < created:
        return
    world.change("audits", audit, confirmed, actor, {"status": "CONFIRMED"}, action="STATE_CHANGE")
    performed = planned + timedelta(days=rng.randint(-2, 10))
    on_site = world.work_time(performed, night=night)
    if not world.is_past(on_site + timedelta(days=1)):
        return
    world.change(
        "audits",
        audit,
        on_site,
        actor,
        {"status": "IN_PROGRESS", "performed_date": performed},
        action="STATE_CHANGE",
        activity=("audit.started", f"Audit {audit['audit_no']} on site"),
    )
    source = {"AUTHORITY": "AUTHORITY", "CUSTOMER": "CUSTOMER"}.get(audit_type, "INTERNAL_AUDIT")
    for _ in range(rng.choices((0, 1, 2, 3, 4), (4, 4, 3, 1, 0.5))[0]):
        point = rng.choice(refs)
        dept = v.REGULATION_OWNER[point]
        ref = f"{point}({rng.choice('abcdef')})"
        if quality.would_repeat(amo, ref, dept, on_site) and rng.random() > 0.05:
            continue  # a fixed root cause mostly stays fixed: repeats are the exception
        level = rng.choices(("L1", "L2", "OBS"), (1, 5, 4))[0]
        quality.raise_finding(
            amo,
            dept,
            world.later(on_site, 0.5, 6),
            level=level,
            regulation_ref=ref,
            description=rng.choice(v.FINDING_TEXTS[dept]),
            source=source,
            audit=audit,
            raised_by=auditor,
        )
    reported = world.later(on_site, 24 * 2, 24 * 10)
    if world.is_past(reported):
        world.change(
            "audits",
            audit,
            reported,
            actor,
            {"status": "REPORTED", "report_issued_at": reported},
            action="STATE_CHANGE",
            activity=("audit.reported", f"Report of {audit['audit_no']} issued"),
        )
        closed = world.later(reported, 24 * 20, 24 * 120)
        if world.is_past(closed):
            world.change("audits", audit, closed, actor, {"status": "CLOSED"}, action="STATE_CHANGE")
