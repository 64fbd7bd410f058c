"""The live-activity panel every page offers from the navbar: the feed in words, important events
pinned until acknowledged, filter chips, a "N new" badge, and the reader's notifications.

Members follow their own department; roles with the AMO in scope follow the whole AMO. The feed
polls with ``dcc.Interval`` (paused while the tab is hidden, by ``assets/pause_when_hidden.js``)
and keeps its cursor in a ``dcc.Store``: a poll with nothing new answers "no update" (no data,
no layout work); new items are prepended with ``Patch()`` and the list is trimmed to
:data:`MAX_ITEMS` (older events: the history page). The chips live in the URL's fragment
(``#feed=car,defect``), so they survive a reload on any page. Acknowledged pins are remembered
in the browser. The badge is counted, and the items' relative times kept current, in the browser
(``assets/feed.js``).
"""

from __future__ import annotations

from datetime import UTC

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Dash, Input, Output, Patch, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from auth.notifications import inbox
from auth.policy import DATA_SCOPES, may_open_page
from dashboards import context, feed
from dashboards.names import Names, kind_words, relative_time
from dashboards.paths import page_path

POLL_MILLISECONDS = 5000
MAX_ITEMS = 200
FIRST_ITEMS = 50


def navbar_button():
    """The navbar's way into the panel, with the count of items the reader has not seen."""
    return dbc.Button(["Live activity ", dbc.Badge("", id="feed-new", color="warning", text_color="dark",
                                                   className="ms-1")],
                      id="feed-open", color="outline-light", size="sm", className="me-3 text-nowrap")


def panel(user):
    """The off-canvas panel (closed at first; it keeps polling so the badge can count)."""
    history = (html.A("Older events: open in history", href=page_path(user.amo_code, "history"),
                      id="feed-history-link", className="small")
               if may_open_page(user.role, user.department_code, "history") else None)
    return html.Div([
        dcc.Location(id="feed-url", refresh=False),
        dcc.Store(id="feed-cursor"), dcc.Store(id="feed-pin-signal"), dcc.Store(id="feed-unseen", data=0),
        dcc.Store(id="feed-acks", storage_type="local", data=[]), dcc.Store(id="inbox-state"),
        dcc.Interval(id="feed-interval", interval=POLL_MILLISECONDS),
        dbc.Offcanvas([
            dbc.Checklist(id="feed-chips", inline=True, value=[], className="small mb-2",
                          options=[{"label": text, "value": name} for name, text in feed.FAMILIES.items()]),
            html.Div(id="feed-pinned"),
            dbc.Button("", id="feed-jump", size="sm", color="warning", className="w-100 mb-2",
                       style={"display": "none"}),
            html.Div(html.Ul(id="feed-list", className="list-group list-group-flush"), id="feed-scroll",
                     style={"maxHeight": "60vh", "overflowY": "auto"}),
            history,
            html.H3("Your notifications", className="h6 mt-3"),
            html.Div(id="inbox-list"),
        ], id="feed-panel", title="Live activity", placement="end", is_open=False, scrollable=True,
            backdrop=False, style={"width": "30rem"}),
    ])


def _scope(user) -> int | None:
    """The department id a member follows (the session's: no query); None (the whole AMO) for
    roles with the AMO in scope."""
    if DATA_SCOPES.get(user.role) == "amo":
        return None
    return user.department_id


def _families(value) -> tuple[str, ...]:
    """The known kind families among the chips' value (anything else from the browser is ignored)."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(sorted({family for family in value if isinstance(family, str) and family in feed.FAMILIES}))


def _acknowledged(value) -> list[int]:
    return [item for item in value if isinstance(item, int) and not isinstance(item, bool)] \
        if isinstance(value, list) else []


def _sentence(names: Names, event: dict) -> list:
    """"A. Khan closed CAR-0413 — effectiveness verified": who, what, which record, what else."""
    kind, entity_id = event.get("entity_type"), event.get("entity_id")
    label = names.record_label(kind, entity_id) if kind else ""
    verb = kind_words(event.get("kind"))
    rest = str(event.get("summary") or "")
    if label and rest.startswith(label):
        rest = rest[len(label):].lstrip(" :—-")
    said = html.Span(f" — {rest}", className="text-muted") if rest and rest.lower() != verb.lower() else None
    record = names.record_link(kind, entity_id) if label else None
    return [names.user_link(event.get("actor_user_id")), f" {verb} ", record, said]


def _item(names: Names, event: dict, *, pinned: str | None = None):
    occurred = event["occurred_at"]
    occurred = occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)
    # assets/feed.js keeps the relative time current while the item stays on screen.
    when = html.Small(relative_time(occurred), className="text-muted ms-2 feed-time",
                      title=f"{occurred:%d %b %Y %H:%M} UTC", **{"data-time": occurred.isoformat()})
    if pinned is None:
        return html.Li([*_sentence(names, event), when], className="list-group-item px-1 feed-item")
    return dbc.Alert([dbc.Badge(pinned, color="danger", className="me-2"), *_sentence(names, event), when,
                      dbc.Button("Acknowledge", id={"type": "feed-ack", "id": int(event["id"])}, size="sm",
                                 color="link", className="ms-1 p-0 align-baseline")],
                     color="warning", className="py-2 mb-2 feed-pinned-item")


def _items(connection, user, events: list[dict]) -> list:
    names = Names.load(connection, user, events)
    return [_item(names, event) for event in events]


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("feed-panel", "is_open"), Input("feed-open", "n_clicks"),
                  State("feed-panel", "is_open"), prevent_initial_call=True)
    def toggle(_clicks, is_open):
        return not is_open

    @app.callback(Output("feed-chips", "value"), Input("url", "hash"))
    def chips_from_url(fragment):
        text = str(fragment or "").lstrip("#")
        return list(_families(text.removeprefix("feed=").split(","))) if text.startswith("feed=") else []

    @app.callback(Output("feed-list", "children"), Output("feed-cursor", "data"),
                  Output("feed-pin-signal", "data"), Output("feed-url", "hash"),
                  Input("feed-interval", "n_intervals"), Input("feed-chips", "value"),
                  State("feed-cursor", "data"))
    def update_feed(_ticks, chips, cursor_data):
        user = context.user()
        families = _families(chips)
        fragment = f"#feed={','.join(families)}" if families else ""
        department_id = _scope(user)
        cursor = feed.parse_cursor(cursor_data)
        same = isinstance(cursor_data, dict) and cursor_data.get("families") == list(families)
        fresh = cursor is None or not same or ctx.triggered_id == "feed-chips"
        # Reads without a transaction: a poll with nothing new is one statement, one round trip.
        with context.reader().connect() as connection:
            events = None if fresh else feed.news(connection, user.amo_id, department_id, cursor,
                                                  families=families)
            if events is None:  # a fresh start, or a stale cursor
                events = feed.latest(connection, user.amo_id, department_id, FIRST_ITEMS, families)
                state = {**(feed.cursor_of(events[0]) if events else {"txid": 0, "id": 0}),
                         "count": len(events), "added": 0, "families": list(families)}
                return _items(connection, user, events), state, state["id"], fragment
            if not events:
                raise PreventUpdate  # nothing new: no data sent, no layout work
            items = _items(connection, user, events)
        children = Patch()
        for item in items:
            children.prepend(item)
        shown = cursor_data.get("count")
        count = (shown if isinstance(shown, int) and 0 <= shown <= MAX_ITEMS else MAX_ITEMS) + len(items)
        for _ in range(max(0, count - MAX_ITEMS)):
            del children[MAX_ITEMS]
        state = {**feed.cursor_of(events[-1]), "count": min(count, MAX_ITEMS), "added": len(items),
                 "families": list(families)}
        pins = any(feed.pin_label(event) for event in events)
        return children, state, events[-1]["id"] if pins else no_update, no_update

    @app.callback(Output("feed-pinned", "children"), Input("feed-pin-signal", "data"),
                  Input("feed-acks", "data"))
    def show_pins(_signal, acknowledged):
        user = context.user()
        done = set(_acknowledged(acknowledged))
        with context.reader().connect() as connection:
            events = [event for event in feed.pinnable(connection, user.amo_id, _scope(user))
                      if event["id"] not in done]
            names = Names.load(connection, user, events)
        return [_item(names, event, pinned=feed.pin_label(event)) for event in events]

    @app.callback(Output("feed-acks", "data"), Input({"type": "feed-ack", "id": ALL}, "n_clicks"),
                  State("feed-acks", "data"), prevent_initial_call=True)
    def acknowledge(clicks, acknowledged):
        target = ctx.triggered_id
        if not isinstance(target, dict) or not isinstance(clicks, list) or not any(clicks):
            raise PreventUpdate
        event_id = _acknowledged([target.get("id")])  # a forged, non-integer id acknowledges nothing
        if not event_id:
            raise PreventUpdate
        return [*_acknowledged(acknowledged)[-500:], *event_id]

    @app.callback(Output("inbox-list", "children"), Output("inbox-state", "data"),
                  Input("feed-interval", "n_intervals"), State("inbox-state", "data"))
    def update_inbox(_ticks, shown):
        with context.reader().connect() as connection:
            messages = inbox(connection, current_user.user_id)
        state = [[message["id"], message["read_at"] is not None] for message in messages]
        if state == shown:
            raise PreventUpdate  # nothing new: no data sent
        if not messages:
            return html.P("No notifications.", className="text-muted small"), state
        return [dbc.Card(dbc.CardBody([html.H4(message["subject"], className="h6"),
                                       html.P(message["body"], className="mb-1 small"),
                                       html.Small(relative_time(message["created_at"]),
                                                  className="text-muted")]),
                         className="mb-2")
                for message in messages], state

    app.clientside_callback(
        ClientsideFunction(namespace="feed", function_name="unseen"),
        Output("feed-unseen", "data"), Output("feed-new", "children"), Output("feed-jump", "children"),
        Output("feed-jump", "style"),
        Input("feed-cursor", "data"), Input("feed-panel", "is_open"), Input("feed-jump", "n_clicks"),
        State("feed-unseen", "data"))
