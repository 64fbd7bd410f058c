"""The routing table: which module renders which page under ``/maintenance/<amo>/<slug>``.

Adding a page: write a module with ``layout(user, slug)`` and ``register_callbacks(app)``, add a
row here, and add its rows to the policy table (``auth.policy.PAGES`` and ``CALLBACKS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from dashboards.pages import admin, cockpit, console, entity, records


@dataclass(frozen=True)
class Route:
    slug: str
    title: str
    module: ModuleType
    in_menu: bool = True  # drill targets are reached from a chart or a list, not the navbar


ROUTES: dict[str, Route] = {route.slug: route for route in (
    Route("admin", "Admin", admin),
    Route("quality", "Quality", cockpit),
    Route("planning", "Planning", cockpit),
    Route("production", "Production", cockpit),
    Route("reliability", "Reliability", cockpit),
    Route("safety", "Safety", cockpit),
    Route("stores", "Stores", cockpit),
    Route("engineering", "Engineering", cockpit),
    Route("workshops", "Workshops", cockpit),
    Route("auditor", "Console", console),
    Route("records", "Records", records, in_menu=False),
    Route("entity", "Record", entity, in_menu=False),
)}


def page_modules() -> list[ModuleType]:
    """Every page module once, for registering callbacks."""
    modules: list[ModuleType] = []
    for route in ROUTES.values():
        if route.module not in modules:
            modules.append(route.module)
    return modules
