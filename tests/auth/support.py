"""Helpers shared by the auth and dashboards tests: an AMO with its departments, users with
passwords, the real app, and signing in through the real login form."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from auth.users import create_user
from dashboards import create_app
from warehouse.events import record_activity
from warehouse.schema import DEPARTMENT_CODES, amos, departments

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PASSWORD = "correct horse battery staple"
TEST_PROFILE = "owasp-minimum"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_amo(engine, code: str = "AMO1") -> int:
    """An AMO with every department; returns its id."""
    with engine.begin() as connection:
        amo_id = connection.execute(amos.insert().values(code=code, name=f"{code} Technics")
                                    .returning(amos.c.id)).scalar_one()
        for department in DEPARTMENT_CODES:
            connection.execute(departments.insert().values(amo_id=amo_id, code=department,
                                                           name=f"{department} department"))
    return amo_id


def make_user(engine, email: str, role: str, department: str | None = None, amo: str = "AMO1",
              password: str | None = PASSWORD) -> int:
    return create_user(engine, email=email, role=role, amo_code=amo, department_code=department,
                       password=password, password_profile=TEST_PROFILE)


def settings_for_tests(settings, **overrides):
    return settings.replace(password_hash_profile=TEST_PROFILE, **overrides)


def make_app(settings, engine):
    app = create_app(settings.dashboards, engine)
    app.testing = True
    return app


def csrf_of(client) -> str:
    """The CSRF token of the client's session (from the cookie Dash reads, or the login form)."""
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        return cookie.value
    page = client.get("/login").get_data(as_text=True)
    return CSRF_FIELD.search(page).group(1)


def login(client, username: str, password: str = PASSWORD, **kwargs):
    """POST the real login form (after fetching it for the CSRF token)."""
    page = client.get("/login", **kwargs).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    token = match.group(1) if match else csrf_of(client)
    data = {"username": username, "password": password, "csrf_token": token, **kwargs.pop("data", {})}
    return client.post("/login", data=data, **kwargs)


def callback_body(dash_app, output: str, *, values: dict | None = None, changed: list[str] | None = None):
    """A ``/_dash-update-component`` body for the callback with this output id, as the renderer sends it."""
    spec = next(item for item in dash_app._callback_list if item["output"] == output)
    values = values or {}

    def dependency(item):
        key = f"{item['id']}.{item['property']}"
        if item["id"].startswith("{"):  # a pattern-matching id: the matching components, here none
            return values.get(key, [])
        return {"id": item["id"], "property": item["property"], "value": values.get(key)}

    inputs = [dependency(item) for item in spec["inputs"]]
    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
               for part in output.strip(".").split("...")]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": [dependency(item) for item in spec.get("state", [])],
        "changedPropIds": changed if changed is not None else [f"{i['id']}.{i['property']}" for i in inputs
                                                               if isinstance(i, dict)],
    }


def call(client, dash_app, output: str, **kwargs):
    """Run a Dash callback through the real dispatch endpoint with the session's CSRF header."""
    return client.post("/_dash-update-component", json=callback_body(dash_app, output, **kwargs),
                       headers={"X-CSRFToken": csrf_of(client)})


class SteppedClock:
    """A clock for the app's poll-session checks that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def step_poll_sessions(app) -> SteppedClock:
    """Put the app's reuse of session checks by polls on a stepped clock (before any request)."""
    clock = SteppedClock()
    app.extensions["amoscope_auth"].poll_sessions.clock = clock
    return clock


def sql_count(engine, query: str, **params) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(query), params).scalar_one()


def call_until(client, dash_app, output: str, expected: str, timeout: float = 60, **kwargs):
    """Call a feed callback until ``expected`` shows: the feed's horizon waits for every older
    transaction of the PostgreSQL cluster, which other test suites may hold open for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        response = call(client, dash_app, output, **kwargs)
        if expected in response.get_data(as_text=True) or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


# Dropping a database costs about a second (PostgreSQL checkpoints on DROP DATABASE), so the
# auth and dashboards suites drop their per-test databases in a background thread instead.
ADMIN_URL = os.environ.get("AMOSCOPE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-db")
_pending_drops: list = []


def _admin_engine() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def create_database_from(template: str) -> str:
    """A fresh copy of the migrated template database; returns its URL."""
    name = f"amoscope_a{uuid.uuid4().hex[:16]}"
    with _admin_engine().connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    return sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database_later(url: str) -> None:
    name = sa.make_url(url).database

    def drop() -> None:
        with _admin_engine().connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    _pending_drops.append(_dropper.submit(drop))


def finish_drops() -> None:
    """Wait for every background drop (at the end of the session); raise if one failed."""
    for future in _pending_drops:
        future.result()
    _pending_drops.clear()


# ── Fixtures of the auth and dashboards tests (their conftests import them from here) ──────


@pytest.fixture(scope="session", autouse=True)
def _background_drops_finish():
    yield
    finish_drops()


@pytest.fixture
def pg_url(pg_template: str) -> str:
    """A fresh migrated database per test (as in tests/conftest.py), dropped in the background."""
    url = create_database_from(pg_template)
    yield url
    drop_database_later(url)


@pytest.fixture
def settings(pg_settings):
    """PostgreSQL settings with the cheaper (still OWASP-compliant) argon2id profile."""
    return settings_for_tests(pg_settings)


@pytest.fixture
def amo_id(pg_engine) -> int:
    return make_amo(pg_engine)


@pytest.fixture
def app(settings, pg_engine, amo_id):
    return make_app(settings, pg_engine)


@pytest.fixture
def dash_app(app):
    return app.extensions["dash_app"]


@pytest.fixture
def served(app):
    """The app served on a free local port in a thread, for Chromium; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def chromium():
    """Debian's Chromium, headless, driven by Playwright (closed after the test)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_problems(page) -> list[str]:
    """Console errors, Content-Security-Policy reports and uncaught errors of ``page``, as they come."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def log_in_page(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a user would."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


FEED_PAGE = "/maintenance/AMO1/production"
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
FEED_POLL = ["feed-interval.n_intervals"]


def member_with_one_feed_event(app, dash_app, engine, amo_id: int):
    """A production member of AMO1 signed in, one work order opened in their feed, and the cursor
    their first poll was given: where the poll tests start. Returns (client, cursor)."""
    make_user(engine, "prod@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "prod@amo1.example")
    with engine.begin() as connection:
        department = connection.execute(
            sa.text("SELECT id FROM departments WHERE code = 'PROD'")).scalar_one()
        record_activity(connection, amo_id=amo_id, department_id=department, kind="work_order.opened",
                        summary="WO-1 opened")
    first = call_until(client, dash_app, FEED, "WO-1 opened", changed=FEED_POLL,
                       values={"url.pathname": FEED_PAGE})
    return client, first.get_json()["response"]["feed-cursor"]["data"]
