"""Reliability: defects (PIREP, MAREP, cabin, check findings), MEL deferrals, removals, repeats.

Defects are planned per aircraft first (when reported, whether deferred, when rectified), then
rectified by non-routine task cards as the maintenance generator works each work order. Repeat
defects (the same aircraft and ATA chapter again within days) are grouped at the end, once the
reliability engineer could have seen the third occurrence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.fleet import Plane, new_component
from simulator.people import People
from simulator.production import Production, SignedCard
from simulator.world import World

DEFECTS_PER_FLYING_DAY = 0.12
# defects whose fault comes back twice within days, at most six a year per AMO and scale step:
# a dozen or so repeat-defect alerts per AMO in three years, never a flood (Sofema: >= 3 on one
# aircraft and ATA within 15 sectors)
RECURRING_SHARE = 0.03
RECURRING_PER_YEAR = 6
MEL_DAYS = {"B": 3, "C": 10, "D": 120}
MISSED_DEFERRAL_SHARE = 0.02  # rectified after the deferral expired, caught and closed in the history
EXPIRED_FOR = (timedelta(days=3), timedelta(days=30))  # how long the planted open deferral has expired
VOIDED_SHARE = 0.01  # duplicate reports, voided (never deleted) with a reason
ROTABLE_ATAS = {ata for ata, *_ in v.ROTABLES}


@dataclass
class PlannedDefect:
    """A reported defect and when it will be rectified (None: still open at the end)."""

    row: dict[str, Any]
    plane: Plane
    rectify_at: datetime | None
    removal: bool


def plan_defects(world: World, people: People, plane: Plane) -> list[PlannedDefect]:
    """The defects reported on ``plane`` over the history, deferred under the MEL where allowed."""
    rng = world.rng
    planned = []
    for day, hours in plane.fh_by_day.items():
        grounded = plane.fh_by_day.get(day - timedelta(days=1)) == hours
        if grounded or rng.random() >= DEFECTS_PER_FLYING_DAY:
            continue
        ata = rng.choice(list(v.ATA))
        planned.append(
            report_defect(
                world,
                people,
                plane,
                world.work_time(day),
                ata,
                rng.choices(("PIREP", "MAREP", "CABIN"), (6, 3, 1))[0],
            )
        )
        # the fault comes back: the stuff of repeat-defect alerts
        recurs = rng.random() < RECURRING_SHARE
        if recurs and world.within_yearly_quota(
            plane.amo_id, "recurring fault", planned[-1].row["reported_at"], RECURRING_PER_YEAR
        ):
            for hop in range(2):
                at = world.later(planned[-1].row["reported_at"], 20, 70 + 10 * hop)
                if world.is_past(at):
                    planned.append(report_defect(world, people, plane, at, ata, "PIREP"))
    return planned


def report_defect(
    world: World,
    people: People,
    plane: Plane,
    at: datetime,
    ata: str,
    source: str,
    *,
    deferrable: bool = True,
) -> PlannedDefect:
    """Create the defect (and its MEL deferral), and decide when it will be rectified."""
    rng = world.rng
    production = people.department(plane.amo_id, "PROD")
    reporter = people.staff(world, plane.amo_id, "PROD", at)
    row = world.create(
        "defects",
        at,
        people.actor(reporter),
        {
            "defect_no": f"D{plane.row['registration'].replace('-', '')}-{world.next_id('defect no'):06d}",
            "aircraft_id": plane.row["id"],
            "source": source,
            "reported_at": at,
            "reported_fh": plane.fh_at(at.date() - timedelta(days=1)),
            "ata_chapter": ata,
            "description": rng.choice(v.ATA[ata][1]),
            "is_deferred": False,
            "mel_ref": None,
            "mel_category": None,
            "deferral_expires_at": None,
            "deferral_limit_fh": None,
            "deferral_limit_fc": None,
            "rectified_at": None,
            "rectification_task_card_id": None,
            "repeat_group_id": None,
            "status": "OPEN",
        },
        amo_id=plane.amo_id,
        department_id=production["id"],
        activity=("defect.reported", f"{source} on {plane.row['registration']}: ATA {ata}"),
    )
    rectify_at = world.later(at, 1, 10)
    voided_at = world.later(at, 0.2, 3)
    if source == "PIREP" and rng.random() < VOIDED_SHARE and world.is_past(voided_at):
        engineer = people.staff(world, plane.amo_id, "PROD", voided_at)
        reason = "Duplicate of an earlier report of the same fault"
        world.change(
            "defects",
            row,
            voided_at,
            people.actor(engineer),
            {"voided_at": voided_at, "voided_by": engineer["id"], "void_reason": reason},
            action="VOID",
            reason=reason,
        )
        return PlannedDefect(row, plane, None, False)
    if deferrable and rng.random() < 0.3:
        category = rng.choices(("B", "C", "D"), (4, 5, 1))[0]
        expires = datetime.combine(at.date() + timedelta(days=MEL_DAYS[category] + 1), time(0), tzinfo=UTC)
        deferred_at = world.later(at, 10 / 60, 0.5)
        if world.is_past(deferred_at):
            certifier = people.signer(world, plane.amo_id, deferred_at) or reporter
            world.change(
                "defects",
                row,
                deferred_at,
                people.actor(certifier),
                {
                    "status": "DEFERRED",
                    "is_deferred": True,
                    "mel_category": category,
                    "mel_ref": f"{ata}-{rng.randint(10, 60)}-{rng.randint(1, 9):02d}",
                    "deferral_expires_at": expires,
                },
                action="STATE_CHANGE",
                activity=(
                    "defect.deferred",
                    f"MEL cat {category} deferral on {plane.row['registration']}: ATA {ata}",
                ),
            )
            window = (expires - deferred_at).total_seconds() / 3600
            rectify_at = world.later(deferred_at, max(window * 0.3, 1), max(window * 0.95, 2))
            late = expires + timedelta(days=rng.randint(5, 40))
            if world.is_past(late) and rng.random() < MISSED_DEFERRAL_SHARE:
                rectify_at = late  # missed: the deferral expired, the defect was rectified weeks later
            elif world.now - EXPIRED_FOR[1] < expires < world.now - EXPIRED_FOR[0] and world.plant(
                plane.amo_id, "expired MEL deferral"
            ):
                rectify_at = world.now + timedelta(days=1)  # planted: still open, expired some days ago
    removal = ata in ROTABLE_ATAS and rng.random() < 0.12
    return PlannedDefect(row, plane, rectify_at if world.is_past(rectify_at) else None, removal)


def rectify(
    world: World, people: People, production: Production, defect: PlannedDefect, work_order: dict[str, Any]
) -> SignedCard | None:
    """A non-routine card on ``work_order`` that clears the defect (with a removal if planned)."""
    row = defect.row
    card = production.card(
        work_order,
        defect.rectify_at - timedelta(minutes=40),
        card_type="NON_ROUTINE",
        source="DEFECT",
        source_ref=row["defect_no"],
        ata=row["ata_chapter"],
        description=f"Troubleshoot and rectify: {row['description']}",
        planned_mh=round(world.rng.uniform(0.5, 6), 1),
        inspection=row["ata_chapter"] == "27",
    )
    signed = production.perform(work_order, card, defect.rectify_at)
    if signed is None:
        return None
    world.change(
        "defects",
        row,
        signed.performed_at,
        people.actor(signed.performer),
        {
            "status": "RECTIFIED",
            "rectified_at": signed.performed_at,
            "rectification_task_card_id": card["id"],
        },
        action="STATE_CHANGE",
        activity=("defect.rectified", f"{row['defect_no']} rectified"),
    )
    if defect.removal:
        remove_component(world, people, production, defect, signed)
    return signed


def remove_component(
    world: World, people: People, production: Production, defect: PlannedDefect, signed: SignedCard
) -> None:
    """Unscheduled removal: a spare goes on, the removed unit goes to the shop (confirmed or NFF)."""
    rng = world.rng
    plane, at = defect.plane, signed.performed_at
    fitted = [
        c for c in plane.components if c["ata_chapter"] == defect.row["ata_chapter"] and c["updated_at"] <= at
    ]
    if not fitted:
        return
    old = rng.choice(fitted)
    reliability = people.department(plane.amo_id, "REL")
    engineering = people.department(plane.amo_id, "ENG")
    spare = new_component(
        world,
        at,
        plane.amo_id,
        engineering["id"],
        {key: old[key] for key in ("part_no", "description", "ata_chapter", "qpa", "is_llp")},
        installed_on=plane.row["id"],
        position=old["position"],
    )
    plane.components[plane.components.index(old)] = spare
    removal = world.create(
        "component_removals",
        at,
        people.actor(signed.performer),
        {
            "component_id": old["id"],
            "aircraft_id": plane.row["id"],
            "removed_at": at,
            "aircraft_fh_at_removal": plane.fh_at(at.date()),
            "reason_text": defect.row["description"],
            "is_unscheduled": True,
            "shop_finding": "PENDING",
            "defect_id": defect.row["id"],
            "work_order_id": signed.work_order["id"],
            "replaced_by_component_id": spare["id"],
        },
        amo_id=plane.amo_id,
        department_id=reliability["id"],
        activity=(
            "component.removed",
            f"{old['description']} S/N {old['serial_no']} removed from {plane.row['registration']}",
        ),
    )
    world.change(
        "components",
        old,
        at,
        people.actor(signed.performer),
        {"status": "IN_SHOP", "installed_aircraft_id": None, "position": None},
    )
    shop_start = world.later(at, 24, 96)
    shop = production.plan(
        plane.amo_id,
        "SHOP",
        "WKSP",
        shop_start,
        shop_start + timedelta(days=14),
        round(rng.uniform(4, 30), 1),
        component=old,
    )
    if not world.is_past(shop_start + timedelta(hours=1)) or not production.start(shop, shop_start):
        return
    card = production.card(
        shop,
        shop_start + timedelta(hours=1),
        card_type="ROUTINE",
        source="DEFECT",
        source_ref=defect.row["defect_no"],
        ata=old["ata_chapter"],
        description=f"Bench test {old['description']} per CMM",
        planned_mh=shop["planned_mh"],
    )
    tested = production.perform(shop, card, world.later(shop_start, 24, 24 * 12))
    if tested is None:
        return
    finding = "NFF" if rng.random() < 0.35 else "CONFIRMED"
    world.change(
        "component_removals",
        removal,
        tested.performed_at,
        people.actor(tested.performer),
        {"shop_finding": finding},
        activity=("removal.shop_finding", f"Shop finding {finding} for {old['part_no']}"),
    )
    world.change(
        "components", old, tested.performed_at, people.actor(tested.performer), {"status": "IN_STORE"}
    )
    production.finish(shop, tested.performed_at)


def group_repeats(world: World, people: People, defects: list[PlannedDefect]) -> None:
    """Link defects on one aircraft and ATA chapter reported 3+ times within 10 days."""
    by_key: dict[tuple[int, str], list[PlannedDefect]] = defaultdict(list)
    for defect in defects:
        if defect.row["voided_at"]:
            continue
        by_key[(defect.row["aircraft_id"], defect.row["ata_chapter"])].append(defect)
    for (_aircraft_id, ata), series in by_key.items():
        series.sort(key=lambda d: d.row["reported_at"])
        for index in range(2, len(series)):
            window = series[index - 2 : index + 1]
            if any(d.row["repeat_group_id"] for d in window):
                continue
            if window[-1].row["reported_at"] - window[0].row["reported_at"] > timedelta(days=10):
                continue
            at = max(d.row["updated_at"] for d in window) + timedelta(hours=4)
            if not world.is_past(at):
                continue
            plane = window[0].plane
            group = f"RG-{plane.row['registration']}-{ata}-{world.next_id('repeat groups'):04d}"
            engineer = people.staff(world, plane.amo_id, "REL", at)
            for defect in window:
                world.change(
                    "defects",
                    defect.row,
                    at,
                    people.actor(engineer),
                    {"repeat_group_id": group},
                    reason="Repeat defect: same ATA chapter three times within 10 days",
                )
            world.feed(
                at,
                people.actor(engineer),
                "defects",
                window[-1].row["id"],
                "defect.repeat_detected",
                f"Repeat defect group {group} opened",
            )
