"""A department page: the department's live activity feed and the user's notifications inbox.

It is drawn below every cockpit, and on its own as ``home``: the landing page of members whose
department's page is not theirs to open (QUAL, ADMIN).

The feed polls with ``dcc.Interval`` (paused while the tab is hidden, by
``assets/pause_when_hidden.js``), keeps its cursor in a ``dcc.Store``, appends with ``Patch()``
and starts over when the cursor is stale or tampered with. Which department it
shows comes from the session: members always see their own, admins the one in the URL.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, Patch, State, dcc, html

from auth.notifications import inbox
from auth.policy import department_in_scope
from dashboards import context, feed
from dashboards.paths import slug_of
from warehouse.schema import DEPARTMENT_CODES

POLL_MILLISECONDS = 5000


NAMES = {"QUAL": "Quality", "PLAN": "Planning", "PROD": "Production", "REL": "Reliability", "SAFE": "Safety",
         "STOR": "Stores", "ENG": "Engineering", "WKSP": "Workshops", "ADMIN": "Administration"}


def layout(user, match):
    """The feed and inbox of the department whose page this is (a cockpit, or ``home``: the
    member's own); the router has checked that the user may open it."""
    code = department_in_scope(user.role, user.department_code, match.route.pattern)
    return dbc.Row([
        dbc.Col([html.H2(f"{NAMES.get(code, 'Department')}: live activity", className="h4"),
                 html.Ul(id="feed-list", className="list-group"),
                 dcc.Store(id="feed-cursor"),
                 dcc.Interval(id="feed-interval", interval=POLL_MILLISECONDS)], md=8),
        dbc.Col([html.H2("Your notifications", className="h4"),
                 html.Div(id="inbox-list")], md=4),
    ])


def _item(event: dict):
    when = event["occurred_at"].strftime("%Y-%m-%d %H:%M")
    return html.Li([html.Small(when, className="text-muted me-2"), html.Code(event["kind"], className="me-2"),
                    event["summary"]], className="list-group-item")


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("feed-list", "children"), Output("feed-cursor", "data"),
                  Input("feed-interval", "n_intervals"), State("feed-cursor", "data"),
                  State("url", "pathname"))
    def update_feed(_ticks, cursor_data, pathname):
        user = context.user()
        code = department_in_scope(user.role, user.department_code, slug_of(pathname))
        if code not in DEPARTMENT_CODES:
            return [html.Li("No department selected.", className="list-group-item")], None
        with context.engine().connect() as connection:
            department_id = feed.department_id_for(connection, user.amo_id, code)
            if department_id is None:
                return [html.Li(f"This AMO has no {code} department.", className="list-group-item")], None
            cursor = feed.parse_cursor(cursor_data)
            if cursor is None or feed.is_stale(connection, cursor):
                events = feed.latest(connection, user.amo_id, department_id)
                if not events:
                    return [], {"txid": 0, "id": 0}
                return [_item(event) for event in events], feed.cursor_of(events[0])
            events = feed.after(connection, user.amo_id, department_id, cursor)
        if not events:
            return Patch(), cursor_data
        children = Patch()
        for event in events:
            children.prepend(_item(event))
        return children, feed.cursor_of(events[-1])

    @app.callback(Output("inbox-list", "children"), Input("feed-interval", "n_intervals"))
    def update_inbox(_ticks):
        user = context.user()
        with context.engine().connect() as connection:
            messages = inbox(connection, user.user_id)
        if not messages:
            return html.P("No notifications.", className="text-muted")
        return [dbc.Card(dbc.CardBody([html.H3(message["subject"], className="h6"),
                                       html.P(message["body"], className="mb-1 small"),
                                       html.Small(f"{message['created_at']:%Y-%m-%d %H:%M}",
                                                  className="text-muted")]), className="mb-2")
                for message in messages]
