"""The auditors' SQL console: one SELECT over the AMO's archived tables, results in a grid.

Everything that makes it safe is in the warehouse (:mod:`warehouse.console`): the session is
the user's AMO (views restricted to it), exactly one SELECT checked by DuckDB's parser, a
sandboxed process without file access, cells, rows and bytes capped with a ``truncated`` flag, a
time limit, and an audit event for every query, refused or not. A superuser may tick "every
AMO" for an unscoped session, which the audit row records.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update

from auth.web_sessions import request_context
from dashboards import context, records
from warehouse.archive import ArchiveError
from warehouse.errors import ConsoleError

MAX_SQL = 20_000
EXAMPLE = "SELECT action, count(*) AS events FROM audit_events GROUP BY action ORDER BY events DESC"


def layout(user, match):
    return html.Div([
        html.H2("Archive console", className="h4"),
        html.P("One SELECT over your AMO's archived tables (audit_events, activity_events, cars, "
               "findings, …), every archived version of each record. Every query is recorded in the "
               "audit trail.",
               className="text-muted small"),
        dbc.Textarea(id="console-sql", value=EXAMPLE, rows=5, maxLength=MAX_SQL, className="font-monospace"),
        dbc.Checkbox(id="console-all-amos", value=False, className="mt-2",
                     label="Every AMO's archive (superuser; recorded in the audit trail)",
                     style=None if user.role == "superuser" else {"display": "none"}),
        dbc.Button("Run", id="console-run", color="primary", className="mt-2 mb-3"),
        html.Div(id="console-result"),
    ])


def _grid(result) -> html.Div:
    names = [f"c{index}" for index in range(result.table.num_columns)]  # column names may repeat
    rows = [{name: _cell(records.plain(value)) for name, value in zip(names, row.values(), strict=True)}
            for row in result.table.rename_columns(names).to_pylist()]
    status = f"{result.row_count} rows in {result.duration_ms:.0f} ms"
    notes = [html.Span(status, className="me-2", id="console-status")]
    if result.truncated:
        notes.append(dbc.Badge("truncated: more rows, or longer values, than the console's limits; "
                               "narrow the query", color="warning", id="console-truncated"))
    grid = dag.AgGrid(id="console-grid", rowData=rows,
                      columnDefs=[{"field": name, "headerName": str(column)}
                                  for name, column in zip(names, result.columns, strict=True)],
                      defaultColDef={"filter": True, "sortable": True, "resizable": True},
                      dashGridOptions={"pagination": True, "paginationPageSize": 100},
                      style={"height": "520px"})
    return html.Div([html.Div(notes, className="mb-2"), grid])


def _cell(value):
    """Grid cells hold plain JSON values; anything else (lists, structs, bytes) as text."""
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("console-result", "children"), Input("console-run", "n_clicks"),
                  State("console-sql", "value"), State("console-all-amos", "value"),
                  prevent_initial_call=True)
    def run_query(n_clicks, sql, all_amos):
        if not n_clicks:
            return no_update
        if not isinstance(sql, str) or not sql.strip() or len(sql) > MAX_SQL:
            return dbc.Alert(f"Write one SELECT statement (at most {MAX_SQL} characters).", color="warning")
        # The console refuses (and audits) an every-AMO query by anyone but a superuser.
        warehouse = context.shared_warehouse() if all_amos is True else context.warehouse()
        try:
            result = warehouse.sql(sql, context=request_context())
        except (ConsoleError, ArchiveError) as error:
            return dbc.Alert(str(error), color="danger", id="console-error")
        return _grid(result)
