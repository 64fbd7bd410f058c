"""The drill target: a list of records named by the URL (``/maintenance/<amo>/cars?ids=3,7,9``), a
CSV export, and a click on a row opens the record's page.

The URL only asks: every callback reads the records again with the session's scope
(:func:`dashboards.records.fetch`), so a member who edits the URL gets none of another
department's records. Exports are defused against spreadsheet formulas and audited as EXPORT.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.web_sessions import request_context
from dashboards import context, records
from dashboards.paths import record_path
from dashboards.routes import match_path
from warehouse.events import record_audit
from warehouse.kpi.base import REGISTRY


def layout(user, match):
    return html.Div([
        dcc.Location(id="records-nav", refresh=True),
        dbc.Row([
            dbc.Col(html.H2(id="records-title", className="h4"), md=9),
            dbc.Col(dbc.Button("Export CSV", id="records-export", color="secondary", size="sm"),
                    md=3, className="text-end"),
        ], className="mb-2"),
        dcc.Download(id="records-download"),
        dag.AgGrid(id="records-grid", rowData=[], columnDefs=[], getRowId="params.data.id",
                   defaultColDef={"filter": True, "sortable": True, "resizable": True},
                   dashGridOptions={"pagination": True, "paginationPageSize": 50},
                   style={"height": "560px"}),
        html.Small("Click a row to open the record.", className="text-muted"),
    ])


def query_of(pathname: str | None, search: str | None) -> tuple[str, list[int], dict[str, str]]:
    """(kind from the path, ids and the other parameters of the query string)."""
    match = match_path(pathname)
    kind = match.params.get("entity_type", "") if match else ""
    params = {key: values[0] for key, values in parse_qs((search or "").lstrip("?")).items()}
    return kind, records.parse_ids(params.get("ids")), params


def _read(pathname: str | None, search: str | None) -> tuple[str, list[dict], dict[str, str]]:
    user = context.user()
    kind, ids, params = query_of(pathname, search)
    with context.engine().connect() as connection:
        found = records.fetch(connection, user, kind, ids)
    return kind, found, params


def _title(kind: str, count: int, params: dict[str, str]) -> str:
    label = kind.replace("_", " ")
    definition = REGISTRY.get(params.get("kpi", ""))
    source = f" · {definition.title}" if definition else ""
    bar = f" · {params['bar']}" if params.get("bar") else ""
    return f"{count} {label}{source}{bar}"


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("records-grid", "rowData"), Output("records-grid", "columnDefs"),
                  Output("records-title", "children"), Input("url", "pathname"), Input("url", "search"))
    def show_records(pathname, search):
        kind, found, params = _read(pathname, search)
        if kind not in records.KINDS:
            return [], [], "No such list."
        columns = [{"field": "id", "maxWidth": 110}]
        columns += [{"field": name} for name in records.KINDS[kind].columns]
        return records.list_rows(kind, found), columns, _title(kind, len(found), params)

    @app.callback(Output("records-nav", "href"), Input("records-grid", "cellClicked"),
                  State("url", "pathname"), prevent_initial_call=True)
    def open_record(cell, pathname):
        kind, _ids, _params = query_of(pathname, None)
        row_id = records.parse_ids(str(cell.get("rowId"))) if isinstance(cell, dict) else []
        if kind not in records.KINDS or not row_id:
            return no_update
        return record_path(context.user().amo_code, kind, row_id[0])

    @app.callback(Output("records-download", "data"), Input("records-export", "n_clicks"),
                  State("url", "pathname"), State("url", "search"), prevent_initial_call=True)
    def export(n_clicks, pathname, search):
        if not n_clicks:
            return no_update
        kind, found, _params = _read(pathname, search)
        if kind not in records.KINDS:
            return no_update
        rows = records.list_rows(kind, found)
        user = context.user()
        with context.engine().begin() as connection:
            record_audit(connection, request_context(), "EXPORT", amo_id=user.amo_id, entity_type=kind,
                         department_id=user.department_id,
                         after={"format": "csv", "rows": len(rows), "ids": [row["id"] for row in rows]})
        return dcc.send_string(records.to_csv(rows), f"{kind}.csv", type="text/csv")
