"""Quality: findings, corrective actions (CARs) and their evidence.

Findings are L1, L2 or observations; L1/L2 get a CAR due in 7 or 90 days, with MEDA root
causes and extensions. Most CARs close within weeks (L2 median about a month, a tail of
late ones chased after their due date, none but one planted stalled CAR still open past the
90-day horizon at the as-of date); an effectiveness check follows closure and now and then
fails, raising a repeat finding (the bands a real Part-145 shows: docs/synthetic-data.md).
Audits (``audits.py``), safety occurrences and tool recalls raise their findings through
:meth:`Quality.raise_finding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simulator import vocabulary as v
from simulator.people import People
from simulator.world import SYSTEM_ACTOR, World

DUE_DAYS = {"L1": 7, "L2": 90}
# median days from CAR opened to implemented, per level (lognormal, so a tail of slow ones)
IMPLEMENT_MEDIAN_DAYS = {"L1": 3, "L2": 24}
# hours from implemented to verified and closed: a level-1 CAR (immediate action, due in 7 days)
# is verified within a day or two, not left for a week past its due date
VERIFY_HOURS = {"L1": (2, 48), "L2": (12, 24 * 7)}
REPEAT_WINDOW = timedelta(days=730)
LATE_SHARE = 0.06  # CARs implemented after their deadline, beside the slow tail of the lognormal
AGEING_HORIZON = timedelta(days=90)  # the level-2 due period: CARs older than this are chased


@dataclass
class Quality:
    """Numbers findings and CARs per AMO and remembers the findings per paragraph and department."""

    world: World
    people: People
    _earlier: dict[tuple[int, str, int], list[dict[str, Any]]] = field(default_factory=dict)

    def _number(self, prefix: str, amo: dict, at: datetime) -> str:
        return f"{amo['code']}-{prefix}{at:%y}-{self.world.next_id(prefix + ' numbers'):05d}"

    def would_repeat(self, amo: dict, regulation_ref: str, dept_code: str, at: datetime) -> bool:
        """True when a finding on this paragraph and department was raised within 24 months of
        ``at``, before or after (the generators do not run in time order), so a finding there
        would count as a repeat."""
        department = self.people.department(amo["id"], dept_code)
        earlier = self._earlier.get((amo["id"], regulation_ref, department["id"]), [])
        return any(abs(f["raised_at"] - at) < REPEAT_WINDOW for f in earlier)

    def raise_finding(
        self,
        amo: dict,
        dept_code: str,
        at: datetime,
        *,
        level: str,
        regulation_ref: str,
        description: str,
        source: str,
        audit: dict | None = None,
        safety_report: dict | None = None,
        raised_by: dict | None = None,
    ) -> dict[str, Any]:
        """A finding and its CAR; a repeat when one on the same paragraph and department closed within
        the 24 months before."""
        world, people = self.world, self.people
        department = people.department(amo["id"], dept_code)
        raiser = raised_by or people.staff(world, amo["id"], "QUAL", at)
        earlier = self._earlier.setdefault((amo["id"], regulation_ref, department["id"]), [])
        closed = [
            f for f in earlier if f["closed_at"] and f["closed_at"] <= at < f["closed_at"] + REPEAT_WINDOW
        ]
        repeat = max(closed, key=lambda f: f["closed_at"]) if closed else None
        due = (at + timedelta(days=DUE_DAYS[level])).date() if level in DUE_DAYS else None
        finding = world.create(
            "findings",
            at,
            people.actor(raiser),
            {
                "amo_id": amo["id"],
                "finding_no": self._number("F", amo, at),
                "audit_id": audit["id"] if audit else None,
                "source": source,
                "safety_report_id": safety_report["id"] if safety_report else None,
                "level": level,
                "regulation_ref": regulation_ref,
                "moe_ref": f"MOE {world.rng.randint(1, 3)}.{world.rng.randint(1, 16)}",
                "department_id": department["id"],
                "description": description,
                "raised_by": raiser["id"],
                "raised_at": at,
                "target_date": due,
                "status": "OPEN",
                "closed_at": None,
                "repeat_of_finding_id": repeat["id"] if repeat else None,
            },
            amo_id=amo["id"],
            department_id=department["id"],
            activity=("finding.raised", f"{level} finding against {regulation_ref} ({department['code']})"),
        )
        earlier.append(finding)
        if level == "OBS":
            closed = world.later(at, 2, 24 * 10)
            if world.is_past(closed):
                world.change(
                    "findings",
                    finding,
                    closed,
                    people.actor(raiser),
                    {"status": "CLOSED", "closed_at": closed},
                    action="STATE_CHANGE",
                )
        else:
            self._corrective_action(amo, finding, department, due)
        return finding

    def _corrective_action(self, amo: dict, finding: dict, department: dict, due: date) -> None:
        world, people, rng = self.world, self.people, self.world.rng
        raised = finding["raised_at"]
        window = timedelta(days=DUE_DAYS[finding["level"]])
        opened = world.later(raised, 0.5, 24)
        if not world.is_past(opened):
            return
        owner = people.staff(world, amo["id"], department["code"], opened)
        car = world.create(
            "cars",
            opened,
            people.actor(people.users[finding["raised_by"]]),
            {
                "amo_id": amo["id"],
                "car_no": self._number("CAR", amo, opened),
                "finding_id": finding["id"],
                "owner_user_id": owner["id"],
                "department_id": department["id"],
                "immediate_action": "Containment: affected work stopped and reviewed"
                if finding["level"] == "L1"
                else None,
                "root_cause_category": None,
                "root_cause_text": None,
                "corrective_action": None,
                "preventive_action": None,
                "due_date": due,
                "extended_due_date": None,
                "extension_count": 0,
                "cap_submitted_at": None,
                "cap_accepted_at": None,
                "implemented_at": None,
                "verified_by": None,
                "verified_at": None,
                "effectiveness_due_at": None,
                "effectiveness_result": None,
                "closed_at": None,
                "status": "OPEN",
            },
            amo_id=amo["id"],
            department_id=department["id"],
            activity=("car.opened", f"CAR for {finding['finding_no']} due {due:%d %b %Y}"),
        )
        owner_actor, quality_actor = people.actor(owner), people.actor(people.users[finding["raised_by"]])
        steps = [
            (
                window * rng.uniform(0.05, 0.3),
                "CAP_SUBMITTED",
                owner_actor,
                lambda at: {
                    "cap_submitted_at": at,
                    "root_cause_category": rng.choice(v.MEDA_CATEGORIES),
                    "root_cause_text": "Procedure step unclear and not covered by recurrent training",
                    "corrective_action": "Procedure amended; staff briefed",
                    "preventive_action": "Topic added to continuation training",
                },
            ),
            (
                window * rng.uniform(0.02, 0.1),
                "CAP_ACCEPTED",
                quality_actor,
                lambda at: {"cap_accepted_at": at},
            ),
        ]
        at = opened
        for delay, status, actor, values in steps:
            at = at + delay
            if not world.is_past(at):
                return
            world.change("cars", car, at, actor, {"status": status, **values(at)}, action="STATE_CHANGE")
            world.change("findings", finding, at, actor, {"status": status}, action="STATE_CHANGE")
            if status == "CAP_SUBMITTED":
                self._attach(car, at, owner)
        deadline = datetime.combine(due, time(17), tzinfo=UTC)
        if rng.random() < 0.12:  # postponement requested and accepted
            extension_at = max(at, deadline - timedelta(days=rng.randint(1, 5)))
            extended = due + timedelta(days=rng.choice((14, 30, 60)))
            if not world.is_past(extension_at):
                return
            world.change(
                "cars",
                car,
                extension_at,
                quality_actor,
                {"extended_due_date": extended, "extension_count": 1},
                reason="Extension accepted: parts lead time",
                activity=("car.extended", f"{car['car_no']} extended to {extended:%d %b %Y}"),
            )
            deadline = datetime.combine(extended, time(17), tzinfo=UTC)
            at = extension_at
        stalls = deadline < world.now - timedelta(days=10) and opened > world.now - timedelta(days=150)
        if finding["level"] == "L2" and stalls and world.plant(amo["id"], "stalled CAR"):
            return  # planted: stalled after acceptance, overdue some weeks by now
        # implemented some days to weeks after opening; a few after their deadline (chased, then
        # done within three weeks, so the p90 closure time stays near the 90-day target), never
        # left for years
        median = IMPLEMENT_MEDIAN_DAYS[finding["level"]]
        implemented = opened + timedelta(days=median * rng.lognormvariate(0, 0.6))
        implemented = max(implemented, at + timedelta(hours=rng.uniform(4, 72)))
        if rng.random() < LATE_SHARE or implemented > deadline:
            implemented = max(deadline, at) + timedelta(days=rng.uniform(2, 21))
        verified = world.later(implemented, *VERIFY_HOURS[finding["level"]])
        if not world.is_past(verified) and opened < world.now - AGEING_HORIZON:
            # chased: past the 90-day horizon only the planted CAR is still open at the as-of date
            implemented = world.moment(max(at, min(deadline, world.now - timedelta(days=2))),
                                       world.now - timedelta(days=1))
            verified = world.moment(implemented, world.now)
        if not world.is_past(implemented):
            return
        world.change(
            "cars",
            car,
            implemented,
            owner_actor,
            {"status": "IMPLEMENTED", "implemented_at": implemented},
            action="STATE_CHANGE",
        )
        self._attach(car, implemented, owner)
        if not world.is_past(verified):
            return
        effectiveness_due = verified + timedelta(days=90)
        world.change(
            "cars",
            car,
            verified,
            quality_actor,
            {
                "status": "CLOSED",
                "verified_by": quality_actor.user_id,
                "verified_at": verified,
                "closed_at": verified,
                "effectiveness_due_at": effectiveness_due,
                "effectiveness_result": "PENDING",
            },
            action="STATE_CHANGE",
            activity=("car.closed", f"{car['car_no']} closed"),
        )
        world.change(
            "findings",
            finding,
            verified,
            quality_actor,
            {"status": "CLOSED", "closed_at": verified},
            action="STATE_CHANGE",
        )
        checked = world.later(effectiveness_due, -24 * 10, 24 * 20)
        if rng.random() < 0.03 or not world.is_past(checked):
            return  # never checked: "effectiveness check overdue" once the due date passes
        result = "NOT_EFFECTIVE" if rng.random() < 0.05 else "EFFECTIVE"
        world.change(
            "cars",
            car,
            checked,
            quality_actor,
            {"effectiveness_result": result},
            activity=("car.effectiveness_checked", f"{car['car_no']} effectiveness: {result}"),
        )
        if result == "NOT_EFFECTIVE":
            self.raise_finding(
                amo,
                department["code"],
                checked,
                level="L2",
                regulation_ref=finding["regulation_ref"],
                source="INTERNAL_AUDIT",
                description=f"Repeat: {finding['description']}",
            )

    def _attach(self, car: dict, at: datetime, owner: dict) -> None:
        """Evidence with its SHA-256 at upload; a later re-verification finds a few mismatches."""
        world, rng = self.world, self.world.rng
        media = rng.choice(
            (
                ("pdf", "application/pdf"),
                ("jpg", "image/jpeg"),
                ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        )
        name = f"{car['car_no']}-evidence-{world.next_id('attachment numbers')}.{media[0]}"
        attachment = world.create(
            "car_attachments",
            at,
            self.people.actor(owner),
            {
                "car_id": car["id"],
                "filename": name,
                "media_type": media[1],
                "size_bytes": rng.randint(20_000, 9_000_000),
                "sha256": f"{rng.getrandbits(256):064x}",
                "storage_uri": f"s3://amo-evidence/{car['car_no']}/{name}",
                "uploaded_by": owner["id"],
                "uploaded_at": at,
                "last_verified_at": at,
                "verify_status": "OK",
            },
            amo_id=car["amo_id"],
            department_id=car["department_id"],
        )
        recheck = world.moment(max(at, world.now - timedelta(days=7)), world.now)
        # planted once per AMO: a file changed since upload, for the integrity card
        planted = at > world.now - timedelta(days=365) and world.plant(car["amo_id"], "evidence mismatch")
        status = "MISMATCH" if planted else "OK"
        world.change(
            "car_attachments",
            attachment,
            recheck,
            SYSTEM_ACTOR,
            {"last_verified_at": recheck, "verify_status": status},
        )
