"""Department KPIs (DOMAIN.md §3): one function per KPI, one module per department.

Each KPI returns a tidy DataFrame with the ids needed to drill down, scoped to an AMO (and a
department where the KPI is per department), and takes ``as_of`` to reproduce the figure as it
was at a past moment. Through the warehouse::

    wh.kpi.overdue_cars(amo_id=1)                         # today
    wh.kpi.overdue_cars(amo_id=1, as_of=date(2025, 6, 30))  # as it was then
    wh.kpi.cockpit_snapshot("QUAL", amo_id=1)             # every QUAL KPI in one call
    wh.kpi.definitions()                                  # name, department, version, title, headline
    wh.kpi.headline("overdue_cars", frame)                # the card's figure: "0", target 0
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from warehouse.clock import WALL_CLOCK, Clock
from warehouse.data_version import data_version
from warehouse.errors import WarehouseError
from warehouse.kpi import (  # noqa: F401 - importing a department module registers its KPIs
    admin,
    engineering,
    planning,
    production,
    quality,
    reliability,
    safety,
    stores,
    workshops,
)
from warehouse.kpi.base import REGISTRY, KpiContext, as_of_moment
from warehouse.kpi.headline import Figure
from warehouse.kpi.snapshots import SnapshotCache, SnapshotKey, live_moment
from warehouse.sources import Sources

DEPARTMENTS = ("QUAL", "SAFE", "REL", "ENG", "PLAN", "PROD", "STOR", "WKSP", "ADMIN")


# Departments whose snapshots are never cached: the admin KPIs read users' sign-in times, which
# the data version deliberately does not follow (warehouse/data_version.py).
UNCACHED_DEPARTMENTS = frozenset({"ADMIN"})


class KpiNamespace:
    """``wh.kpi``: each registered KPI as a method, plus the cockpit snapshot.

    ``snapshots`` keeps computed cockpit snapshots (:mod:`warehouse.kpi.snapshots`); None: none kept.
    """

    def __init__(self, sources: Sources, clock: Clock = WALL_CLOCK,
                 snapshots: SnapshotCache | None = None) -> None:
        self._sources = sources
        self.clock = clock  # what "now" is when no as_of is given
        self.snapshots = snapshots

    def scoped(self, sources: Sources) -> KpiNamespace:
        """The same KPIs (clock, snapshot cache) over ``sources``, a scoped view of this one's."""
        return KpiNamespace(sources, self.clock, self.snapshots)

    def __getattr__(self, name: str) -> Any:
        definition = REGISTRY.get(name)
        if definition is None:
            raise AttributeError(f"no KPI named {name!r}; wh.kpi.definitions() lists them")

        def run(*, amo_id: int | None = None, department_id: int | None = None,
                as_of: date | datetime | None = None) -> pd.DataFrame:
            amo_id = self._amo(amo_id)
            with KpiContext(self._sources, as_of, now=self.clock.now()) as ctx:
                return definition.function(ctx, amo_id=amo_id, department_id=department_id)

        run.__name__ = name
        run.__doc__ = definition.function.__doc__
        return run

    def __dir__(self) -> list[str]:
        return sorted({*REGISTRY, "cockpit_snapshot", "definitions", "headline"})

    def definitions(self) -> pd.DataFrame:
        """Every KPI: name, department, definition version, title and its headline figure
        (label, aggregation, unit, target, the better direction and how it is computed)."""
        return pd.DataFrame(
            [(d.name, d.department, d.version, d.title, d.headline.label, d.headline.aggregation,
              d.headline.unit, d.headline.target, d.headline.better, d.headline.how)
             for d in REGISTRY.values()],
            columns=["name", "department", "version", "title", "headline", "aggregation", "unit", "target",
                     "better", "how"],
        )

    def headline(self, name: str, frame: pd.DataFrame) -> Figure:
        """The headline figure of KPI ``name`` over its table ``frame`` (what its card shows)."""
        definition = REGISTRY.get(name)
        if definition is None:
            raise WarehouseError(f"no KPI named {name!r}; wh.kpi.definitions() lists them")
        return definition.headline.evaluate(frame)

    def _amo(self, amo_id: int | None) -> int:
        """The AMO a KPI is computed for: the warehouse's scope, which ``amo_id`` may only repeat."""
        scoped = self._sources.scope.amo_id
        if scoped is not None and amo_id not in (None, scoped):
            raise WarehouseError("this warehouse is scoped to another AMO")
        if scoped is None and amo_id is None:
            raise WarehouseError("name the AMO: amo_id=...")
        return scoped if scoped is not None else amo_id

    def cockpit_snapshot(self, department: str, *, amo_id: int | None = None,
                         department_id: int | None = None,
                         as_of: date | datetime | None = None) -> dict[str, pd.DataFrame]:
        """Every KPI of ``department`` in one call: each table is loaded once for all of them.

        Returns ``{kpi name: DataFrame}``; the dashboards render one cockpit from it. With a
        snapshot cache, a snapshot computed over the same data (and, for today, in the same live
        period) is returned again instead of being recomputed.
        """
        amo_id = self._amo(amo_id)
        if department not in DEPARTMENTS:
            raise WarehouseError(f"unknown department {department!r}; use one of {', '.join(DEPARTMENTS)}")
        now = self.clock.now()

        def compute() -> dict[str, pd.DataFrame]:
            with KpiContext(self._sources, as_of, now=now) as ctx:
                return {
                    d.name: d.function(ctx, amo_id=amo_id, department_id=department_id)
                    for d in REGISTRY.values() if d.department == department
                }

        if self.snapshots is None or department in UNCACHED_DEPARTMENTS:
            return compute()
        moment = as_of_moment(as_of)
        key = SnapshotKey(self._sources.scope.amo_id, amo_id, department, department_id,
                          moment or live_moment(now, self.snapshots.live_seconds), moment is None,
                          data_version(self._sources.hot.engine))  # read before computing
        return self.snapshots.get(key, compute)
