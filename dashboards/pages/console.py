"""The auditors' SQL console: one SELECT over the AMO's archived tables, results in a grid.

Everything that makes it safe is in the warehouse (:mod:`warehouse.console`): the session is
the user's AMO (views restricted to it), exactly one SELECT checked by DuckDB's parser, a
sandboxed process without file access, cells, rows and bytes capped with a ``truncated`` flag, a
time limit, and an audit event for every query, refused or not. A superuser may tick "every
AMO" for an unscoped session, which the audit row records. The grid reads the result a block
of rows at a time (:mod:`dashboards.console_results`), never the whole of it at once.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.web_sessions import request_context
from dashboards import console_results, context, records
from warehouse.archive import ArchiveError
from warehouse.errors import ConsoleError

MAX_SQL = 20_000
BLOCK_ROWS = 100
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


def _grid(result, user_id: int) -> html.Div:
    """The result's status line and a grid that fetches its rows a block at a time."""
    names = [f"c{index}" for index in range(result.table.num_columns)]  # column names may repeat
    token = console_results.save(result.table.rename_columns(names), user_id)
    status = f"{result.row_count} rows in {result.duration_ms:.0f} ms"
    notes = [html.Span(status, className="me-2", id="console-status")]
    if result.truncated:
        notes.append(dbc.Badge("truncated: more rows, or longer values, than the console's limits; "
                               "narrow the query", color="warning", id="console-truncated"))
    grid = dag.AgGrid(id="console-grid", rowModelType="infinite",
                      columnDefs=[{"field": name, "headerName": str(column)}
                                  for name, column in zip(names, result.columns, strict=True)],
                      defaultColDef={"resizable": True},
                      dashGridOptions={"cacheBlockSize": BLOCK_ROWS, "maxBlocksInCache": 20,
                                       "rowBuffer": 0},
                      style={"height": "520px"})
    return html.Div([html.Div(notes, className="mb-2"), dcc.Store(id="console-token", data=token), grid])


def _cell(value):
    """Grid cells hold plain JSON values; anything else (lists, structs, bytes) as text."""
    value = records.plain(value)
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
        return _grid(result, context.user().user_id)

    @app.callback(Output("console-grid", "getRowsResponse"), Input("console-grid", "getRowsRequest"),
                  State("console-token", "data"), prevent_initial_call=True)
    def rows_block(request, token):
        """One block of the user's own result (a forged token or another user's finds nothing)."""
        if not isinstance(request, dict):
            return no_update
        found = console_results.block(context.user().user_id, token, request.get("startRow"),
                                      request.get("endRow"))
        if found is None:
            return {"rowData": [], "rowCount": 0}
        rows, count = found
        return {"rowData": [{name: _cell(value) for name, value in row.items()} for row in rows],
                "rowCount": count}
