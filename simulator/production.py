"""Planning and production: work orders, task cards, sign-offs and the certificate of release.

A work order is planned, started, worked card by card and, once complete, released with a CRS
and closed. Cards are performed (and independently inspected where required) by certifying
staff whose authorisation was valid at that moment, but for a small share of lapses (at most
two a year per AMO) that the "sign-offs without a valid authorisation" KPI must find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulator.people import People
from simulator.world import SYSTEM_ACTOR, World

LAPSED_SIGNATURE_SHARE = 0.006
LAPSED_PER_YEAR = 2  # at most, per AMO and scale step: a handful in three years
INSPECTION_SHIFTS = 30  # how many later shifts a performed card waits for an independent inspector, at most


@dataclass
class SignedCard:
    """A performed task card: where tools and parts of the other generators attach."""

    card: dict[str, Any]
    work_order: dict[str, Any]
    performer: dict[str, Any]
    performed_at: datetime


@dataclass
class Production:
    """Creates and works the work orders of both AMOs; remembers every performed card."""

    world: World
    people: People
    signed: list[SignedCard] = field(default_factory=list)
    _numbers: dict[tuple[int, str], int] = field(default_factory=dict)
    _cards: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # work order id → cards

    def plan(
        self,
        amo_id: int,
        wo_type: str,
        dept_code: str,
        start: datetime,
        end: datetime,
        planned_mh: float,
        *,
        aircraft: dict | None = None,
        component: dict | None = None,
        created: datetime | None = None,
    ) -> dict[str, Any]:
        """A PLANNED work order, created by a planner some days before it starts (or at ``created``,
        for the forward plan made weeks ahead)."""
        world, people = self.world, self.people
        amo = next(a for a in people.amos if a["id"] == amo_id)
        key = (amo_id, wo_type)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        department = people.department(amo_id, dept_code)
        # planned some days ahead, but never after the history's end (a shop visit starting soon)
        created = created or max(start - timedelta(days=world.rng.randint(2, 10)), world.start)
        created = min(created, world.now - timedelta(minutes=1))
        planner = people.staff(world, amo_id, "PLAN", created)
        subject = aircraft["registration"] if aircraft else component["part_no"] if component else "shop"
        return world.create(
            "work_orders",
            created,
            people.actor(planner),
            {
                "amo_id": amo_id,
                "wo_no": f"{amo['code']}-{wo_type[0]}{self._numbers[key]:06d}",
                "wo_type": wo_type,
                "aircraft_id": aircraft["id"] if aircraft else None,
                "component_id": component["id"] if component else None,
                "customer": aircraft["customer_operator"] if aircraft else amo["name"],
                "department_id": department["id"],
                "planned_start": start,
                "planned_end": end,
                "actual_start": None,
                "actual_end": None,
                "planned_mh": planned_mh,
                "actual_mh": None,
                "status": "PLANNED",
                "crs_issued_at": None,
                "crs_signed_by": None,
            },
            amo_id=amo_id,
            department_id=department["id"],
            activity=None
            if wo_type == "LINE"
            else ("work_order.planned", f"{wo_type.replace('_', '-')} planned for {subject}"),
        )

    def start(self, work_order: dict[str, Any], at: datetime) -> bool:
        """Start work (IN_WORK) at ``at``; False when that lies beyond the history."""
        if not self.world.is_past(at):
            return False
        lead = self.people.staff(self.world, work_order["amo_id"], "PROD", at)
        self.world.change(
            "work_orders",
            work_order,
            at,
            self.people.actor(lead),
            {"status": "IN_WORK", "actual_start": at},
            action="STATE_CHANGE",
        )
        return True

    def card(
        self,
        work_order: dict[str, Any],
        at: datetime,
        *,
        card_type: str,
        source: str,
        ata: str,
        description: str,
        planned_mh: float,
        source_ref: str | None = None,
        inspection: bool = False,
        package: bool = False,
    ) -> dict[str, Any]:
        """An OPEN task card of a started work order, or with ``package`` a routine card of the work
        package planning releases at ``at``, before the work starts."""
        cards = self._cards.setdefault(work_order["id"], [])
        card = self.world.create(
            "task_cards",
            at if package else max(at, work_order["actual_start"]),
            SYSTEM_ACTOR,
            {
                "card_no": f"{work_order['wo_no']}-{len(cards) + 1:03d}",
                "work_order_id": work_order["id"],
                "card_type": card_type,
                "source": source,
                "source_ref": source_ref,
                "ata_chapter": ata,
                "description": description,
                "planned_mh": planned_mh,
                "actual_mh": None,
                "requires_independent_inspection": inspection,
                "performed_by": None,
                "performed_at": None,
                "inspected_by": None,
                "inspected_at": None,
                "status": "OPEN",
            },
            amo_id=work_order["amo_id"],
            department_id=work_order["department_id"],
        )
        cards.append(card)
        return card

    def _signer(self, amo_id: int, at: datetime, *, crs: bool = False) -> dict[str, Any] | None:
        """A certifying person authorised at ``at``; now and then one whose authorisation had lapsed."""
        world, people = self.world, self.people
        if world.rng.random() < LAPSED_SIGNATURE_SHARE:
            lapsed = people.signer(world, amo_id, at, valid=False, crs=crs)
            if lapsed and world.within_yearly_quota(amo_id, "lapsed signature", at, LAPSED_PER_YEAR):
                return lapsed
        return people.signer(world, amo_id, at, crs=crs)

    def perform(self, work_order: dict[str, Any], card: dict[str, Any], at: datetime) -> SignedCard | None:
        """Sign the card as performed (and inspected where required), if ``at`` is in the past."""
        world, people = self.world, self.people
        at = max(at, card["created_at"] + timedelta(minutes=20))
        if not world.is_past(at):
            return None
        amo_id = work_order["amo_id"]
        performer = self._signer(amo_id, at)
        if performer is None:
            return None
        actual = round(card["planned_mh"] * world.rng.uniform(0.7, 1.6), 1)
        world.change(
            "task_cards",
            card,
            at,
            people.actor(performer),
            {"status": "DONE", "performed_by": performer["id"], "performed_at": at, "actual_mh": actual},
            action="SIGN",
            signature="PERFORMED",
        )
        if card["requires_independent_inspection"]:
            self._inspect(work_order, card, performer, at)
        signed = SignedCard(card, work_order, performer, at)
        self.signed.append(signed)
        return signed

    def _inspect(self, work_order: dict[str, Any], card: dict[str, Any], performer: dict[str, Any],
                 performed_at: datetime) -> None:
        """The independent inspection, within hours; when nobody else authorised is at work then,
        the card waits for the next shift that has someone (it never waits for good)."""
        world, people = self.world, self.people
        inspected_at = world.later(performed_at, 0.3, 3)
        for _ in range(INSPECTION_SHIFTS):
            if not world.is_past(inspected_at):
                return
            inspector = people.signer(world, work_order["amo_id"], inspected_at, besides=performer["id"])
            if inspector is not None:
                world.change(
                    "task_cards",
                    card,
                    inspected_at,
                    people.actor(inspector),
                    {"status": "INSPECTED", "inspected_by": inspector["id"], "inspected_at": inspected_at},
                    action="SIGN",
                    signature="INSPECTED",
                )
                return
            inspected_at = world.later(inspected_at, 8, 16)

    def finish(self, work_order: dict[str, Any], at: datetime) -> None:
        """Complete, release (CRS) and close the work order, as far as the history reaches."""
        world, people = self.world, self.people
        cards = self._cards.get(work_order["id"], [])
        waiting = [card for card in cards if card["status"] == "OPEN"
                   or (card["requires_independent_inspection"] and card["inspected_at"] is None)]
        if waiting:
            return  # a card still waits for its sign-off or its inspection: no CRS yet
        at = max([at, work_order["actual_start"]] + [c["updated_at"] for c in cards]) + timedelta(minutes=30)
        if not world.is_past(at):
            return
        lead = people.staff(world, work_order["amo_id"], "PROD", at)
        mh = round(sum(c["actual_mh"] or 0 for c in cards) or work_order["planned_mh"], 1)
        world.change(
            "work_orders",
            work_order,
            at,
            people.actor(lead),
            {"status": "COMPLETED", "actual_end": at, "actual_mh": mh},
            action="STATE_CHANGE",
        )
        crs_at = world.later(at, 0.2, 2)
        certifier = self._signer(work_order["amo_id"], crs_at, crs=True)
        if not world.is_past(crs_at) or certifier is None:
            return
        world.change(
            "work_orders",
            work_order,
            crs_at,
            people.actor(certifier),
            {"status": "CRS_ISSUED", "crs_issued_at": crs_at, "crs_signed_by": certifier["id"]},
            action="SIGN",
            signature="CRS",
            activity=("crs.issued", f"CRS issued for {work_order['wo_no']}"),
        )
        closed_at = world.later(crs_at, 2, 30)
        if world.is_past(closed_at):
            planner = people.staff(world, work_order["amo_id"], "PLAN", closed_at)
            world.change(
                "work_orders",
                work_order,
                closed_at,
                people.actor(planner),
                {"status": "CLOSED"},
                action="STATE_CHANGE",
            )
