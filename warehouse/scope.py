"""The tenant scope: which rows of each archived table belong to one AMO.

One deployment serves several AMOs, and the boundary between them is drawn here, once
(DESIGN.md "Tenants"). Every archived table has exactly one rule:

* a table with ``amo_id`` belongs to the AMO it names (``amos`` itself: the row whose ``id`` it is);
* a child table without ``amo_id`` belongs through its parents: a row is the AMO's when one of
  its :class:`Link` columns names a row of a parent that is the AMO's (a CAR attachment through
  its CAR, a task card through its work order, a part movement through its stock item, ...).
  Some links point the other way: a component is the AMO's when the AMO's aircraft carried it or
  the AMO's removals, work orders or stock name it; a directive when the AMO's compliance
  records name it.

There are no unscoped reference tables: every archived table holds something tenant-specific
(even an airworthiness directive row carries the user who entered it).

A :class:`TenantScope` applies the rules to Arrow data (a filter expression per table, given the
parents' values) and to the operational database (SQLAlchemy clauses with subqueries). The
unscoped scope, :data:`ALL_AMOS`, leaves every row in; only a superuser (or the operator at the
command line, explicitly) may use it, and the console's audit row records it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from warehouse.errors import WarehouseError
from warehouse.schema import metadata

UNSCOPED_ROLES = frozenset({"superuser"})


@dataclass(frozen=True)
class Link:
    """A row is the AMO's when its ``column`` holds the ``parent_column`` of an AMO's ``parent`` row."""

    column: str
    parent: str
    parent_column: str = "id"


# Tables without amo_id and the links that make their rows an AMO's (any one link suffices).
LINKS: dict[str, tuple[Link, ...]] = {
    "part_movements": (Link("stock_item_id", "stock_items"),),
    "tool_usage": (Link("tool_id", "tools"),),
    "tool_calibrations": (Link("tool_id", "tools"),),
    "aircraft_utilisation": (Link("aircraft_id", "aircraft"),),
    "operational_interruptions": (Link("aircraft_id", "aircraft"),),
    "defects": (Link("aircraft_id", "aircraft"),),
    "component_removals": (Link("aircraft_id", "aircraft"),),
    "staff_authorisations": (Link("user_id", "users"),),
    "training_records": (Link("user_id", "users"),),
    "task_cards": (Link("work_order_id", "work_orders"),),
    "car_attachments": (Link("car_id", "cars"),),
    "components": (
        Link("installed_aircraft_id", "aircraft"),
        Link("id", "component_removals", "component_id"),
        Link("id", "component_removals", "replaced_by_component_id"),
        Link("id", "work_orders", "component_id"),
        Link("id", "stock_items", "component_id"),
    ),
    "directive_compliance": (Link("aircraft_id", "aircraft"), Link("component_id", "components")),
    "directives": (Link("id", "directive_compliance", "directive_id"),),
}
AMO_TABLE = "amos"  # the AMO's own row: id = the AMO

# The parents' values a linked table's filter needs: (parent table, parent column) -> values.
ParentValues = Callable[[str, str], pa.Array]


def rule_of(table: str) -> str:
    """``"amo"`` (the AMO row), ``"direct"`` (by amo_id) or ``"links"``; an error for a table with no rule."""
    if table == AMO_TABLE:
        return "amo"
    if table in LINKS:
        return "links"
    if table in metadata.tables and "amo_id" in metadata.tables[table].c:
        return "direct"
    raise WarehouseError(f"{table!r} has no tenant rule; add one to warehouse/scope.py before archiving it")


@dataclass(frozen=True)
class TenantScope:
    """The rows one AMO may read (``amo_id``), or every AMO's (``amo_id`` None: unscoped)."""

    amo_id: int | None

    @classmethod
    def for_amo(cls, amo_id: int) -> TenantScope:
        if isinstance(amo_id, bool) or not isinstance(amo_id, int) or amo_id <= 0:
            raise WarehouseError(f"an AMO scope needs an AMO id (a positive whole number), not {amo_id!r}")
        return cls(amo_id)

    @classmethod
    def unscoped(cls, role: str | None, *, cli: bool = False) -> TenantScope:
        """Every AMO's rows: for a superuser, or the operator at the command line (``--all-amos``)."""
        if not cli and role not in UNSCOPED_ROLES:
            raise WarehouseError("only a superuser may read every AMO's data; choose your AMO")
        return ALL_AMOS

    @property
    def is_unscoped(self) -> bool:
        return self.amo_id is None

    def describe(self) -> str:
        """The scope as the audit trail records it."""
        return "ALL_AMOS" if self.amo_id is None else f"AMO {self.amo_id}"

    def parents(self, table: str) -> tuple[tuple[str, str], ...]:
        """The (parent table, column) pairs whose values :meth:`arrow_filter` needs for ``table``."""
        if self.amo_id is None or rule_of(table) != "links":
            return ()
        return tuple((link.parent, link.parent_column) for link in LINKS[table])

    def arrow_filter(self, table: str, columns: Iterable[str], values: ParentValues) -> pc.Expression | None:
        """A pyarrow filter keeping ``table``'s rows of this AMO (None: keep all, the unscoped scope).

        ``columns`` are the columns the data actually has: a rule on a missing column keeps
        nothing, so a table the scope cannot place stays empty instead of open.
        """
        if self.amo_id is None:
            return None
        present = set(columns)
        rule = rule_of(table)
        if rule in ("amo", "direct"):
            column = "id" if rule == "amo" else "amo_id"
            return pc.field(column) == self.amo_id if column in present else pc.scalar(False)
        expression = pc.scalar(False)
        for link in LINKS[table]:
            if link.column in present:
                parent = values(link.parent, link.parent_column).drop_null()
                expression = expression | pc.field(link.column).isin(parent)
        return expression

    def sa_clause(self, table: str) -> sa.ColumnElement | None:
        """The same rule on the operational database, as a WHERE clause on ``table`` (None: unscoped)."""
        if self.amo_id is None:
            return None
        return _sa_rule(table, self.amo_id)

    def where(self, table: str) -> list[sa.ColumnElement]:
        """:meth:`sa_clause` as a list of WHERE clauses (none when unscoped), to splat into ``where()``."""
        clause = self.sa_clause(table)
        return [] if clause is None else [clause]


def _sa_rule(table_name: str, amo_id: int) -> sa.ColumnElement:
    table = metadata.tables[table_name]
    rule = rule_of(table_name)
    if rule == "amo":
        return table.c.id == amo_id
    if rule == "direct":
        return table.c.amo_id == amo_id
    clauses = []
    for link in LINKS[table_name]:
        parent = metadata.tables[link.parent]
        chosen = sa.select(parent.c[link.parent_column]).where(_sa_rule(link.parent, amo_id)).correlate(None)
        clauses.append(table.c[link.column].in_(chosen))
    return sa.or_(*clauses)


ALL_AMOS = TenantScope(None)
