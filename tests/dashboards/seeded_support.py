"""One seeded world for the cockpit, drilldown and console tests: a PostgreSQL database filled by
the generator at demo scale, archived once by the ETL, and a few users with known passwords.

Seeding and archiving take about a minute, so the world is built once per test process (on
first use) and shared; tests only add audit events to it (views, exports, console queries).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from auth_test_support import call, make_app, make_user, settings_for_tests

from amoscope.settings import Settings
from etl.run import run_once
from simulator import seed_database
from tests.conftest import create_pg_database, drop_pg_database
from warehouse.database import create_engine

AMO = "NAM"  # the first AMO of the generator
USERS = {
    "qa@nam.example": ("quality", "QUAL"),
    "prod@nam.example": ("member", "PROD"),
    "stores@nam.example": ("member", "STOR"),
    "safety@nam.example": ("member", "SAFE"),
    "audit@nam.example": ("auditor", "QUAL"),
    "boss@nam.example": ("admin", "ADMIN"),
}


@dataclass
class World:
    url: str
    archive: Path
    engine: sa.Engine
    settings: Settings
    amo_id: int


_world: World | None = None


def seeded_world(pg_template: str) -> World:
    """The shared seeded and archived world (built on first call)."""
    global _world
    if _world is None:
        url = create_pg_database(template=pg_template)
        archive = Path(tempfile.mkdtemp(prefix="amoscope-cockpit-archive-"))
        engine = create_engine(url)
        seed_database(engine, scale="demo")
        settings = settings_for_tests(Settings.from_env({}, database_url=url, archive_url=str(archive),
                                                        secret_key="test-secret-" + "x" * 40))
        run_once(settings.etl, engine)
        for email, (role, department) in USERS.items():
            make_user(engine, email, role, department, amo=AMO)
        with engine.connect() as connection:
            amo_id = connection.execute(sa.text("SELECT id FROM amos WHERE code = :code"),
                                        {"code": AMO}).scalar_one()
        _world = World(url, archive, engine, settings, amo_id)
        atexit.register(_drop, _world)
    return _world


def _drop(world: World) -> None:
    world.engine.dispose()
    drop_pg_database(world.url)
    shutil.rmtree(world.archive, ignore_errors=True)


def world_app(world: World):
    """A fresh app on the world (its own Warehouse, as each served app has one)."""
    return make_app(world.settings, world.engine)


def department_id(world: World, code: str) -> int:
    with world.engine.connect() as connection:
        return connection.execute(sa.text("SELECT id FROM departments WHERE amo_id = :amo AND code = :code"),
                                  {"amo": world.amo_id, "code": code}).scalar_one()


def result_token(response) -> str:
    """The token of the result a console callback answered with (its ``console-token`` store)."""
    def find(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == "console-token":
                return node["props"]["data"]
            return next((found for value in node.values() if (found := find(value)) is not None), None)
        if isinstance(node, list):
            return next((found for value in node if (found := find(value)) is not None), None)
        return None

    token = find(json.loads(response.get_data(as_text=True)))
    assert token is not None, response.get_data(as_text=True)[:500]
    return token


def result_rows(client, dash_app, token, start: int = 0, end: int = 100) -> dict:
    """One block of a console result, as the grid asks for it."""
    response = call(client, dash_app, "console-grid.getRowsResponse",
                    values={"console-grid.getRowsRequest": {"startRow": start, "endRow": end},
                            "console-token.data": token})
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))["response"]["console-grid"]["getRowsResponse"]


def cockpit_tree(client, dash_app, pathname: str, search: str = "") -> list:
    """A cockpit as the browser draws it: the body callback's answer (cards, the first charts),
    then the answer of the callback its ``cockpit-more`` store triggers (the other charts)."""
    body = call(client, dash_app, "cockpit-body.children",
                values={"url.search": search, "url.pathname": pathname})
    assert body.status_code == 200, body.get_data(as_text=True)[:300]
    tree = body.get_json()["response"]["cockpit-body"]["children"]
    tree = tree if isinstance(tree, list) else [tree]
    store = next((node for node in walk_components(tree) if node["props"].get("id") == "cockpit-more"), None)
    if store is None:  # the body drew no charts (a bad date, no cockpit here)
        return tree
    more = call(client, dash_app, "cockpit-more-charts.children",
                values={"cockpit-more.data": store["props"]["data"], "url.pathname": pathname})
    assert more.status_code == 200, more.get_data(as_text=True)[:300]
    return [*tree, *more.get_json()["response"]["cockpit-more-charts"]["children"]]


def walk_components(node):
    """Every component (a dict with a type and props) in a rendered Dash tree, depth first."""
    if isinstance(node, list):
        for item in node:
            yield from walk_components(item)
    elif isinstance(node, dict):
        if "type" in node and "props" in node:
            yield node
            yield from walk_components(node["props"].get("children"))
        else:
            for value in node.values():
                yield from walk_components(value)
