"""One record's page (``/maintenance/<amo>/cars/42``), the same for every entity type, drawn from
its declaration (:data:`dashboards.records.KINDS`) and the schema's foreign keys:

* a header with the record's label, its state and its department;
* its fields in words, with units, and the records it names as labelled links;
* the records that name it (a CAR's attachments, an aircraft's defects and work orders);
* for an attachment, its stored SHA-256 and the result of the last integrity check;
* a status timeline (who, when, from → to, why) and an audit-trail tab with before and after
  values, from the record's audit events (the archive ∪ the hot tail, oldest first, so they
  reach back for years).

The record is read with the session's scope (:func:`dashboards.records.fetch`): out of scope
looks exactly like "no such record". Each view is audited as VIEW.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, html, no_update

from auth.policy import may_open_page, may_perform
from auth.web_sessions import request_context
from dashboards import context, evidence, links, records, words
from dashboards.names import USER_PAGE, markdown_link
from dashboards.paths import record_path, user_path
from dashboards.routes import match_path
from warehouse.errors import WarehouseError
from warehouse.events import record_audit

MAX_EVENTS = 500
REVERIFY = "evidence.reverify"
STATE_COLOURS = {"good": "success", "bad": "danger", "other": "secondary"}
GOOD_STATES = frozenset({"CLOSED", "OK", "IN_TOL", "PASS", "COMPLIED", "valid", "IN_SERVICE", "SERVICEABLE",
                         "RECTIFIED", "Active"})
BAD_STATES = frozenset({"MISMATCH", "MISSING", "OUT_OF_TOL", "FAIL", "LOST", "AOG", "expired", "revoked",
                        "suspended", "OPEN", "Disabled"})


def layout(user, match):
    return html.Div(id="entity-body")


def _target(pathname: str | None) -> tuple[str, int | None]:
    match = match_path(pathname)
    if match is None or "id" not in match.params:
        return "", None
    return match.params["entity_type"], match.params["id"]


def _text(value) -> str:
    """A value as text: times in UTC to the minute, dates as ISO, codes in words, nothing as a dash."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, sort_keys=True)
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T" and value[4] == "-":
        try:  # a time from an audit image
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, str):
        return words.code_in_words(value)
    return str(records.plain(value))


def _state_badge(kind: records.Kind, record: dict):
    if not kind.status or kind.status not in record:
        return None
    text = words.word(kind.status, record.get(kind.status))
    tone = "good" if text in GOOD_STATES or str(record.get(kind.status)) in GOOD_STATES else \
        "bad" if str(record.get(kind.status)) in BAD_STATES or text in BAD_STATES else "other"
    return dbc.Badge(text, color=STATE_COLOURS[tone], className="ms-2 align-middle", id="entity-status")


def _value(amo_code: str, column: str, record: dict, named: dict[str, links.Link], labels: dict):
    """A field's value in words: a link for a record it names, a name for a department or person,
    the unit after a number."""
    value = record.get(column)
    if column in named:
        link = named[column]
        return html.A(link.label, href=record_path(amo_code, link.kind, link.id), className="entity-link")
    person = column in labels and labels[column] is labels.get("user_id")
    href = _who_href(value, labels["user_id"]) if person and value is not None else None
    if href:  # a person, linked to their page for readers who may open it
        return html.A(words.word(column, value, labels), href=href, className="user-link")
    if value is not None and (column in labels or column in words.BOOLEANS):
        return words.word(column, value, labels)
    unit = words.unit(column, record)
    return f"{_text(value)} {unit}" if unit and value is not None else _text(value)


def _fields(amo_code: str, record: dict, named, labels):
    hidden = records.HIDDEN_COLUMNS | {"amo_id", "department"}
    rows = [html.Tr([html.Th(words.field_name(name), className="fw-normal text-muted"),
                     html.Td(_value(amo_code, name, record, named, labels))])
            for name in record if name not in hidden]
    return dbc.Table(html.Tbody(rows), size="sm", bordered=False, className="mb-0", id="entity-fields")


def _integrity(record: dict, user):
    """An attachment's stored checksum, the result of its last integrity check, and a button to
    check again (for roles that may, when the deployment says where the files are)."""
    status = record.get("verify_status")
    root = context.app_context().settings.evidence_root
    if not may_perform(user.role, REVERIFY):
        action = None
    elif root:
        action = dbc.Button("Re-verify now", id="entity-reverify", color="light", size="sm", className="mt-1")
    else:
        action = html.Small("Re-verification needs the evidence folder (AMOSCOPE_EVIDENCE_ROOT).",
                            className="d-block")
    return dbc.Alert([
        html.Div([html.Strong("Integrity: "), words.code_in_words(str(status)),
                  f" (last checked {_text(record.get('last_verified_at'))})"]),
        html.Div([html.Span("Stored SHA-256: ", className="text-muted"),
                  html.Code(record.get("sha256") or "—", id="entity-sha256")]),
        action, html.Div(id="entity-reverify-result"),
    ], color="success" if status == "OK" else "danger", id="entity-integrity", className="py-2")


def _back(amo_code: str, groups: list[links.BackGroup]):
    if not groups:
        return html.P("No other record points to this one.", className="text-muted")
    cards = []
    for group in groups:
        kind = records.KINDS[group.kind]
        more = f" (first {links.MAX_BACK})" if group.total > links.MAX_BACK else f" ({group.total})"
        title = f"{kind.plural} — {words.field_name(group.column).lower()}{more}"
        items = [html.Li(html.A(link.label, href=record_path(amo_code, link.kind, link.id)))
                 for link in group.links]
        cards.append(html.Div([html.H3(title, className="h6 mb-1"), html.Ul(items, className="mb-2")],
                              className="entity-back", **{"data-kind": group.kind}))
    return html.Div(cards, id="entity-back")


def _image(value) -> dict:
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("{") else {}
    return value if isinstance(value, dict) else {}


def _changes(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) of the fields an event changed (hidden bookkeeping left out)."""
    names = [name for name in dict.fromkeys([*before, *after])
             if name not in records.HIDDEN_COLUMNS | {"updated_at", "row_version"}]
    return [(name, before.get(name), after.get(name)) for name in names
            if before.get(name) != after.get(name)]


def _who(actor_user_id, people: dict) -> str:
    """The actor's name ("the system" for the scheduler and imports, which act without a user)."""
    if actor_user_id is None or pd.isna(actor_user_id):
        return "the system"
    return people.get(int(actor_user_id), f"user {int(actor_user_id)}")


def _who_href(actor_user_id, people: dict) -> str | None:
    """The actor's user page, for readers who may open it."""
    user = context.user()
    if actor_user_id is None or pd.isna(actor_user_id) or int(actor_user_id) not in people:
        return None
    if not may_open_page(user.role, user.department_code, USER_PAGE):
        return None
    return user_path(user.amo_code, int(actor_user_id))


def _status_timeline(kind: records.Kind, events: pd.DataFrame, people: dict):
    """Each change of the record's state: who, when, from → to, and the reason given."""
    status = kind.status or "status"
    items = []
    current = None  # the state so far: an update's images may hold only the fields it changed
    for row in events.itertuples():
        before, after = _image(row.before), _image(row.after)
        old = before.get(status, current)
        new_state = after.get(status, old)
        if row.action not in ("CREATE", "VOID") and new_state == old:
            continue
        current = new_state
        old = words.word(status, old) if old is not None else "—"
        new = words.word(status, new_state) if new_state is not None else row.action.lower()
        who = _who(row.actor_user_id, people)
        href = _who_href(row.actor_user_id, people)
        reason = row.reason if isinstance(row.reason, str) and row.reason else None
        change = f"{old} → {new}" if row.action != "CREATE" else f"created as {new}"
        items.append(html.Li([
            html.Strong(change, className="me-2"),
            html.Span(["by ", html.A(who, href=href, className="user-link")] if href else f"by {who}",
                      className="entity-actor me-2"),
            html.Small(_text(row.occurred_at), className="text-muted"),
            html.Div(f"Reason: {reason}", className="small entity-reason") if reason else None,
        ], className="list-group-item"))
    if not items:
        return html.P("No status changes recorded.", className="text-muted")
    return html.Ol(items, className="list-group list-group-numbered", id="entity-timeline")


def _trail(events: pd.DataFrame, people: dict):
    """Every audit event: when, what, who, each changed field's before and after, and why."""
    rows = []
    for row in events.itertuples():
        changes = _changes(_image(row.before), _image(row.after))
        who = markdown_link(_who(row.actor_user_id, people), _who_href(row.actor_user_id, people))
        rows.append({"when": _text(row.occurred_at), "action": words.code_in_words(str(row.action)),
                     "who": who,
                     "changes": "; ".join(f"{words.field_name(name)}: {_text(old)} → {_text(new)}"
                                          for name, old, new in changes),
                     "reason": row.reason if isinstance(row.reason, str) else ""})
    columns = [{"field": "when", "maxWidth": 190}, {"field": "action", "maxWidth": 140},
               {"field": "who", "maxWidth": 180, "cellRenderer": "markdown", "linkTarget": "_self"},
               {"field": "changes", "flex": 1, "wrapText": True, "autoHeight": True}, {"field": "reason"}]
    return dag.AgGrid(id="entity-trail", rowData=rows, columnDefs=columns,
                      defaultColDef={"filter": True, "resizable": True},
                      dashGridOptions={"pagination": True, "paginationPageSize": 25},
                      style={"height": "420px"})


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("entity-body", "children"), Input("url", "pathname"))
    def show_entity(pathname):
        user = context.user()
        kind_name, entity_id = _target(pathname)
        with context.engine().connect() as connection:
            found = records.fetch(connection, user, kind_name, [entity_id] if entity_id else [])
            if not found:
                return dbc.Alert("There is no such record, or it is not yours to see.", color="warning")
            record = found[0]
            kind = records.KINDS[kind_name]
            labels = records.labels_of(connection, user.amo_id)
            named = links.named(connection, user.amo_id, kind_name, record)
            back = links.pointing_back(connection, user, kind_name, entity_id)
        with context.engine().begin() as connection:
            record_audit(connection, request_context(), "VIEW", amo_id=user.amo_id, entity_type=kind_name,
                         entity_id=entity_id, entity_version=record.get("row_version"),
                         department_id=user.department_id)
        people = labels["user_id"]
        try:
            page = context.warehouse().history("audit", entity_type=kind_name, entity_id=str(entity_id),
                                               newest_first=False, limit=MAX_EVENTS)
            history = [dbc.Tab(_status_timeline(kind, page.events, people), label="Status timeline",
                               tab_id="timeline", class_name="pt-2"),
                       dbc.Tab(_trail(page.events, people), label="Audit trail", tab_id="trail",
                               class_name="pt-2")]
            note = (html.Small(f"The first {MAX_EVENTS} events are shown.", className="text-muted")
                    if page.next_page else None)
        except WarehouseError as error:
            history = [dbc.Tab(dbc.Alert(f"The history could not be read: {error}", color="danger"),
                               label="Status timeline", tab_id="timeline")]
            note = None
        department = labels["department_id"].get(record.get(kind.department)) if kind.department else None
        tabs = dbc.Tabs([dbc.Tab(_back(user.amo_code, back), label="Linked records", tab_id="back",
                                 class_name="pt-2"), *history], active_tab="timeline")
        return html.Div([
            html.H2([f"{kind.singular} {links.label(kind_name, record)}", _state_badge(kind, record)],
                    className="h4 mb-0", id="entity-title"),
            html.Small(f"Department: {department}" if department else "", className="text-muted"),
            _integrity(record, user) if "sha256" in record and "verify_status" in record else None,
            dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(_fields(user.amo_code, record, named, labels))), lg=5),
                     dbc.Col([tabs, note], lg=7)], className="mt-2"),
        ])

    @app.callback(Output("entity-reverify-result", "children"), Input("entity-reverify", "n_clicks"),
                  State("url", "pathname"), prevent_initial_call=True)
    def reverify(n_clicks, pathname):
        """Hash the attachment's file again; the result is stored on it and audited."""
        user = context.user()
        kind_name, entity_id = _target(pathname)
        root = context.app_context().settings.evidence_root
        if not n_clicks or kind_name != "car_attachments" or not root or not may_perform(user.role, REVERIFY):
            return no_update
        with context.engine().begin() as connection:
            found = records.fetch(connection, user, kind_name, [entity_id])
            if not found:
                return dbc.Alert("There is no such record, or it is not yours to see.", color="warning")
            status = evidence.reverify(connection, request_context(), user.amo_id, found[0], root)
        return html.Div(f"Checked just now: {words.code_in_words(status)}. Reload the page to see it in "
                        "the history.", className="fw-bold", id="entity-reverify-status")
