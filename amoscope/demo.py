"""The embedded demo: one process that migrates, seeds, archives, simulates and serves.

Everything a newcomer needs to see AMOscope work on a laptop: SQLite and a local archive under
``./var``, two synthetic AMOs with three years of history, an ETL that keeps archiving, a
simulator that keeps the live feeds moving, the scheduler of the command center, and the
dashboards. The demo logins get fresh random passwords at every start, so no default
credential ever exists (SECURITY-CHECKLIST A10).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from amoscope import migrate
from amoscope.settings import Settings
from auth.errors import AuthError
from auth.passwords import DEFAULT_PROFILE
from auth.reset_tokens import complete_reset, issue_token
from auth.scheduler import run_due
from auth.users import create_user, find_account
from etl.follow import follow
from simulator import database_is_empty, seed_database, simulate
from warehouse.clock import SimulatedClock
from warehouse.events import RequestContext
from warehouse.schema import amos

log = logging.getLogger(__name__)

DEMO_FOLDER = Path("var")  # the demo's database, archive, cache and logins file
LOGINS_FILE = "demo-logins.txt"
DEMO_DOMAIN = "demo.amoscope.example"
# (login name, role, department code): one login per role and per department cockpit.
DEMO_LOGINS = (
    ("superuser", "superuser", "ADMIN"),
    ("admin", "admin", "ADMIN"),
    ("quality", "quality", "QUAL"),
    ("auditor", "auditor", "QUAL"),
    ("planning", "member", "PLAN"),
    ("production", "member", "PROD"),
    ("reliability", "member", "REL"),
    ("safety", "member", "SAFE"),
    ("stores", "member", "STOR"),
    ("engineering", "member", "ENG"),
    ("workshops", "member", "WKSP"),
)
SCHEDULER_INTERVAL_SECONDS = 15


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    department: str


def prepare(settings: Settings, engine: Engine, echo: Callable[[str], None]) -> list[DemoLogin]:
    """Migrate, seed an empty database and (re)issue the demo logins.

    The first archive run is left to the ETL's follow loop, which starts with one: the
    dashboards read the archive together with the not-yet-archived rows, so they are complete
    while it runs, and the newcomer does not wait for it.
    """
    migrate.upgrade(engine)
    if database_is_empty(engine):
        echo("seeding two synthetic AMOs with three years of history (about 15 s) …")
        report = seed_database(engine, scale="demo")
        echo(f"seeded {report.total_rows:,} rows and {report.events:,} events in {report.seconds:.0f} s")
    logins = ensure_demo_logins(engine, settings.base_url, settings.password_hash_profile)
    echo(f"archiving into {settings.archive_url} in the background")
    return logins


def ensure_demo_logins(engine: Engine, base_url: str, profile: str = DEFAULT_PROFILE) -> list[DemoLogin]:
    """Create the demo accounts in the first AMO, or give existing ones a new random password.

    An existing account gets its password through the ordinary reset-token path, so the change
    is audited and its old sessions end like any other reset.
    """
    with engine.connect() as connection:
        amo_code = connection.execute(sa.select(amos.c.code).order_by(amos.c.id).limit(1)).scalar_one()
    context = RequestContext(auth_method="CLI", user_agent="amoscope demo")
    logins = []
    for name, role, department in DEMO_LOGINS:
        username = f"demo.{name}@{DEMO_DOMAIN}"
        password = secrets.token_urlsafe(12)
        with engine.begin() as connection:
            account = find_account(connection, username=username)
            if account is None:
                create_user(connection, email=username, role=role, amo_code=amo_code,
                            department_code=department, full_name=f"Demo {name.title()}",
                            password=password, context=context, password_profile=profile)
                token = None
            else:
                token = issue_token(connection, account.id, requested_by=None, ip=None, base_url=base_url)
        if token is not None:
            complete_reset(engine, token, password, context, profile=profile)
        logins.append(DemoLogin(username, password, role, department))
    return logins


def start_background(settings: Settings, engine: Engine, stop: threading.Event, *,
                     clock: SimulatedClock | None) -> list[threading.Thread]:
    """The ETL in follow mode, the live simulator on ``clock`` (None: no simulator) and the
    command-center scheduler, as threads."""
    def scheduler_loop() -> None:
        while not stop.wait(SCHEDULER_INTERVAL_SECONDS):
            try:
                run_due(engine, settings.base_url)
            except sa.exc.OperationalError as error:
                # SQLite lets one writer in at a time: the action stays pending for the next run
                log.warning("scheduler run postponed, the database was busy (%s); retrying in %d s",
                            error.orig, SCHEDULER_INTERVAL_SECONDS)
            except (AuthError, sa.exc.DBAPIError) as error:
                log.error("scheduler run failed: %s", error)

    workers = [
        ("etl", lambda: follow(settings.etl, engine, settings.etl_interval_seconds, stop)),
        ("scheduler", scheduler_loop),
    ]
    if clock is not None:
        workers.append(("simulator", lambda: simulate(engine, clock, stop)))
    threads = [threading.Thread(target=_logged(name, target), name=name, daemon=True)
               for name, target in workers]
    for thread in threads:
        thread.start()
    return threads


def _logged(name: str, target: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            target()
        except Exception:  # a background part failing must be visible, not kill the demo silently
            log.exception("demo %s stopped", name)
    return run


def login_table(logins: list[DemoLogin]) -> list[str]:
    """The demo logins as aligned text lines."""
    width = max(len(login.username) for login in logins)
    lines = [f"{'username':<{width}}  {'password':<16}  role / department"]
    lines += [f"{login.username:<{width}}  {login.password:<16}  {login.role} / {login.department}"
              for login in logins]
    return lines


def write_logins_file(logins: list[DemoLogin], url: str) -> Path:
    """Write the URL and the logins to ``var/demo-logins.txt`` (readable by this user alone)."""
    DEMO_FOLDER.mkdir(parents=True, exist_ok=True)
    path = DEMO_FOLDER / LOGINS_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("\n".join([f"AMOscope demo: {url}", "", *login_table(logins)]) + "\n", encoding="utf-8")
    return path


def greeting(url: str, logins: list[DemoLogin], logins_file: Path) -> str:
    """The framed block printed last: where to go, how to sign in, how to stop."""
    body = [f"AMOscope demo is running at {url}", "",
            "Sign in with one of these (new passwords at every start):", "", *login_table(logins), "",
            f"The logins are also in {logins_file}. Ctrl-C stops the demo."]
    width = max(len(line) for line in body)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join(["", rule, *(f"| {line:<{width}} |" for line in body), rule, ""])
