"""Fleet: aircraft, their check schedule, daily utilisation and the installed rotables.

Utilisation is the denominator of every reliability rate, so each aircraft flies every day of
the history except while in a check (planned here, worked by the production generator).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.people import People
from simulator.world import SYSTEM_ACTOR, World

# type → (FH per day, FC per day) on a normal flying day
UTILISATION = {"A320-214": (9.5, 4.5), "B737-800": (10.0, 4.2), "ATR72-600": (6.5, 6.5)}
A_CHECK_DAYS = 120
C_CHECK_LENGTH = 18


@dataclass
class Plane:
    """One aircraft with what other generators need to know about it."""

    row: dict[str, Any]
    amo_id: int
    checks: list[tuple[str, date, date]] = field(default_factory=list)  # (wo_type, first day, last day)
    fh_by_day: dict[date, float] = field(default_factory=dict)  # airframe hours at the end of each day
    components: list[dict[str, Any]] = field(default_factory=list)

    def fh_at(self, day: date) -> float:
        return self.fh_by_day.get(day, self.row["tsn_fh"])


def build_fleet(world: World, people: People) -> list[Plane]:
    """Four aircraft per AMO and scale step, flown for the whole history."""
    planes: list[Plane] = []
    rng = world.rng
    msn = 3000
    for amo, spec in zip(people.amos, v.AMOS, strict=True):
        _code, _name, _ref, _regime, _domain, bases, prefix, fleet_mix = spec
        planning = people.department(amo["id"], "PLAN")
        planner = people.staff(world, amo["id"], "PLAN", world.start + timedelta(days=3))
        for _ in range(4 * world.factor):
            type_model = rng.choices([t for t, _ in fleet_mix], [w for _, w in fleet_mix])[0]
            registration = prefix + "".join(rng.choice("ABCDEFGHJKLMNOPRSTUVWXYZ") for _ in range(3))
            while any(p.row["registration"] == registration for p in planes):
                registration = prefix + "".join(rng.choice("ABCDEFGHJKLMNOPRSTUVWXYZ") for _ in range(3))
            msn += rng.randint(7, 400)
            fh_per_day, fc_per_day = UTILISATION[type_model]
            tsn = round(rng.uniform(8_000, 45_000), 1)
            row = world.create(
                "aircraft",
                world.later(world.start, 0, 2),
                people.actor(planner),
                {
                    "amo_id": amo["id"],
                    "registration": registration,
                    "msn": str(msn),
                    "type_model": type_model,
                    "customer_operator": rng.choice(v.OPERATORS[prefix]),
                    "base": rng.choice(bases),
                    "status": "IN_SERVICE",
                    "tsn_fh": tsn,
                    "csn_fc": int(tsn / fh_per_day * fc_per_day),
                    "as_of": world.start.date(),
                },
                amo_id=amo["id"],
                department_id=planning["id"],
                activity=("aircraft.added", f"{registration} ({type_model}) added to the fleet"),
            )
            plane = Plane(row, amo["id"])
            _plan_checks(world, plane)
            _fly(world, plane, planning["id"], fh_per_day, fc_per_day)
            _install_components(world, people, plane)
            planes.append(plane)
    return planes


def _plan_checks(world: World, plane: Plane) -> None:
    rng = world.rng
    day = world.start.date() + timedelta(days=rng.randint(5, A_CHECK_DAYS))
    c_check_start = world.start.date() + timedelta(days=rng.randint(200, 900))
    c_done = rng.random() < 0.5
    while day < world.now.date():
        if not c_done and day >= c_check_start:
            plane.checks.append(("C_CHECK", day, day + timedelta(days=C_CHECK_LENGTH - 1)))
            day += timedelta(days=C_CHECK_LENGTH + A_CHECK_DAYS)
            c_done = True
            continue
        plane.checks.append(("A_CHECK", day, day + timedelta(days=1)))
        day += timedelta(days=A_CHECK_DAYS + rng.randint(-10, 10))


def _fly(world: World, plane: Plane, department_id: int, fh_per_day: float, fc_per_day: float) -> None:
    """A utilisation row per day; monthly hours/cycles reconciliation and check status changes."""
    rng = world.rng
    ground = {c[1] + timedelta(days=i): c for c in plane.checks for i in range((c[2] - c[1]).days + 1)}
    starts = {c[1]: c for c in plane.checks}
    row = plane.row
    fh, fc = row["tsn_fh"], row["csn_fc"]
    in_check = None
    for day in world.days():
        check = ground.get(day)
        if check and day in starts:
            in_check = check
            world.change(
                "aircraft",
                row,
                world.work_time(day) - timedelta(hours=6),
                SYSTEM_ACTOR,
                {"status": "IN_CHECK"},
                action="STATE_CHANGE",
                activity=("aircraft.in_check", f"{row['registration']} inducted for {check[0]}"),
            )
        elif in_check and not check:
            world.change(
                "aircraft",
                row,
                world.work_time(day) - timedelta(hours=6),
                SYSTEM_ACTOR,
                {"status": "IN_SERVICE"},
                action="STATE_CHANGE",
                activity=("aircraft.released", f"{row['registration']} back in service"),
            )
            in_check = None
        day_fh, cycles, delays, cancellations = flying_day(rng, fh_per_day, fc_per_day, grounded=bool(check))
        at = datetime.combine(day, datetime.min.time(), tzinfo=world.now.tzinfo) + timedelta(
            hours=23, minutes=30
        )
        if at >= world.now:
            break
        world.create(
            "aircraft_utilisation",
            at,
            SYSTEM_ACTOR,
            {
                "aircraft_id": row["id"],
                "day": day,
                "fh": day_fh,
                "fc": cycles,
                "departures": cycles,
                "tech_delays_15m": delays,
                "tech_cancellations": cancellations,
            },
            amo_id=plane.amo_id,
            department_id=department_id,
            bookkeeping=False,
            key=f"{row['id']}:{day}",
        )
        fh, fc = round(fh + day_fh, 1), fc + cycles
        plane.fh_by_day[day] = fh
        if (day + timedelta(days=1)).day == 1:
            world.change(
                "aircraft",
                row,
                at + timedelta(minutes=5),
                SYSTEM_ACTOR,
                {"tsn_fh": fh, "csn_fc": fc, "as_of": day},
                reason="Monthly hours and cycles",
            )


def flying_day(rng: random.Random, fh_per_day: float, fc_per_day: float, *, grounded: bool
               ) -> tuple[float, int, int, int]:
    """One day of an aircraft's utilisation: (FH, cycles, technical delays > 15 min, cancellations).

    A grounded aircraft (in a check) does not fly; otherwise about 1.2 % of departures are
    delayed and 0.3 % of flying days lose a cancellation. Shared by the history and the live
    simulator, so both draw days alike.
    """
    if grounded:
        day_fh, cycles = 0.0, 0
    else:
        day_fh = round(max(rng.gauss(fh_per_day, 1.5), 0.5), 1)
        cycles = max(round(day_fh / fh_per_day * fc_per_day + rng.uniform(-1, 1)), 1)
    delays = sum(rng.random() < 0.012 for _ in range(cycles))
    cancellations = int(cycles > 0 and rng.random() < 0.003)
    return day_fh, cycles, delays, cancellations


def _install_components(world: World, people: People, plane: Plane) -> None:
    """The tracked rotables fitted to the aircraft (up to two positions per part number)."""
    engineering = people.department(plane.amo_id, "ENG")
    for ata, part_no, description, qpa, is_llp in v.ROTABLES:
        for position in range(1, min(qpa, 2) + 1):
            plane.components.append(
                new_component(
                    world,
                    plane.row["created_at"],
                    plane.amo_id,
                    engineering["id"],
                    {
                        "part_no": part_no,
                        "description": description,
                        "ata_chapter": ata,
                        "qpa": qpa,
                        "is_llp": is_llp,
                    },
                    installed_on=plane.row["id"],
                    position=f"POS{position}",
                )
            )


def new_component(
    world: World,
    at: datetime,
    amo_id: int,
    department_id: int,
    part: dict[str, Any],
    *,
    installed_on: int | None,
    position: str | None,
) -> dict[str, Any]:
    """A serialised component, installed on an aircraft or in store."""
    rng = world.rng
    tsn = round(rng.uniform(500, 30_000), 1)
    serial = f"{part['part_no'][:3].upper()}{rng.randrange(10, 99)}{world.next_id('component serials'):06d}"
    return world.create(
        "components",
        at,
        SYSTEM_ACTOR,
        {
            **part,
            "serial_no": serial,
            "life_limit_fh": 30_000.0 if part["is_llp"] else None,
            "life_limit_fc": 20_000 if part["is_llp"] else None,
            "life_limit_days": None,
            "tsn": tsn,
            "csn": int(tsn / 2.1),
            "tso": round(tsn * rng.uniform(0.1, 0.9), 1),
            "cso": None,
            "installed_aircraft_id": installed_on,
            "position": position,
            "status": "INSTALLED" if installed_on else "IN_STORE",
        },
        amo_id=amo_id,
        department_id=department_id,
    )
