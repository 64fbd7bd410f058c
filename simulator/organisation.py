"""Organisation: the AMOs, their departments, the roles, the staff (joiners and leavers).

Returns the :class:`People` directory the other generators use to pick who does what.
"""

from __future__ import annotations

from datetime import timedelta

from simulator import vocabulary as v
from simulator.people import People
from simulator.staff import authorise, train
from simulator.world import SYSTEM_ACTOR, World

CERTIFYING_TITLES = {
    "B1 Licensed Engineer": "CRS_B1",
    "B2 Licensed Engineer": "CRS_B2",
    "Shift Supervisor": "CRS_B1",
    "Inspector": "INSPECTOR",
    "NDT Level 2 Technician": "NDT_L2",
    "Quality Auditor": "AUDITOR",
    "Compliance Monitoring Manager": "AUDITOR",
}


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
            train(world, people, user)
            if user["job_title"] in CERTIFYING_TITLES:
                authorise(world, people, amo, user, CERTIFYING_TITLES[user["job_title"]])
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
        # most staff are there from the start, the first of each department (its head) always
        founding = rng.random() < 0.85 or number <= len(codes)
        hired = world.later(world.start, 2, 72) if founding else world.moment()
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
                "mfa_enabled": rng.random() < 0.8,
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
    """A leaver: disabled on the last day by a scheduled action (a few, at most one a year per AMO,
    stay active by mistake)."""
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
    stays_active = world.rng.random() < 0.08 and world.within_yearly_quota(
        user["amo_id"], "leaver still active", left, 1
    )
    if stays_active or action is None:
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
