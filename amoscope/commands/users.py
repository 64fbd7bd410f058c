"""``amoscope users``: accounts for operators (create, list, disable, enable, reset, set role).

The operator acts as the system (audited with auth_method CLI); every change goes through the
same command-center services as the admin page, with the same checks and audit rows.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import click
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from amoscope.runtime import open_engine
from auth import command_center
from auth.errors import AuthError
from auth.overview import list_users
from auth.policy import ROLES
from auth.users import create_user, find_account
from warehouse.events import RequestContext
from warehouse.schema import amos


@click.group()
def users() -> None:
    """Manage user accounts."""


def _fail(error: AuthError):
    raise click.ClickException(str(error)) from None


def _target(engine, username: str) -> int:
    with engine.connect() as connection:
        account = find_account(connection, username=username)
    if account is None:
        raise click.ClickException(f"There is no user {username!r}.")
    return account.id


def _act(settings, action: str, username: str, reason: str, params: dict | None = None) -> None:
    engine = open_engine(settings)
    actor = command_center.Actor.system(settings.base_url)
    try:
        outcome = command_center.perform(engine, actor, action, _target(engine, username), reason,
                                         params=params)
    except AuthError as error:
        _fail(error)
    click.echo(outcome.message)


@users.command()
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--department", "department", help="Department code (QUAL, PLAN, PROD, …); members need one.")
@click.option("--amo", "amo", help="AMO code (default: the only AMO in the database).")
@click.option("--name", "full_name", help="Full name (default: the part of EMAIL before the @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.pass_obj
def create(settings, email, role, department, amo, full_name, password_stdin) -> None:
    """Create an account. Without --password-stdin it can only log in after a password reset."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    engine = open_engine(settings)
    if amo is None:
        with engine.connect() as connection:
            codes = connection.execute(sa.select(amos.c.code).order_by(amos.c.code)).scalars().all()
        if len(codes) != 1:
            raise click.ClickException(f"Name the AMO with --amo (found: {', '.join(codes) or 'none'}).")
        amo = codes[0]
    try:
        user_id = create_user(engine, email=email, role=role, amo_code=amo, department_code=department,
                              full_name=full_name, password=password,
                              password_profile=settings.password_hash_profile,
                              context=RequestContext(auth_method="CLI", actor_role="system"))
    except AuthError as error:
        _fail(error)
    click.echo(f"created user {user_id}: {email.lower()} ({role})")


@users.command("list")
@click.option("--amo", "amo", required=True, help="AMO code.")
@click.pass_obj
def list_command(settings, amo) -> None:
    """List the accounts of an AMO (never any secret)."""
    engine = open_engine(settings)
    with engine.connect() as connection:
        amo_id = connection.execute(sa.select(amos.c.id).where(amos.c.code == amo)).scalar()
        if amo_id is None:
            raise click.ClickException(f"There is no AMO {amo!r}.")
        rows = list_users(connection, amo_id, idle=_idle(settings))
    table = Table("id", "username", "name", "department", "role", "active", "sessions", "last login")
    for row in rows:
        table.add_row(str(row["id"]), row["username"], row["full_name"], row["department"], row["role"],
                      "yes" if row["is_active"] else "no", str(row["sessions"]),
                      f"{row['last_login_at']:%Y-%m-%d %H:%M}" if row["last_login_at"] else "never")
    Console(width=160).print(table)


def _idle(settings) -> timedelta:
    return timedelta(minutes=settings.session_idle_minutes)


REASON = click.option("--reason", required=True, help="Why (recorded in the audit trail).")


@users.command()
@click.argument("username")
@REASON
@click.pass_obj
def disable(settings, username, reason) -> None:
    """Disable an account and end all its sessions."""
    _act(settings, "user.disable", username, reason)


@users.command()
@click.argument("username")
@REASON
@click.pass_obj
def enable(settings, username, reason) -> None:
    """Enable a disabled account."""
    _act(settings, "user.enable", username, reason)


@users.command("reset-password")
@click.argument("username")
@REASON
@click.pass_obj
def reset_password(settings, username, reason) -> None:
    """End the account's sessions and password, and send it a reset link (never shown here)."""
    _act(settings, "user.reset_password", username, reason)


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@REASON
@click.pass_obj
def set_role(settings, username, role, reason) -> None:
    """Change an account's role (its sessions end)."""
    _act(settings, "user.set_role", username, reason, {"role": role})
