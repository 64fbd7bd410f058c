"""One record's page (``/maintenance/<amo>/cars/42``): its fields, its status timeline and its audit trail.

The record is read with the session's scope (:func:`dashboards.records.fetch`): out of scope
looks exactly like "no such record". Each view is audited as VIEW. The timeline and the trail
are the record's audit events from ``Warehouse.history`` (the archive ∪ the hot tail, oldest
first), so they reach back for years.
"""

from __future__ import annotations

import json

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from auth.web_sessions import request_context
from dashboards import context, records
from dashboards.routes import match_path
from warehouse.errors import WarehouseError
from warehouse.events import record_audit

MAX_EVENTS = 500
TRAIL_COLUMNS = ["occurred_at", "action", "workflow_phase", "actor_user_id", "changed_fields", "before",
                 "after", "reason", "signature_meaning", "entity_version"]


def layout(user, match):
    return html.Div(id="entity-body")


def _target(pathname: str | None) -> tuple[str, int | None]:
    match = match_path(pathname)
    if match is None or "id" not in match.params:
        return "", None
    return match.params["entity_type"], match.params["id"]


def _shown(value) -> str:
    """A field or event value as text (hidden columns stripped from record images)."""
    if isinstance(value, str) and value.startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict):
        value = {key: item for key, item in value.items() if key not in records.HIDDEN_COLUMNS}
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(records.plain(value))


def _fields(record: dict):
    items = [html.Tr([html.Th(name, className="fw-normal text-muted"), html.Td(_shown(value))])
             for name, value in record.items()]
    return dbc.Table(html.Tbody(items), size="sm", bordered=False, className="mb-0")


def _status_timeline(events):
    changes = events[events["action"].isin(["CREATE", "STATE_CHANGE", "VOID"])]
    if changes.empty:
        return html.P("No status changes recorded.", className="text-muted")
    return html.Ol([html.Li([html.Strong(_shown(row.workflow_phase) or row.action, className="me-2"),
                             html.Small(_shown(row.occurred_at), className="text-muted")],
                            className="list-group-item")
                    for row in changes.itertuples()], className="list-group list-group-numbered",
                   id="entity-timeline")


def _trail(events):
    rows = [{column: _shown(getattr(row, column, None)) for column in TRAIL_COLUMNS}
            for row in events.itertuples()]
    return dag.AgGrid(id="entity-trail", rowData=rows, columnDefs=[{"field": c} for c in TRAIL_COLUMNS],
                      defaultColDef={"filter": True, "resizable": True},
                      dashGridOptions={"pagination": True, "paginationPageSize": 25},
                      style={"height": "420px"})


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("entity-body", "children"), Input("url", "pathname"))
    def show_entity(pathname):
        user = context.user()
        kind, entity_id = _target(pathname)
        with context.engine().connect() as connection:
            found = records.fetch(connection, user, kind, [entity_id] if entity_id else [])
        if not found:
            return dbc.Alert("There is no such record, or it is not yours to see.", color="warning")
        record = found[0]
        with context.engine().begin() as connection:
            record_audit(connection, request_context(), "VIEW", amo_id=user.amo_id, entity_type=kind,
                         entity_id=entity_id, entity_version=record.get("row_version"),
                         department_id=user.department_id)
        label = record.get(records.KINDS[kind].label, entity_id)
        try:
            page = context.warehouse().history("audit", entity_type=kind, entity_id=str(entity_id),
                                               newest_first=False, limit=MAX_EVENTS)
            events = page.events
            history = dbc.Tabs([
                dbc.Tab(_status_timeline(events), label="Status timeline", tab_id="timeline",
                        class_name="pt-2"),
                dbc.Tab(_trail(events), label="Audit trail", tab_id="trail", class_name="pt-2"),
            ], active_tab="timeline")
            if page.next_page:
                history = html.Div([history, html.Small(f"The first {MAX_EVENTS} events are shown.",
                                                        className="text-muted")])
        except WarehouseError as error:
            history = dbc.Alert(f"The history could not be read: {error}", color="danger")
        return html.Div([
            html.H2(f"{kind.replace('_', ' ').rstrip('s')} {label}", className="h4", id="entity-title"),
            dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(_fields(record))), lg=4),
                     dbc.Col(history, lg=8)]),
        ])
