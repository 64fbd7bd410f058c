"""Organisation and people: AMOs, departments, roles, users, authorisations and training.

Returns a :class:`People` directory the other generators use to pick who does what, and to
know whether a certifying person held a valid authorisation at a given moment (so sign-offs
are valid, except for the few deliberate lapses the compliance dashboards must catch).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from etl.generator import vocabulary as v
from etl.generator.world import SYSTEM_ACTOR, Actor, World

AUTHORISATION_DAYS = 730
CERTIFYING_TITLES = {
    "B1 Licensed Engineer": "CRS_B1",
    "B2 Licensed Engineer": "CRS_B2",
    "Shift Supervisor": "CRS_B1",
    "Inspector": "INSPECTOR",
    "NDT Level 2 Technician": "NDT_L2",
    "Quality Auditor": "AUDITOR",
    "Compliance Monitoring Manager": "AUDITOR",
}


@dataclass
class People:
    """Who works where, and when their authorisations were valid."""

    amos: list[dict[str, Any]] = field(default_factory=list)
    departments: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    by_department: dict[tuple[int, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    certifying: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    role_codes: dict[int, str] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    # user id → sorted (issued_at, expires_at) periods of a valid authorisation
    periods: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=lambda: defaultdict(list))

    def department(self, amo_id: int, code: str) -> dict[str, Any]:
        return self.departments[(amo_id, code)]

    def actor(self, user: dict[str, Any]) -> Actor:
        return Actor(user["id"], self.role_codes[user["role_id"]])

    def staff(self, world: World, amo_id: int, code: str, at: datetime) -> dict[str, Any]:
        """Someone of department ``code`` who was employed at ``at``."""
        members = self.by_department[(amo_id, code)]
        return _choose(world, members, lambda u: _employed(u, at)) or world.rng.choice(members)

    def is_authorised(self, user_id: int, at: datetime) -> bool:
        """True when ``user_id`` held a valid authorisation at ``at``."""
        spans = self.periods.get(user_id, [])
        index = bisect.bisect_right(spans, (at, at)) - 1
        return index >= 0 and spans[index][0] <= at < spans[index][1]

    def signer(self, world: World, amo_id: int, at: datetime, *, valid: bool = True) -> dict[str, Any] | None:
        """A certifying person who was (or, with ``valid=False``, was not) authorised at ``at``."""
        return _choose(
            world,
            self.certifying[amo_id],
            lambda u: _employed(u, at) and self.is_authorised(u["id"], at) == valid,
        )


def _employed(user: dict[str, Any], at: datetime) -> bool:
    return user["created_at"] <= at and (user["left_at"] is None or at < user["left_at"])


def _choose(world: World, people: list[dict], fits: Callable[[dict], bool]) -> dict[str, Any] | None:
    """A random person who ``fits``: a few random draws first (most people fit), then a full scan."""
    for _ in range(12 if people else 0):
        person = world.rng.choice(people)
        if fits(person):
            return person
    pool = [person for person in people if fits(person)]
    return world.rng.choice(pool) if pool else None


def build_organisation(world: World) -> People:
    """The two AMOs, their nine departments each, the roles and ~100 staff per AMO per scale step."""
    people = People()
    roles = {}
    for code, name, description in v.ROLES:
        roles[code] = world.create(
            "roles",
            world.start,
            SYSTEM_ACTOR,
            {"code": code, "name": name, "description": description},
            amo_id=None,
            department_id=None,
            bookkeeping=False,
        )
    founded = world.start
    used_emails: set[str] = set()
    for code, name, approval, regime, domain, _bases, _prefix, _fleet in v.AMOS:
        amo = world.create(
            "amos",
            founded,
            SYSTEM_ACTOR,
            {"code": code, "name": name, "approval_ref": approval, "regime": regime},
            amo_id=None,
            department_id=None,
        )
        world.set_scope("amos", amo["id"], amo["id"], None)
        people.amos.append(amo)
        for dept_code, dept_name in v.DEPARTMENTS:
            dept = world.create(
                "departments",
                founded,
                SYSTEM_ACTOR,
                {
                    "amo_id": amo["id"],
                    "code": dept_code,
                    "name": dept_name,
                    "parent_id": None,
                    "head_user_id": None,
                },
                amo_id=amo["id"],
                department_id=None,
            )
            world.set_scope("departments", dept["id"], amo["id"], dept["id"])
            people.departments[(amo["id"], dept_code)] = dept
        _hire_staff(world, people, amo, domain, roles, used_emails, 100 * world.factor)
        for dept_code, _ in v.DEPARTMENTS:
            dept = people.department(amo["id"], dept_code)
            head = people.by_department[(amo["id"], dept_code)][0]
            world.change(
                "departments",
                dept,
                world.later(head["created_at"], 1, 48),
                SYSTEM_ACTOR,
                {"head_user_id": head["id"]},
            )
    for amo in people.amos:
        for user in [u for dept in v.DEPARTMENTS for u in people.by_department[(amo["id"], dept[0])]]:
            _train(world, people, user)
            if user["job_title"] in CERTIFYING_TITLES:
                _authorise(world, people, amo, user, CERTIFYING_TITLES[user["job_title"]])
    return people


def _hire_staff(
    world: World, people: People, amo: dict, domain: str, roles: dict, used: set[str], count: int
) -> None:
    rng = world.rng
    codes = list(v.DEPARTMENT_WEIGHTS)
    weights = list(v.DEPARTMENT_WEIGHTS.values())
    plan = list(codes) + rng.choices(codes, weights, k=count - len(codes))
    admin = None
    for number, dept_code in enumerate(plan, start=1):
        first, last = rng.choice(v.FIRST_NAMES), rng.choice(v.LAST_NAMES)
        email = f"{first}.{last}@{domain}".lower()
        suffix = 2
        while email in used:
            email, suffix = f"{first}.{last}{suffix}@{domain}".lower(), suffix + 1
        used.add(email)
        titles = v.JOB_TITLES[dept_code]
        title = titles[0] if number <= len(codes) else rng.choice(titles)
        role = _role_for(dept_code, number, title)
        hired = world.later(world.start, 2, 72) if rng.random() < 0.85 else world.moment()
        dept = people.department(amo["id"], dept_code)
        actor = people.actor(admin) if admin else SYSTEM_ACTOR
        user = world.create(
            "users",
            hired,
            actor,
            {
                "amo_id": amo["id"],
                "department_id": dept["id"],
                "role_id": roles[role]["id"],
                "username": email,
                "email": email,
                "employee_no": f"{amo['code']}{number:05d}",
                "full_name": f"{first} {last}",
                "job_title": title,
                "is_active": True,
                "disabled_at": None,
                "disabled_reason": None,
                "left_at": None,
                "mfa_enabled": rng.random() < 0.35,
                "password_hash": None,
                "password_changed_at": None,
                "session_version": 1,
                "last_login_at": None,
            },
            amo_id=amo["id"],
            department_id=dept["id"],
            action="ADMIN_CREATE_USER",
            activity=("user.created", f"{first} {last} joined {dept['name']}"),
        )
        people.role_codes[roles[role]["id"]] = role
        people.by_department[(amo["id"], dept_code)].append(user)
        people.users[user["id"]] = user
        if title in CERTIFYING_TITLES and dept_code in ("PROD", "WKSP"):
            people.certifying[amo["id"]].append(user)
        if role in ("admin", "superuser") and admin is None:
            admin = user
        if number > len(codes) and rng.random() < 0.07:
            _leave(world, people, user, admin or user)


def _role_for(dept_code: str, number: int, title: str) -> str:
    if dept_code == "ADMIN":
        return "superuser" if number == 9 else "admin"
    if dept_code == "QUAL":
        return "auditor" if title == "Quality Engineer" else "quality"
    return "member"


def _leave(world: World, people: People, user: dict, admin: dict) -> None:
    """A leaver: disabled on the last day by a scheduled action (a few stay active by mistake)."""
    left = world.moment(world.later(user["created_at"], 24 * 60, 24 * 200))
    if not world.is_past(left):
        return
    scheduled_at = left - timedelta(days=world.rng.randint(3, 14))
    action = None
    if scheduled_at > user["created_at"]:
        action = world.create(
            "scheduled_actions",
            scheduled_at,
            people.actor(admin),
            {
                "amo_id": user["amo_id"],
                "target_user_id": user["id"],
                "action": "disable",
                "params": {},
                "reason": "Leaver: last working day",
                "run_at": left,
                "status": "PENDING",
                "created_at": scheduled_at,
                "created_by": admin["id"],
                "executed_at": None,
                "result": None,
                "cancelled_at": None,
                "cancelled_by": None,
            },
            amo_id=user["amo_id"],
            department_id=None,
            bookkeeping=False,
            action="ADMIN_SCHEDULE",
            reason="Leaver: last working day",
        )
    if world.rng.random() < 0.15 or action is None:
        world.change("users", user, left, people.actor(admin), {"left_at": left}, reason="HR leaver notice")
        return
    world.change(
        "users",
        user,
        left,
        SYSTEM_ACTOR,
        {
            "left_at": left,
            "is_active": False,
            "disabled_at": left,
            "disabled_reason": "Left the organisation",
            "session_version": user["session_version"] + 1,
        },
        action="ADMIN_DISABLE",
        reason="Leaver: last working day",
        activity=("user.disabled", f"{user['full_name']} left; account disabled"),
    )
    world.change(
        "scheduled_actions",
        action,
        left,
        SYSTEM_ACTOR,
        {"status": "DONE", "executed_at": left, "result": "account disabled"},
        action="STATE_CHANGE",
    )


def _train(world: World, people: People, user: dict) -> None:
    """Recurrent courses every two years from hiring on; a few failed attempts."""
    rng = world.rng
    quality = people.department(user["amo_id"], "QUAL")
    for course, course_type, validity in rng.sample(v.COURSES, k=3):
        done = world.later(user["created_at"], 24 * 5, 24 * 200)
        while world.is_past(done) and (user["left_at"] is None or done < user["left_at"]):
            result = "FAIL" if rng.random() < 0.04 else "PASS"
            world.create(
                "training_records",
                done,
                SYSTEM_ACTOR,
                {
                    "user_id": user["id"],
                    "course_code": course,
                    "course_type": course_type,
                    "completed_at": done,
                    "valid_until": done + timedelta(days=validity) if result == "PASS" else None,
                    "result": result,
                    "provider": "In-house training",
                    "certificate_sha256": f"{rng.getrandbits(256):064x}" if result == "PASS" else None,
                },
                amo_id=user["amo_id"],
                department_id=quality["id"],
            )
            done = world.later(done, 24 * (validity - 60), 24 * (validity - 5))


def _authorise(world: World, people: People, amo: dict, user: dict, auth_type: str) -> None:
    """Two-year authorisations renewed on time, but for a few lapses of some weeks."""
    rng = world.rng
    quality_head = people.by_department[(amo["id"], "QUAL")][0]
    quality = people.department(amo["id"], "QUAL")
    issued = world.later(user["created_at"], 24 * 2, 24 * 20)
    if user["created_at"] <= world.later(world.start, 0, 73):  # staff from before: mid-validity
        issued = issued - timedelta(days=rng.randint(0, AUTHORISATION_DAYS - 30))
    while world.is_past(issued) and (user["left_at"] is None or issued < user["left_at"]):
        expires = issued + timedelta(days=AUTHORISATION_DAYS)
        at = max(issued, user["created_at"])
        row = world.create(
            "staff_authorisations",
            at,
            people.actor(quality_head),
            {
                "user_id": user["id"],
                "auth_type": auth_type,
                "scope": "A320/B737/ATR72 line and base",
                "licence_no": f"{amo['code']}.66.{rng.randrange(10**5):05d}",
                "issued_by": quality_head["id"],
                "issued_at": issued,
                "expires_at": expires,
                "status": "valid",
                "last_experience_check_at": issued,
                "suspension_reason": None,
            },
            amo_id=amo["id"],
            department_id=quality["id"],
            activity=("authorisation.issued", f"{auth_type} authorisation issued to {user['full_name']}"),
        )
        people.periods[user["id"]].append((issued, expires))
        if world.is_past(expires):
            world.change(
                "staff_authorisations",
                row,
                expires,
                SYSTEM_ACTOR,
                {"status": "expired"},
                action="STATE_CHANGE",
            )
        lapse = rng.randint(12, 45) if rng.random() < 0.12 else -rng.randint(1, 20)
        issued = expires + timedelta(days=lapse)
    people.periods[user["id"]].sort()
