"""The routing table: every page under ``/maintenance/<amo>/``, its path pattern and its module.

A pattern's ``<name>`` parts are path parameters, each checked by :data:`PARAMETERS` (a value
that does not pass is no match, so the answer is 404). Each pattern is also the key of the
page's row in the policy table (``auth.policy.PAGES``). :func:`resolve` gives one answer for a
signed-in user and a path, used by the guard for the HTTP status and by the router for the
page it draws, so both always agree:

* 404: no route, a bad parameter, or an id the user's AMO does not have (another AMO's id
  looks exactly like an id that does not exist);
* 403: another AMO's path, a page the role may not open, or a record of the user's AMO
  outside the user's scope;
* 200: the page.

Adding a page: write a module in ``dashboards.pages`` with ``layout(user, match)`` and
``register_callbacks(app)``, add a row here and its rows to the policy table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.policy import may_open_page
from dashboards import records
from dashboards.paths import list_path, page_path, record_path, split_path
from warehouse.schema import users


@dataclass(frozen=True)
class Route:
    pattern: str  # below /maintenance/<amo>/, e.g. "admin/users/<user_id>"
    title: str
    page: str  # the module of dashboards.pages that draws it
    in_menu: bool = False  # the others are reached from a link, a chart or a list

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"dashboards.pages.{self.page}")

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.pattern.split("/"))


@dataclass(frozen=True)
class Match:
    """A path matched to its route: the AMO code in the path, the checked parameters, and the
    query string's first values (a page checks those it reads)."""

    amo_code: str
    route: Route
    params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


def _positive_id(text: str) -> int | None:
    """A database id written the one canonical way (no sign, no leading zeros, 18 digits at most)."""
    if text.isascii() and text.isdigit() and len(text) <= 18 and not text.startswith("0"):
        return int(text)
    return None


def _entity_type(text: str) -> str | None:
    return text if text in records.KINDS else None


PARAMETERS: dict[str, Callable[[str], Any]] = {
    "user_id": _positive_id, "entity_type": _entity_type, "id": _positive_id,
}

ROUTES: dict[str, Route] = {route.pattern: route for route in (
    Route("admin", "Admin", "admin", in_menu=True),
    Route("admin/users", "Users", "users", in_menu=True),
    Route("admin/users/<user_id>", "User", "user"),
    Route("quality", "Quality", "cockpit", in_menu=True),
    Route("planning", "Planning", "cockpit", in_menu=True),
    Route("production", "Production", "cockpit", in_menu=True),
    Route("reliability", "Reliability", "cockpit", in_menu=True),
    Route("safety", "Safety", "cockpit", in_menu=True),
    Route("stores", "Stores", "cockpit", in_menu=True),
    Route("engineering", "Engineering", "cockpit", in_menu=True),
    Route("workshops", "Workshops", "cockpit", in_menu=True),
    Route("history", "History", "history", in_menu=True),
    Route("console", "Console", "console", in_menu=True),
    Route("home", "Home", "home"),
    Route("<entity_type>", "Records", "records"),
    Route("<entity_type>/<id>", "Record", "entity"),
)}


def page_modules() -> list[ModuleType]:
    """Every page module once, for registering callbacks."""
    modules: list[ModuleType] = []
    for route in ROUTES.values():
        if route.module not in modules:
            modules.append(route.module)
    return modules


def match_path(pathname: str | None) -> Match | None:
    """The route of a page path with its parameters, or None (no route, or a parameter is bad)."""
    parsed = split_path(pathname)
    if parsed is None:
        return None
    amo_code, segments = parsed
    for route in ROUTES.values():
        params = _match_parts(route.parts, segments)
        if params is not None:
            return Match(amo_code, route, params)
    return None


def _match_parts(parts: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, Any] | None:
    if len(parts) != len(segments):
        return None
    params: dict[str, Any] = {}
    for part, segment in zip(parts, segments, strict=True):
        if part.startswith("<"):
            value = PARAMETERS[part.strip("<>")](segment)
            if value is None:
                return None
            params[part.strip("<>")] = value
        elif part != segment:
            return None
    return params


@dataclass(frozen=True)
class Resolution:
    status: int  # 200, 403 or 404
    match: Match | None


def resolve(connection: Connection, user, pathname: str | None) -> Resolution:
    """What ``user`` gets for ``pathname``: the status and the matched route (see the module doc)."""
    match = match_path(pathname)
    if match is None:
        return Resolution(404, None)
    if match.amo_code != user.amo_code or not may_open_page(user.role, user.department_code,
                                                            match.route.pattern):
        return Resolution(403, match)
    return Resolution(_object_status(connection, user, match.params), match)


def _object_status(connection: Connection, user, params: Mapping[str, Any]) -> int:
    if "user_id" in params:
        found = connection.execute(sa.select(users.c.id).where(users.c.id == params["user_id"],
                                                               users.c.amo_id == user.amo_id)).first()
        return 200 if found else 404
    if "id" in params:
        kind, record_id = params["entity_type"], params["id"]
        if records.fetch(connection, user, kind, [record_id]):
            return 200
        return 403 if records.exists_in_amo(connection, user.amo_id, kind, record_id) else 404
    return 200


def legacy_target(pathname: str | None, args: Mapping[str, str]) -> str | None:
    """Where a link of the earlier query-string form now lives, or None when it is not one.

    ``records?kind=cars&ids=…`` → ``cars?ids=…``; ``entity?type=cars&id=42`` → ``cars/42``;
    ``auditor`` → ``console``.
    """
    parsed = split_path(pathname)
    if parsed is None or len(parsed[1]) != 1:
        return None
    amo_code, (slug,) = parsed
    if slug == "auditor":
        return page_path(amo_code, "console")
    if slug == "records" and _entity_type(args.get("kind", "")):
        rest = {key: value for key, value in args.items() if key != "kind"}
        return list_path(amo_code, args["kind"], rest)
    if slug == "entity" and _entity_type(args.get("type", "")) and _positive_id(args.get("id", "")):
        return record_path(amo_code, args["type"], args["id"])
    return None

