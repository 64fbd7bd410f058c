"""The drill target: a list of records named by the URL (``/maintenance/<amo>/cars?ids=3,7,9``),
CSV and XLSX exports, and a click on a row opens the record's page.

Everything that decides what the list shows is in the URL, so a link reproduces it: the ids,
the chart element they came from (``kpi`` and ``bar``, which title the list: "Overdue CARs —
CAR-5, Level 1"), the as-of date (the rows as they were then), and the grid's sort and filters
(``sort=due_date:desc``, ``f.status=text:contains:OPEN``), written back as the user sorts and
filters.

The URL only asks: every callback reads the records again with the session's scope
(:func:`dashboards.records.fetch`), so a member who edits the URL gets none of another
department's records. Exports are defused against spreadsheet formulas and audited as EXPORT.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth.web_sessions import request_context
from dashboards import as_of as as_of_module
from dashboards import context, exports, records, words
from dashboards.paths import record_path
from dashboards.routes import match_path
from warehouse.errors import WarehouseError
from warehouse.events import record_audit
from warehouse.kpi.base import REGISTRY

FILTER_PREFIX = "f."
MAX_AS_OF_ROWS = 200  # rows rebuilt from the audit trail for a past date (one history read each)


def layout(user, match):
    return html.Div([
        dcc.Location(id="records-nav", refresh=True),
        dcc.Location(id="records-url", refresh=False),
        html.Div(id="records-banner"),
        dbc.Row([
            dbc.Col([html.H2(id="records-title", className="h4 mb-0"),
                     html.Small(id="records-subtitle", className="text-muted")], md=8),
            dbc.Col([dbc.Button("Export CSV", id="records-export", color="secondary", size="sm",
                                className="me-2"),
                     dbc.Button("Export XLSX", id="records-export-xlsx", color="secondary", size="sm")],
                    md=4, className="text-end"),
        ], className="mb-2"),
        dcc.Download(id="records-download"),
        dcc.Download(id="records-download-xlsx"),
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
    params = as_of_module.query(search)
    return kind, records.parse_ids(params.get("ids")), params


def _read(pathname: str | None, search: str | None) -> tuple[str, list[dict], dict[str, str]]:
    """The kind, the records the user may read (as of the URL's date) and the parameters."""
    user = context.user()
    kind, ids, params = query_of(pathname, search)
    with context.engine().connect() as connection:
        found = records.fetch(connection, user, kind, ids)
        labels = records.labels_of(connection, user.amo_id)
    as_of = as_of_module.parse(search)
    if as_of is not None and found:
        found = _as_of(kind, found, as_of)
    return kind, records.in_words(kind, found, labels), params


def _as_of(kind: str, found: list[dict], as_of) -> list[dict]:
    """The records as they were at the end of ``as_of`` (from the audit trail; the scope was
    decided on the current rows). A record created later is left out."""
    when = datetime.combine(as_of, time.max, UTC)
    warehouse = context.warehouse()
    past = []
    for record in found[:MAX_AS_OF_ROWS]:
        image = warehouse.as_of(kind, record["id"], when)
        if image is not None:
            past.append({**record, **{key: value for key, value in image.items() if key in record}})
    return past


def title(kind: str, params: dict[str, str]) -> str:
    """The list's title: what was clicked ("Overdue CARs — CAR-5, Level 1"), else the kind."""
    definition = REGISTRY.get(params.get("kpi", ""))
    bar = params.get("bar", "").strip()
    if definition and bar:
        return f"{definition.headline.label} — {bar}"
    if definition:
        return definition.headline.label
    return records.KINDS[kind].plural


NONE_NAMED = ("No records named: this list shows the records behind a chart's bar, point or cell. "
              "Click one on a cockpit to fill it.")


def _subtitle(kind: str, count: int, params: dict[str, str]) -> str:
    if not count:  # an address without ids (typed or cut short) lists nothing: say why
        return NONE_NAMED
    definition = REGISTRY.get(params.get("kpi", ""))
    noun = records.KINDS[kind].plural.lower() if count != 1 else records.KINDS[kind].singular.lower()
    parts = [f"{count} {noun}"]
    if definition:
        parts.append(definition.title)
    return " · ".join(parts)


def sort_of(params: dict[str, str]) -> tuple[str, str] | None:
    """(column, "asc" | "desc") of ``sort=column:desc``, or None."""
    column, _, direction = params.get("sort", "").partition(":")
    return (column, direction) if column and direction in ("asc", "desc") else None


def filter_model(params: dict[str, str], columns: tuple[str, ...]) -> dict:
    """The grid's filter model from ``f.<column>=<filter type>:<operator>:<value>`` parameters."""
    model = {}
    for key, value in params.items():
        column = key.removeprefix(FILTER_PREFIX)
        kind, _, rest = value.partition(":")
        operator, _, text = rest.partition(":")
        if key.startswith(FILTER_PREFIX) and column in columns and kind in ("text", "number") and operator:
            model[column] = {"filterType": kind, "type": operator, "filter": text}
    return model


def grid_state_query(params: dict[str, str], model: dict | None, state: list | None) -> dict[str, str]:
    """``params`` with the grid's sort and filters in place of the URL's old ones."""
    kept = {key: value for key, value in params.items()
            if key != "sort" and not key.startswith(FILTER_PREFIX)}
    for column_state in state or []:
        if isinstance(column_state, dict) and column_state.get("sort") in ("asc", "desc"):
            kept["sort"] = f"{column_state.get('colId')}:{column_state['sort']}"
            break
    for column, spec in (model or {}).items():
        if isinstance(spec, dict) and spec.get("type") and spec.get("filter") not in (None, ""):
            kind = spec.get("filterType", "text")
            kept[f"{FILTER_PREFIX}{column}"] = f"{kind}:{spec['type']}:{spec['filter']}"
    return kept


def _columns(kind: str, params: dict[str, str]) -> list[dict]:
    sort = sort_of(params)
    columns = [{"field": "id", "headerName": "Id", "maxWidth": 110}]
    for name in records.KINDS[kind].columns:
        column = {"field": name, "headerName": words.code_in_words(name.upper()).replace(" id", "")}
        if sort and sort[0] == name:
            column["sort"] = sort[1]
        columns.append(column)
    return columns


def _audited_rows(pathname, search, file_format: str):
    """The rows to export (as shown: in words, as of the URL's date), audited as EXPORT."""
    kind, found, params = _read(pathname, search)
    if kind not in records.KINDS:
        return None, None
    rows = records.list_rows(kind, found)
    user = context.user()
    with context.engine().begin() as connection:
        record_audit(connection, request_context(), "EXPORT", amo_id=user.amo_id, entity_type=kind,
                     department_id=user.department_id,
                     after={"format": file_format, "rows": len(rows), "ids": [row["id"] for row in rows],
                            "title": title(kind, params), "as_of": params.get(as_of_module.PARAMETER)})
    return kind, rows


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("records-grid", "rowData"), Output("records-grid", "columnDefs"),
                  Output("records-title", "children"), Input("url", "pathname"), Input("url", "search"))
    def show_records(pathname, search):
        try:
            kind, found, params = _read(pathname, search)
        except as_of_module.BadDate as error:
            return [], [], f"Pick a date up to today ({error})."
        except WarehouseError as error:
            return [], [], f"The records could not be read as of that date: {error}"
        if kind not in records.KINDS:
            return [], [], "No such list."
        return records.list_rows(kind, found), _columns(kind, params), title(kind, params)

    @app.callback(Output("records-subtitle", "children"), Output("records-banner", "children"),
                  Output("records-grid", "filterModel"), Input("url", "pathname"), Input("url", "search"))
    def describe(pathname, search):
        """The count and KPI under the title, the as-of banner, and the URL's filters on the grid."""
        kind, ids, params = query_of(pathname, search)
        if kind not in records.KINDS:
            return "", None, {}
        try:
            as_of = as_of_module.parse(search)
        except as_of_module.BadDate:
            as_of = None
        return (_subtitle(kind, len(ids), params), as_of_module.banner(as_of, pathname, search),
                filter_model(params, records.KINDS[kind].columns))

    @app.callback(Output("records-url", "search"), Input("records-grid", "filterModel"),
                  Input("records-grid", "columnState"), State("url", "search"), prevent_initial_call=True)
    def remember_grid(model, state, search):
        """The user sorted or filtered: the same in the URL, so a link shows the same list."""
        params = as_of_module.query(search)
        wanted = grid_state_query(params, model, state)
        return no_update if wanted == params else as_of_module.search_of(wanted)

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
        kind, rows = _audited_rows(pathname, search, "csv")
        if kind is None:
            return no_update
        return dcc.send_string(records.to_csv(rows), f"{kind}.csv", type="text/csv")

    @app.callback(Output("records-download-xlsx", "data"), Input("records-export-xlsx", "n_clicks"),
                  State("url", "pathname"), State("url", "search"), prevent_initial_call=True)
    def export_xlsx(n_clicks, pathname, search):
        if not n_clicks:
            return no_update
        kind, rows = _audited_rows(pathname, search, "xlsx")
        if kind is None:
            return no_update
        params = as_of_module.query(search)
        return dcc.send_bytes(exports.to_xlsx(rows, title(kind, params), params.get(as_of_module.PARAMETER)),
                              f"{kind}.xlsx")
