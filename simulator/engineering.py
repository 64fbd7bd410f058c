"""Engineering: airworthiness directives and service bulletins, and their compliance per aircraft.

Each AD gets a compliance record per aircraft of its type: done by a modification work order
within its compliance time (recurring ADs then carry the next due date), or still open with a
due date (one per AMO planted overdue). SBs are often assessed "not applicable", and one per AMO
lacks the reason the NA-without-reason KPI looks for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.fleet import Plane
from simulator.people import People
from simulator.production import Production
from simulator.world import World

DIRECTIVES_PER_TYPE = {"AD": 10, "SB": 8}
NA_REASONS = (
    "MSN outside the effectivity range",
    "Modification embodied in production",
    "Affected P/N not installed",
)


def build_directives(world: World, people: People, production: Production, fleet: list[Plane]) -> None:
    """Directives for each aircraft type in the fleet, and every aircraft's compliance with them."""
    rng = world.rng
    types = sorted({plane.row["type_model"] for plane in fleet})
    for type_model in types:
        planes = [p for p in fleet if p.row["type_model"] == type_model]
        for kind, count in DIRECTIVES_PER_TYPE.items():
            for _ in range(count):
                effective = world.moment(world.start - timedelta(days=200), world.now - timedelta(days=20))
                ata = rng.choice(list(v.ATA))
                recurring = kind == "AD" and rng.random() < 0.3
                year = effective.year
                ref = (
                    f"{rng.choice(('EASA', 'FAA'))} AD {year}-{world.next_id('ad numbers'):04d}"
                    if kind == "AD"
                    else f"SB {type_model[:4]}-{ata}-{1000 + world.next_id('sb numbers'):04d}"
                )
                first = planes[0]
                engineer = people.staff(world, first.amo_id, "ENG", max(effective, world.start))
                directive = world.create(
                    "directives",
                    max(effective, world.start),
                    people.actor(engineer),
                    {
                        "ref_no": ref,
                        "kind": kind,
                        "authority": "FAA" if "FAA" in ref else "EASA",
                        "revision": "00",
                        "effective_date": effective.date(),
                        "subject": f"{type_model}: {v.ATA[ata][0]} - {rng.choice(v.ATA[ata][1]).lower()}",
                        "ata_chapter": ata,
                        "is_recurring": recurring,
                        "interval_fh": None,
                        "interval_fc": None,
                        "interval_days": 365 if recurring else None,
                        "supersedes_id": None,
                    },
                    amo_id=None,
                    department_id=None,
                )
                for plane in planes:
                    _comply(world, people, production, plane, directive)


def _comply(
    world: World, people: People, production: Production, plane: Plane, directive: dict[str, Any]
) -> None:
    rng = world.rng
    engineering = people.department(plane.amo_id, "ENG")
    at = max(world.later(directive["created_at"], 2, 24 * 10), plane.row["created_at"] + timedelta(hours=1))
    if not world.is_past(at):
        return
    engineer = people.staff(world, plane.amo_id, "ENG", at)
    applicable = directive["kind"] == "AD" or rng.random() < 0.4
    reasonless = not applicable and world.plant(plane.amo_id, "NA without reason")
    due = at + timedelta(days=rng.randint(60, 300))
    values = {
        "directive_id": directive["id"],
        "aircraft_id": plane.row["id"],
        "component_id": None,
        "applicability": "APPLICABLE" if applicable else "NOT_APPLICABLE",
        "na_reason": None if applicable or reasonless else rng.choice(NA_REASONS),
        "method_of_compliance": None,
        "last_done_at": None,
        "last_done_fh": None,
        "last_done_fc": None,
        "next_due_at": due if applicable and directive["kind"] == "AD" else None,
        "next_due_fh": None,
        "next_due_fc": None,
        "status": "OPEN" if applicable else "NA",
        "evidence_work_order_id": None,
    }
    record = world.create(
        "directive_compliance",
        at,
        people.actor(engineer),
        values,
        amo_id=plane.amo_id,
        department_id=engineering["id"],
        activity=("directive.assessed", f"{directive['ref_no']} assessed for {plane.row['registration']}"),
    )
    if not applicable or directive["kind"] != "AD":
        return
    recent = world.now - timedelta(days=45) < due < world.now - timedelta(days=5)
    if recent and world.plant(plane.amo_id, "overdue AD"):
        return  # not done in time: the AMO's one overdue AD, for the engineering dashboard
    done = due - timedelta(days=rng.randint(5, 50)) if rng.random() > 0.05 else due + timedelta(days=20)
    while world.is_past(done + timedelta(hours=12)):
        wo = production.plan(
            plane.amo_id,
            "MOD",
            "PROD",
            done,
            done + timedelta(hours=12),
            round(rng.uniform(2, 16), 1),
            aircraft=plane.row,
        )
        production.start(wo, done)
        card = production.card(
            wo,
            done + timedelta(minutes=30),
            card_type="ROUTINE",
            source="AD",
            source_ref=directive["ref_no"],
            ata=directive["ata_chapter"],
            description=f"Accomplish {directive['ref_no']}",
            planned_mh=wo["planned_mh"],
            inspection=True,
        )
        signed = production.perform(wo, card, world.later(done, 1, 10))
        if signed is None:
            return
        production.finish(wo, signed.performed_at)
        fh = plane.fh_at(signed.performed_at.date())
        next_due = signed.performed_at + timedelta(days=directive["interval_days"] or 0)
        recurring = directive["is_recurring"]
        world.change(
            "directive_compliance",
            record,
            signed.performed_at,
            people.actor(signed.performer),
            {
                "method_of_compliance": "Accomplished per AD paragraph (1)",
                "last_done_at": signed.performed_at,
                "last_done_fh": fh,
                "status": "REPETITIVE" if recurring else "COMPLIED",
                "next_due_at": next_due if recurring else None,
                "evidence_work_order_id": wo["id"],
            },
            action="STATE_CHANGE",
            activity=("directive.complied", f"{directive['ref_no']} complied on {plane.row['registration']}"),
        )
        if not recurring:
            return
        done = next_due - timedelta(days=rng.randint(3, 40))

