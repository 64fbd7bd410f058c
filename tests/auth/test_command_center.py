"""The user command center services: policy, reason, one transaction with audit and activity
rows, idempotency, refusals, scheduling (checklist D32, D33, D36, G55; DOMAIN §3.9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from auth_test_support import make_amo, make_user, sql_count

from auth.command_center import Actor, cancel_schedule, perform
from auth.errors import ActionRefused, PermissionDenied, UnknownUser
from auth.scheduler import run_due
from auth.sessions import SessionUser, start_session
from warehouse.events import RequestContext

BASE = "https://amoscope.example"


def _actor(engine, username: str) -> Actor:
    with engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT u.id, u.amo_id, u.department_id, r.code AS role, a.code AS amo, d.code AS dept "
            "FROM users u JOIN roles r ON r.id = u.role_id JOIN amos a ON a.id = u.amo_id "
            "JOIN departments d ON d.id = u.department_id WHERE username = :u"), {"u": username}).one()
    with engine.begin() as connection:
        session_id = start_session(connection, row.id, 1, ip="10.0.0.1", user_agent="test")[1]
    user = SessionUser(session_id=session_id, session_key="k", user_id=row.id, username=username,
                       full_name=username, role=row.role, amo_id=row.amo_id, amo_code=row.amo,
                       department_id=row.department_id, department_code=row.dept)
    context = RequestContext(actor_user_id=row.id, actor_role=row.role, auth_method="SESSION", ip="10.0.0.1")
    return Actor.from_session(user, context, BASE)


@pytest.fixture
def people(pg_engine, amo_id):
    make_user(pg_engine, "root@amo1.example", "superuser")
    make_user(pg_engine, "boss@amo1.example", "admin")
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    return {"admin": _actor(pg_engine, "boss@amo1.example"), "target": target}


ACTIONS = [
    ("user.disable", {}, "ADMIN_DISABLE", "users", "user.disabled"),
    ("user.revoke_sessions", {}, "ADMIN_REVOKE", "users", "user.sessions_revoked"),
    ("user.reset_password", {}, "ADMIN_RESET", "users", "user.password_reset"),
    ("user.notify", {"subject": "Toolbox talk", "body": "Hangar 2 at 10:00"}, "ADMIN_NOTIFY",
     "notifications", "user.notified"),
    ("user.schedule", {"action": "disable", "run_at": datetime.now(UTC) + timedelta(days=30)},
     "ADMIN_SCHEDULE", "scheduled_actions", "user.action_scheduled"),
]


def test_each_action_writes_audit_with_before_after_and_activity(pg_engine, people):
    """Every action: its audit row (reason, actor, before/after, version) and its activity row
    in the ADMIN department's feed."""
    with pg_engine.connect() as connection:
        admin_department = connection.execute(sa.text(
            "SELECT id FROM departments WHERE code = 'ADMIN'")).scalar_one()
    for n, (action, params, audit, entity, kind) in enumerate(ACTIONS):
        target = make_user(pg_engine, f"target{n}@amo1.example", "member", "PROD")
        outcome = perform(pg_engine, people["admin"], action, target, f"contract ended {n}", params=params)
        assert outcome.changed
        with pg_engine.connect() as connection:
            event = connection.execute(sa.text("SELECT * FROM audit_events WHERE action = :a"),
                                       {"a": audit}).mappings().one()
            activity = connection.execute(sa.text("SELECT * FROM activity_events WHERE kind = :k"),
                                          {"k": kind}).mappings().one()
        assert event["reason"] == f"contract ended {n}" and event["outcome"] == "SUCCESS"
        assert event["entity_type"] == entity and event["actor_user_id"] == people["admin"].user_id
        assert event["after"] and "password_hash" not in event["after"]
        assert "change_txid" not in event["after"]
        if entity == "users":
            # ``before`` holds the previous values of the changed fields only.
            assert event["before"]
            assert all(event["after"][key] != value for key, value in event["before"].items())
            assert {"row_version", "updated_at"} <= set(event["before"])
            assert event["entity_version"] == event["after"]["row_version"] == 2
        assert activity["department_id"] == admin_department and activity["summary"]


def test_disable_and_enable_round_trip_and_retry_is_a_no_op(pg_engine, people):
    admin, target = people["admin"], people["target"]
    assert perform(pg_engine, admin, "user.disable", target, "left").changed
    assert not perform(pg_engine, admin, "user.disable", target, "left").changed
    assert perform(pg_engine, admin, "user.enable", target, "rehired").changed
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action IN "
                                "('ADMIN_DISABLE', 'ADMIN_ENABLE') AND outcome = 'SUCCESS'") == 2
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE is_active AND id = :t", t=target) == 1


def test_idempotency_key_makes_a_retry_a_no_op(pg_engine, people):
    for _ in range(3):
        perform(pg_engine, people["admin"], "user.notify", people["target"], "briefing",
                params={"subject": "Briefing", "body": "At 9"}, idempotency_key="form-123")
    assert sql_count(pg_engine, "SELECT count(*) FROM notifications") == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'ADMIN_NOTIFY'") == 1


def test_a_failure_in_the_middle_leaves_no_partial_change(pg_engine, people):
    """The activity insert fails after the user row and the audit row were written: nothing stays."""
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("""
            CREATE FUNCTION fail_activity() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'activity store unavailable'; END $$;
            CREATE TRIGGER fail_activity BEFORE INSERT ON activity_events
            FOR EACH ROW EXECUTE FUNCTION fail_activity();""")
    before = sql_count(pg_engine, "SELECT count(*) FROM audit_events")
    with pytest.raises(sa.exc.DBAPIError):
        perform(pg_engine, people["admin"], "user.disable", people["target"], "left")
    target = people["target"]
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE is_active AND id = :t", t=target) == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events") == before
    assert sql_count(pg_engine, "SELECT max(session_version) FROM users WHERE id = :t", t=target) == 1


def test_reason_is_mandatory(pg_engine, people):
    for reason in ("", "   "):
        with pytest.raises(ActionRefused, match="reason"):
            perform(pg_engine, people["admin"], "user.disable", people["target"], reason)
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0


def test_admin_self_harm_and_last_superuser(pg_engine, people):
    """D36: disabling yourself or the last active superuser is refused, and audited as a failure."""
    admin = people["admin"]
    with pytest.raises(ActionRefused, match="own account"):
        perform(pg_engine, admin, "user.disable", admin.user_id, "oops")
    root = _actor(pg_engine, "root@amo1.example")
    with pytest.raises(ActionRefused, match="own account"):
        perform(pg_engine, root, "user.disable", root.user_id, "oops")
    with pytest.raises(ActionRefused, match="last active superuser"):
        perform(pg_engine, Actor.system(BASE), "user.disable", root.user_id, "cleanup")
    with pytest.raises(ActionRefused, match="last active superuser"):
        perform(pg_engine, Actor.system(BASE), "user.set_role", root.user_id, "cleanup",
                params={"role": "admin"})
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE outcome = 'FAILURE'") == 4


def test_other_amo_users_are_invisible(pg_engine, people):
    make_amo(pg_engine, "AMO2")
    foreign = make_user(pg_engine, "eve@amo2.example", "member", "PROD", amo="AMO2")
    with pytest.raises(UnknownUser):
        perform(pg_engine, people["admin"], "user.disable", foreign, "not mine")
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'") == 1


def test_vertical_escalation_is_refused(pg_engine, people):
    """D33: an admin cannot change roles or touch a superuser; a member can do nothing."""
    root_id = _actor(pg_engine, "root@amo1.example").user_id
    with pytest.raises(PermissionDenied):
        perform(pg_engine, people["admin"], "user.set_role", people["target"], "promote",
                params={"role": "admin"})
    with pytest.raises(PermissionDenied):
        perform(pg_engine, people["admin"], "user.disable", root_id, "coup")
    member = _actor(pg_engine, "alice@amo1.example")
    for action in ("user.disable", "user.notify", "user.reset_password"):
        with pytest.raises(PermissionDenied):
            perform(pg_engine, member, action, root_id, "why not")
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'") == 5
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0


def test_notify_injection_is_rejected(pg_engine, people):
    """F52: a subject with CR/LF is refused."""
    with pytest.raises(ActionRefused, match="one line"):
        perform(pg_engine, people["admin"], "user.notify", people["target"], "x",
                params={"subject": "Hi\r\nBcc: all@example.com", "body": "text"})
    assert sql_count(pg_engine, "SELECT count(*) FROM notifications") == 0


def test_schedule_abuse_is_rejected(pg_engine, people):
    """F53: a time in the past, now, too far ahead or missing, or an unknown action, is refused."""
    now = datetime.now(UTC)
    for action, when in (("disable", now), ("disable", now - timedelta(days=1)),
                         ("disable", now + timedelta(days=4000)), ("disable", None),
                         ("disable", now.replace(tzinfo=None) + timedelta(days=1)),
                         ("delete", now + timedelta(days=1))):
        with pytest.raises(ActionRefused):
            perform(pg_engine, people["admin"], "user.schedule", people["target"], "x",
                    params={"action": action, "run_at": when})
    assert sql_count(pg_engine, "SELECT count(*) FROM scheduled_actions") == 0


def test_scheduler_runs_due_actions_and_cancel_stops_them(pg_engine, people):
    admin, target = people["admin"], people["target"]
    soon = datetime.now(UTC) + timedelta(minutes=5)
    disable = perform(pg_engine, admin, "user.schedule", target, "contract end",
                      params={"action": "disable", "run_at": soon})
    notify = perform(pg_engine, admin, "user.schedule", target, "reminder",
                     params={"action": "notify", "run_at": soon,
                             "params": {"subject": "Bye", "body": "Thanks"}})
    cancel_schedule(pg_engine, admin, notify.entity_id, "not needed")
    assert run_due(pg_engine, BASE).executed == 0  # not due yet
    result = run_due(pg_engine, BASE, now=soon + timedelta(seconds=1))
    assert (result.executed, result.failed) == (1, 0)
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active AND id = :t", t=target) == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM notifications") == 0
    with pg_engine.connect() as connection:
        statuses = dict(connection.exec_driver_sql("SELECT id, status FROM scheduled_actions").all())
        executed = connection.exec_driver_sql(
            "SELECT auth_method, on_behalf_of FROM audit_events WHERE action = 'ADMIN_DISABLE'").one()
    assert statuses == {disable.entity_id: "DONE", notify.entity_id: "CANCELLED"}
    assert executed == ("SYSTEM", admin.user_id)
    assert run_due(pg_engine, BASE, now=soon + timedelta(minutes=1)).executed == 0


def test_scheduled_action_that_became_nonsense_fails_cleanly(pg_engine, people):
    root = _actor(pg_engine, "root@amo1.example")
    soon = datetime.now(UTC) + timedelta(minutes=5)
    perform(pg_engine, root, "user.schedule", people["admin"].user_id, "x", params={"action": "disable",
                                                                                   "run_at": soon})
    with pg_engine.begin() as connection:  # the admin became the last superuser meanwhile
        connection.exec_driver_sql("UPDATE users SET role_id = (SELECT id FROM roles "
                                   "WHERE code = 'superuser') WHERE username = 'boss@amo1.example'")
        connection.exec_driver_sql("UPDATE users SET is_active = false WHERE username = 'root@amo1.example'")
    result = run_due(pg_engine, BASE, now=soon + timedelta(seconds=1))
    assert (result.executed, result.failed) == (0, 1)
    assert sql_count(pg_engine, "SELECT count(*) FROM scheduled_actions WHERE status = 'FAILED' "
                                "AND result LIKE '%last active superuser%'") == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE is_active "
                                "AND username = 'boss@amo1.example'") == 1


def test_an_admin_disabled_mid_request_acts_no_more(pg_engine, people):
    """C23: the actor's account and session are rechecked inside the action's transaction."""
    admin = people["admin"]
    perform(pg_engine, Actor.system(BASE), "user.revoke_sessions", admin.user_id, "laptop stolen")
    with pytest.raises(PermissionDenied, match="session has ended"):
        perform(pg_engine, admin, "user.disable", people["target"], "left")
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'AUTHZ_DENIED'") == 1
