"""The routing table: which module renders which page under ``/maintenance/<amo>/<slug>``.

Adding a page: write a module with ``layout(user, slug)`` and ``register_callbacks(app)``, add a
row here, and add its rows to the policy table (``auth.policy.PAGES`` and ``CALLBACKS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from dashboards.pages import admin, department


@dataclass(frozen=True)
class Route:
    slug: str
    title: str
    module: ModuleType


ROUTES: dict[str, Route] = {route.slug: route for route in (
    Route("admin", "Admin", admin),
    Route("quality", "Quality", department),
    Route("planning", "Planning", department),
    Route("production", "Production", department),
    Route("reliability", "Reliability", department),
    Route("safety", "Safety", department),
    Route("stores", "Stores", department),
    Route("engineering", "Engineering", department),
    Route("workshops", "Workshops", department),
)}


def page_modules() -> list[ModuleType]:
    """Every page module once, for registering callbacks."""
    modules: list[ModuleType] = []
    for route in ROUTES.values():
        if route.module not in modules:
            modules.append(route.module)
    return modules
