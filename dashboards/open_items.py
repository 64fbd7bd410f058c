"""A user's open items: the records waiting on the signed-in person, shown on each department page.

One declaration per kind of item (the record kind, the column naming the person, what "open"
means), read with the user's scope (:func:`dashboards.records.fetch`), so nobody sees another
department's items through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import html
from sqlalchemy.engine import Connection

from dashboards import links, records
from dashboards.paths import record_path
from warehouse.schema import metadata

MAX_ITEMS = 10  # per kind; the count says how many more


@dataclass(frozen=True)
class OpenItem:
    kind: str
    person: str  # the column naming the person the record waits on
    closed: tuple[str, ...]  # statuses in which the record no longer waits
    why: str  # what the person is to do, in words


OPEN_ITEMS = (
    OpenItem("cars", "owner_user_id", ("CLOSED",), "CARs you own"),
    OpenItem("hazards", "owner_user_id", ("CLOSED",), "Hazards you own"),
    OpenItem("findings", "raised_by", ("CLOSED",), "Findings you raised, still open"),
    OpenItem("audits", "lead_auditor_id", ("CLOSED", "CANCELLED"), "Audits you lead"),
)


def of_user(connection: Connection, user) -> list[tuple[OpenItem, list[dict]]]:
    """(item kind, its open records waiting on ``user``) for each kind that has some."""
    found = []
    for item in OPEN_ITEMS:
        table = metadata.tables[item.kind]
        waiting = sa.and_(table.c[item.person] == user.user_id, table.c.status.not_in(item.closed),
                          table.c.voided_at.is_(None))
        rows = records.fetch(connection, user, item.kind, [], where=waiting, limit=MAX_ITEMS + 1)
        if rows:
            found.append((item, rows))
    return found


def panel(amo_code: str, found: list[tuple[OpenItem, list[dict]]]):
    """The "My open items" card: links to each record, or a word that nothing waits."""
    if not found:
        body = html.P("Nothing waits on you.", className="text-success mb-0")
    else:
        groups = []
        for item, rows in found:
            more = f" (first {MAX_ITEMS})" if len(rows) > MAX_ITEMS else f" ({len(rows)})"
            groups.append(html.Div([
                html.Strong(item.why + more, className="small"),
                html.Ul([html.Li(html.A(links.label(item.kind, row),
                                        href=record_path(amo_code, item.kind, row["id"])))
                         for row in rows[:MAX_ITEMS]], className="mb-1 small"),
            ], className="me-4"))
        body = html.Div(groups, className="d-flex flex-wrap")
    return dbc.Card([dbc.CardHeader("My open items"), dbc.CardBody(body, className="py-2")],
                    className="mb-3", id="my-open-items")
