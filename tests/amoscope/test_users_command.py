"""``amoscope users`` and ``amoscope scheduler run`` against a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from click.testing import CliRunner

from amoscope.cli import main
from auth.command_center import Actor, perform
from warehouse.schema import DEPARTMENT_CODES, amos, departments


def _amo(engine, code="AMO1"):
    with engine.begin() as connection:
        amo_id = connection.execute(amos.insert().values(code=code, name=code)
                                    .returning(amos.c.id)).scalar_one()
        for department in DEPARTMENT_CODES:
            connection.execute(departments.insert().values(amo_id=amo_id, code=department, name=department))


def _run(pg_url, *args, stdin=None):
    env = {"AMOSCOPE_DATABASE_URL": pg_url, "AMOSCOPE_PASSWORD_HASH_PROFILE": "owasp-minimum"}
    return CliRunner().invoke(main, list(args), input=stdin, env=env)


def test_users_create_list_disable_enable_set_role_reset(pg_url, pg_engine):
    _amo(pg_engine)
    created = _run(pg_url, "users", "create", "Root@AMO1.example", "--role", "superuser", "--password-stdin",
                   stdin="a long enough passphrase\n")
    assert created.exit_code == 0, created.output
    assert _run(pg_url, "users", "create", "alice@amo1.example", "--role", "member", "--department", "PROD",
                "--amo", "AMO1").exit_code == 0
    listing = _run(pg_url, "users", "list", "--amo", "AMO1")
    assert listing.exit_code == 0
    assert "root@amo1.example" in listing.output and "alice@amo1.example" in listing.output
    assert "$argon2id$" not in listing.output
    assert _run(pg_url, "users", "disable", "alice@amo1.example", "--reason", "left").exit_code == 0
    assert _run(pg_url, "users", "enable", "alice@amo1.example", "--reason", "back").exit_code == 0
    moved = _run(pg_url, "users", "set-role", "alice@amo1.example", "quality", "--reason", "moved")
    assert moved.exit_code == 0
    reset = _run(pg_url, "users", "reset-password", "alice@amo1.example", "--reason", "forgot")
    assert reset.exit_code == 0 and "/reset/" not in reset.output  # the operator never sees the link
    with pg_engine.connect() as connection:
        actions = connection.execute(sa.text(
            "SELECT action FROM audit_events WHERE auth_method = 'CLI' ORDER BY id")).scalars().all()
        role = connection.execute(sa.text("SELECT r.code FROM users u JOIN roles r ON r.id = u.role_id "
                                          "WHERE username = 'alice@amo1.example'")).scalar_one()
    assert actions == ["CREATE", "CREATE", "ADMIN_DISABLE", "ADMIN_ENABLE", "ADMIN_SET_ROLE", "ADMIN_RESET"]
    assert role == "quality"


def test_users_commands_fail_with_a_clear_message(pg_url, pg_engine):
    _amo(pg_engine)
    missing = _run(pg_url, "users", "create", "bob@amo1.example", "--role", "member")
    assert missing.exit_code == 1 and "needs a department" in missing.output
    weak = _run(pg_url, "users", "create", "bob@amo1.example", "--role", "admin", "--password-stdin",
                stdin="short\n")
    assert weak.exit_code == 1 and "at least 8 characters" in weak.output
    unknown = _run(pg_url, "users", "disable", "ghost@amo1.example", "--reason", "x")
    assert unknown.exit_code == 1 and "no user" in unknown.output
    no_reason = _run(pg_url, "users", "disable", "ghost@amo1.example")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output


def test_scheduler_run_once(pg_url, pg_engine):
    _amo(pg_engine)
    assert _run(pg_url, "users", "create", "alice@amo1.example", "--role", "member", "--department",
                "PROD").exit_code == 0
    with pg_engine.connect() as connection:
        alice = connection.execute(sa.text("SELECT id FROM users")).scalar_one()
    perform(pg_engine, Actor.system("https://a.example"), "user.schedule", alice, "contract end",
            params={"action": "disable", "run_at": datetime.now(UTC) + timedelta(seconds=1)})
    with pg_engine.begin() as connection:
        connection.execute(sa.text("UPDATE scheduled_actions SET run_at = now() - interval '1 minute'"))
    result = _run(pg_url, "scheduler", "run", "--once")
    assert result.exit_code == 0 and "executed 1, failed 0" in result.output
    with pg_engine.connect() as connection:
        assert connection.execute(sa.text("SELECT is_active FROM users")).scalar_one() is False
