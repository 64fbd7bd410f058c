"""The activity history of the reader's AMO: every audit event, archived or not, in a grid that
scrolls through all of it.

The grid uses ag-grid's infinite row model: each block it asks for is one keyset page of
``Warehouse.history`` (newest first, never OFFSET). The cursor that continues after each block
is kept in the browser by block start; a block asked for out of order is reached by walking
forward from the nearest known cursor. The filters live in the URL, so a view can be shared and
survives a reload; CSV and XLSX exports hold exactly the filtered events and are audited as
EXPORT. A click on a row opens the event with its before and after values.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from auth.directory import everyone
from auth.web_sessions import request_context
from dashboards import context, exports, records
from dashboards.names import AUDIT_WORDS, Names, action_words, entity_words, event_dicts, markdown_link
from warehouse.archive import ArchiveError
from warehouse.errors import WarehouseError
from warehouse.events import AUDIT_ACTIONS, record_audit

BLOCK = 200
MAX_PAGE = 500
MAX_EXPORT = 100_000
FIELDS = ("department", "actor", "action", "entity_type", "entity_id", "since", "until", "text")
COLUMNS = [
    {"field": "when", "headerName": "When (UTC)", "maxWidth": 170},
    {"field": "who", "headerName": "Who", "cellRenderer": "markdown", "linkTarget": "_self"},
    {"field": "what", "headerName": "What"},
    {"field": "record", "headerName": "Record", "cellRenderer": "markdown", "linkTarget": "_self"},
    {"field": "department", "headerName": "Department", "maxWidth": 130},
    {"field": "reason", "headerName": "Reason or details", "flex": 2},
]


def _control(field: str, label: str, component):
    return dbc.Col([dbc.Label(label, html_for=f"history-{field}", className="small mb-0"), component], md=3)


def layout(user, match):
    query = dict(match.query)
    with context.engine().connect() as connection:
        departments = sorted(records.department_ids_of(connection, user.amo_id))
        people = everyone(connection, user.amo_id)
    actions = sorted(AUDIT_ACTIONS)
    kinds = sorted({*records.KINDS, "users"})
    return html.Div([
        dcc.Location(id="history-location", refresh=False),
        dcc.Store(id="history-cursors", data={}),
        html.H2(f"Activity history · {user.amo_code}", className="h4"),
        dbc.Row([
            _control("department", "Department", dcc.Dropdown(
                id="history-department", value=query.get("department"), placeholder="Every department",
                options=[{"label": code, "value": code} for code in departments])),
            _control("actor", "Who", dcc.Dropdown(
                id="history-actor", value=_int_or_none(query.get("actor")), placeholder="Anyone",
                options=[{"label": name, "value": user_id} for user_id, name in people])),
            _control("action", "What", dcc.Dropdown(
                id="history-action", value=query.get("action"), placeholder="Any event",
                options=[{"label": AUDIT_WORDS.get(a, action_words(a)).capitalize(), "value": a}
                         for a in actions])),
            _control("entity_type", "Record type", dcc.Dropdown(
                id="history-entity_type", value=query.get("entity_type"), placeholder="Any record type",
                options=[{"label": entity_words(kind).capitalize(), "value": kind} for kind in kinds])),
        ], className="g-2"),
        dbc.Row([
            _control("entity_id", "Record id", dbc.Input(
                id="history-entity_id", value=query.get("entity_id", ""), maxLength=64, debounce=True)),
            _control("since", "From (date)", dbc.Input(id="history-since", type="date",
                                                       value=query.get("since", ""))),
            _control("until", "Up to and including", dbc.Input(id="history-until", type="date",
                                                               value=query.get("until", ""))),
            _control("text", "Text in the reason", dbc.Input(id="history-text", value=query.get("text", ""),
                                                             maxLength=200, debounce=True)),
        ], className="g-2 mt-1"),
        dbc.Row([
            dbc.Col([html.Div(id="history-problem"), html.Div(id="history-export-problem")], md=8),
            dbc.Col([dbc.Button("Export CSV", id="history-export-csv", color="secondary", size="sm",
                                className="me-2"),
                     dbc.Button("Export XLSX", id="history-export-xlsx", color="secondary", size="sm")],
                    md=4, className="text-end"),
        ], className="my-2"),
        dcc.Download(id="history-download"),
        html.Div(id="history-grid-box"),
        html.Small("Newest first. Click a row to see the event's values before and after.",
                   className="text-muted"),
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(id="history-event-title")),
                   dbc.ModalBody(id="history-event-body")], id="history-event", size="lg", is_open=False),
    ])


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 18 else None


def _date_or_none(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def chosen_filters(values: dict) -> dict[str, str]:
    """The filter values worth keeping (in the URL): well-formed ones only."""
    kept = {}
    for field in FIELDS:
        value = values.get(field)
        if field == "actor":
            value = _int_or_none(value)
        elif field in ("since", "until"):
            value = _date_or_none(value)
        elif isinstance(value, str):
            value = value.strip()[:200]
        else:
            value = None
        if value:
            kept[field] = str(value)
    return kept


def warehouse_filters(user, chosen: dict[str, str]) -> dict:
    """The warehouse's history filters for the chosen values (the AMO is the warehouse's scope)."""
    filters: dict = {}
    if "department" in chosen:
        with context.engine().connect() as connection:
            filters["department_id"] = records.department_ids_of(connection, user.amo_id).get(
                chosen["department"], -1)
    if "actor" in chosen:
        filters["actor_user_id"] = int(chosen["actor"])
    for field in ("action", "entity_type", "entity_id", "text"):
        if field in chosen:
            filters[field] = chosen[field]
    if "since" in chosen:
        filters["since"] = datetime.combine(date.fromisoformat(chosen["since"]), time(), UTC)
    if "until" in chosen:
        last_day = date.fromisoformat(chosen["until"])
        filters["until"] = datetime.combine(last_day + timedelta(days=1), time(), UTC)
    return filters


def _json(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def grid_rows(user, events: list[dict], departments: dict[int, str], *, links: bool) -> list[dict]:
    """Events as rows in words: names and labels (as markdown links for the grid), times in UTC."""
    with context.engine().connect() as connection:
        names = Names.load(connection, user, events)
    rows = []
    for event in events:
        actor, kind, entity_id = event.get("actor_user_id"), event.get("entity_type"), event.get("entity_id")
        who, record = names.user_name(actor), names.record_label(kind, entity_id)
        if links:
            who = markdown_link(who, names.user_href(actor))
            record = markdown_link(record, names.record_href(kind, entity_id))
        outcome = event.get("outcome")
        what = action_words(event["action"])
        if event.get("workflow_phase"):
            what += f" → {str(event['workflow_phase']).replace('_', ' ').lower()}"
        if outcome not in (None, "SUCCESS"):
            what += f" ({outcome.lower()})"
        rows.append({
            "id": int(event["id"]), "when": f"{event['occurred_at']:%Y-%m-%d %H:%M:%S}", "who": who,
            "what": what, "record": record if kind and not names.about_actor(event) else "",
            "department": departments.get(event.get("department_id"), ""),
            "reason": event.get("reason") or "",
            **({"before": _json(event.get("before")), "after": _json(event.get("after"))} if links else {}),
        })
    return rows


def _departments(user) -> dict[int, str]:
    with context.engine().connect() as connection:
        return {i: code for code, i in records.department_ids_of(connection, user.amo_id).items()}


def _page(filters: dict, cursor: str | None, limit: int):
    return context.warehouse().history("audit", page=cursor, limit=limit, **filters)


def _block(filters: dict, cursors: dict[str, str | None], start: int, end: int):
    """(events of rows start..end, the cursor after them, the known cursors) by keyset pages."""
    known = sorted(int(key) for key in cursors if key.isdigit() and int(key) <= start)
    at = known[-1] if known else 0
    cursor = cursors.get(str(at)) if known else None
    while at < start:  # a block asked for out of order: walk forward from the nearest cursor
        page = _page(filters, cursor, min(MAX_PAGE, start - at))
        if page.next_page is None:
            return [], None, cursors
        at += len(page.events)
        cursor = page.next_page
        cursors[str(at)] = cursor
    page = _page(filters, cursor, min(MAX_PAGE, end - start))
    if page.next_page:
        cursors[str(start + len(page.events))] = page.next_page
    return event_dicts(page.events), page.next_page, cursors


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("history-grid-box", "children"), Output("history-location", "search"),
                  *(Input(f"history-{field}", "value") for field in FIELDS))
    def apply_filters(*values):
        chosen = chosen_filters(dict(zip(FIELDS, values, strict=True)))
        grid = dag.AgGrid(id="history-grid", columnDefs=COLUMNS, rowModelType="infinite",
                          getRowId="params.data.id", defaultColDef={"resizable": True, "sortable": False},
                          dashGridOptions={"cacheBlockSize": BLOCK, "maxBlocksInCache": 10,
                                           "maxConcurrentDatasourceRequests": 1, "infiniteInitialRowCount": 1,
                                           "rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                            "enableClickSelection": True},
                                           "rowBuffer": 10},
                          columnSize="responsiveSizeToFit", style={"height": "640px"})
        return grid, f"?{urlencode(chosen)}" if chosen else ""

    @app.callback(Output("history-grid", "getRowsResponse"), Output("history-cursors", "data"),
                  Output("history-problem", "children"),
                  Input("history-grid", "getRowsRequest"), State("history-location", "search"),
                  State("history-cursors", "data"), prevent_initial_call=True)
    def rows(request, search, cursors):
        if not isinstance(request, dict):
            return no_update, no_update, no_update
        user = context.user()
        start = _int_or_none(request.get("startRow")) or 0
        end = max(start + 1, min(start + MAX_PAGE, _int_or_none(request.get("endRow")) or start + BLOCK))
        # The cursors were made for the filters in ``search``; other filters start afresh.
        same = isinstance(cursors, dict) and cursors.get("search") == search
        stored = cursors.get("cursors") if same else None
        stored = stored if isinstance(stored, dict) else {}
        cursors = {str(k): v for k, v in stored.items() if isinstance(v, str)}
        try:
            filters = warehouse_filters(user, chosen_filters(_query(search)))
            events, after, cursors = _block(filters, cursors, start, end)
        except (WarehouseError, ArchiveError) as error:
            return {"rowData": [], "rowCount": 0}, {}, dbc.Alert(f"The history could not be read: {error}",
                                                                 color="danger")
        data = grid_rows(user, events, _departments(user), links=True)
        count = None if after else start + len(data)
        return {"rowData": data, "rowCount": count}, {"search": search, "cursors": cursors}, None

    @app.callback(Output("history-event", "is_open"), Output("history-event-title", "children"),
                  Output("history-event-body", "children"), Input("history-grid", "selectedRows"),
                  prevent_initial_call=True)
    def open_event(selected):
        if not isinstance(selected, list) or len(selected) != 1 or not isinstance(selected[0], dict):
            return False, no_update, no_update
        row = selected[0]
        row = {key: value if isinstance(value, str) else "" for key, value in row.items()}
        return True, f"{row.get('when', '')} · {row.get('what', '')}", _before_after(row)

    @app.callback(Output("history-download", "data"), Output("history-export-problem", "children"),
                  Input("history-export-csv", "n_clicks"), Input("history-export-xlsx", "n_clicks"),
                  State("history-location", "search"), prevent_initial_call=True)
    def export(csv_clicks, xlsx_clicks, search):
        kind = "xlsx" if ctx.triggered_id == "history-export-xlsx" else "csv"
        if not (csv_clicks or xlsx_clicks):
            return no_update, no_update
        user = context.user()
        chosen = chosen_filters(_query(search))
        try:
            events = _all_events(warehouse_filters(user, chosen))
        except (WarehouseError, ArchiveError, OverflowError) as error:
            return no_update, dbc.Alert(str(error), color="warning")
        rows = grid_rows(user, events, _departments(user), links=False)
        with context.engine().begin() as connection:
            record_audit(connection, request_context(), "EXPORT", amo_id=user.amo_id,
                         entity_type="audit_events", department_id=user.department_id,
                         after={"format": kind, "rows": len(rows), "filters": chosen})
        name = f"history-{user.amo_code}"
        if kind == "xlsx":
            title = "Activity history" + (f" ({urlencode(chosen)})" if chosen else "")
            return dcc.send_bytes(exports.to_xlsx(rows, title), f"{name}.xlsx"), None
        return dcc.send_string(records.to_csv(rows), f"{name}.csv", type="text/csv"), None


def _query(search) -> dict[str, str]:
    if not isinstance(search, str):
        return {}
    return {key: values[0] for key, values in parse_qs((search or "").lstrip("?")).items()}


def _all_events(filters: dict) -> list[dict]:
    """Every event matching ``filters``, newest first, in keyset pages; OverflowError past the cap."""
    events: list[dict] = []
    cursor = None
    while True:
        page = _page(filters, cursor, MAX_PAGE)
        events.extend(event_dicts(page.events))
        if len(events) > MAX_EXPORT:
            raise OverflowError(f"More than {MAX_EXPORT:,} events match: narrow the filters to export them.")
        if page.next_page is None:
            return events
        cursor = page.next_page


def _before_after(row: dict):
    before = _loads(row.get("before"))
    after = _loads(row.get("after"))
    fields = sorted({*before, *after})
    if not fields:
        return html.P([row.get("reason") or "This event recorded no values."], className="mb-0")
    body = [html.Tr([html.Td(field), html.Td(_shown(before.get(field))), html.Td(_shown(after.get(field)))],
                    className="table-warning" if field in before else None)  # before holds changed fields
            for field in fields if field not in records.HIDDEN_COLUMNS]
    return html.Div([
        html.P(row.get("reason") or "", className="text-muted"),
        dbc.Table([html.Thead(html.Tr([html.Th("Field"), html.Th("Before"), html.Th("After")])),
                   html.Tbody(body)], size="sm", bordered=True, id="history-event-values"),
    ])


def _loads(text) -> dict:
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _shown(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, default=str)
