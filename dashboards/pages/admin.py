"""The admin overview: the user command center of the admin's own AMO.

Account-state KPIs, the users list (dash-ag-grid), pending scheduled actions, and one form for
the actions: pick a user (or a scheduled action to cancel), pick the action, give the reason.
Every action goes through :mod:`auth.command_center`, which checks the policy again, so this
page is only a way to call it. The form carries an idempotency key, renewed after each
success, so a double click or a retried request acts once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from auth import command_center
from auth.errors import ActionRefused, AuthError
from auth.overview import account_kpis, list_users, pending_schedules, privileged_actions
from auth.user_actions import SCHEDULABLE
from dashboards import context
from dashboards.names import markdown_link
from dashboards.paths import user_path

ACTIONS = {
    "user.disable": "Disable", "user.enable": "Enable", "user.revoke_sessions": "Revoke sessions",
    "user.reset_password": "Reset password (send link)", "user.notify": "Send a message",
    "user.schedule": "Schedule an action", "user.cancel_schedule": "Cancel the selected scheduled action",
}
KPI_LABELS = {
    "active": "Active users", "disabled": "Disabled", "sessions_now": "Sessions now",
    "failed_logins_24h": "Failed logins 24 h", "leavers_still_active": "Leavers still active",
    "dormant_90d": "Dormant > 90 d", "mfa_coverage_pct": "MFA coverage %",
}
LINKED = {name: {"cellRenderer": "markdown", "linkTarget": "_self"} for name in ("full_name", "actor",
                                                                                 "entity_id")}
USER_COLUMNS = ["username", "full_name", "department", "role", "is_active", "sessions", "last_login_at",
                "left_at", "disabled_reason"]
HEADERS = {
    "username": "Login", "full_name": "Name", "department": "Department", "role": "Role",
    "is_active": "Active", "sessions": "Open sessions", "last_login_at": "Last login (UTC)",
    "left_at": "Left (UTC)", "disabled_reason": "Why disabled", "id": "No.", "action": "Action",
    "target": "Whom",
    "run_at": "Runs at (UTC)", "reason": "Reason", "occurred_at": "When (UTC)", "outcome": "Outcome",
    "actor": "By", "entity_type": "Record type", "entity_id": "Record",
}


def _column(name: str, **options) -> dict:
    """A grid column headed in words, with a link renderer where the cell links to a page."""
    return {"field": name, "headerName": HEADERS[name], **LINKED.get(name, {}), **options}


def layout(user, match):
    return html.Div([
        html.H2(f"User command center · {user.amo_code}", className="h4"),
        dcc.Store(id="admin-refresh", data=0),
        dcc.Store(id="admin-form-key", data=uuid.uuid4().hex),
        html.Div(id="admin-kpis", className="row g-2 mb-3"),
        dag.AgGrid(id="admin-users", columnDefs=[_column(name, filter=True) for name in USER_COLUMNS],
                   rowData=[], getRowId="params.data.id",
                   dashGridOptions={"rowSelection": {"mode": "singleRow"}, "pagination": True},
                   style={"height": "360px"}),
        dbc.Row([
            dbc.Col([
                html.H3("Act on the selected user", className="h5 mt-3"),
                dbc.Label("Action", html_for="admin-action"),
                dcc.Dropdown(id="admin-action",
                             options=[{"label": label, "value": name} for name, label in ACTIONS.items()]),
                dbc.Label("Reason (required)", html_for="admin-reason", className="mt-2"),
                dbc.Textarea(id="admin-reason", maxLength=command_center.MAX_REASON),
                dbc.Label("Message subject / body (send or schedule a message)", className="mt-2"),
                dbc.Input(id="admin-subject", maxLength=200),
                dbc.Textarea(id="admin-body", className="mt-1"),
                dbc.Label("Scheduled action and time (UTC)", className="mt-2"),
                dcc.Dropdown(id="admin-scheduled-action",
                             options=[{"label": name, "value": name} for name in SCHEDULABLE]),
                dbc.Input(id="admin-run-at", type="datetime-local", className="mt-1"),
                dbc.Button("Apply", id="admin-apply", color="primary", className="mt-3"),
                html.Div(id="admin-result", className="mt-2"),
            ], md=6),
            dbc.Col([
                html.H3("Scheduled actions", className="h5 mt-3"),
                dag.AgGrid(id="admin-schedules",
                           columnDefs=[_column(name)
                                       for name in ("id", "action", "target", "run_at", "reason")],
                           rowData=[], getRowId="params.data.id",
                           dashGridOptions={"rowSelection": {"mode": "singleRow"}},
                           style={"height": "300px"}),
            ], md=6),
        ]),
        html.H3("Privileged actions", className="h5 mt-4"),
        dag.AgGrid(id="admin-timeline",
                   columnDefs=[_column(name) for name in ("occurred_at", "action", "outcome", "actor",
                                                          "entity_type", "entity_id", "reason")],
                   rowData=[], dashGridOptions={"pagination": True}, style={"height": "320px"}),
    ])


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}
            for row in rows]


def _idle() -> timedelta:
    return timedelta(minutes=context.app_context().settings.auth.session_idle_minutes)


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("admin-kpis", "children"), Input("admin-refresh", "data"))
    def update_kpis(_refresh):
        user = context.user()
        with context.engine().connect() as connection:
            kpis = account_kpis(connection, user.amo_id, idle=_idle())
        return [dbc.Col(dbc.Card(dbc.CardBody([html.Div(KPI_LABELS[key], className="small text-muted"),
                                               html.Div(str(value), className="h4 mb-0", id=f"kpi-{key}")])))
                for key, value in kpis.items()]

    @app.callback(Output("admin-users", "rowData"), Input("admin-refresh", "data"))
    def update_users(_refresh):
        user = context.user()
        with context.engine().connect() as connection:
            rows = _jsonable(list_users(connection, user.amo_id, idle=_idle()))
        for row in rows:  # each name links to the user's page
            row["full_name"] = markdown_link(row["full_name"], user_path(user.amo_code, row["id"]))
        return rows

    @app.callback(Output("admin-schedules", "rowData"), Input("admin-refresh", "data"))
    def update_schedules(_refresh):
        user = context.user()
        with context.engine().connect() as connection:
            return _jsonable(pending_schedules(connection, user.amo_id))

    @app.callback(Output("admin-timeline", "rowData"), Input("admin-refresh", "data"))
    def update_timeline(_refresh):
        user = context.user()
        with context.engine().connect() as connection:
            rows = _jsonable(privileged_actions(connection, user.amo_id))
        for row in rows:  # the actor and the account acted on link to their pages
            actor_id = row.pop("actor_user_id")
            actor_page = user_path(user.amo_code, actor_id) if actor_id else None
            row["actor"] = markdown_link(row["actor"], actor_page)
            target = str(row["entity_id"] or "")
            if row["entity_type"] == "users" and target.isdigit():
                row["entity_id"] = markdown_link(target, user_path(user.amo_code, int(target)))
        return rows

    @app.callback(Output("admin-result", "children"), Output("admin-form-key", "data"),
                  Output("admin-refresh", "data"),
                  Input("admin-apply", "n_clicks"),
                  State("admin-users", "selectedRows"), State("admin-schedules", "selectedRows"),
                  State("admin-action", "value"), State("admin-reason", "value"),
                  State("admin-subject", "value"), State("admin-body", "value"),
                  State("admin-scheduled-action", "value"), State("admin-run-at", "value"),
                  State("admin-form-key", "data"), State("admin-refresh", "data"),
                  prevent_initial_call=True)
    def apply_action(_clicks, users_selected, schedules_selected, action, reason, subject, body,
                     scheduled_action, run_at, form_key, refresh):
        # The browser may send anything: what is not text counts as not given.
        texts = (action, reason, subject, body, scheduled_action)
        action, reason, subject, body, scheduled_action = (value if isinstance(value, str) else ""
                                                           for value in texts)
        refresh = refresh if isinstance(refresh, int) else 0
        try:
            outcome = _run(action, users_selected, schedules_selected, reason, subject, body,
                           scheduled_action, run_at, form_key)
        except AuthError as error:
            return dbc.Alert(str(error), color="danger"), no_update, no_update
        return (dbc.Alert(outcome.message, color="success" if outcome.changed else "secondary"),
                uuid.uuid4().hex, (refresh or 0) + 1)


def _run(action, users_selected, schedules_selected, reason, subject, body, scheduled_action, run_at,
         form_key):
    """Translate the form into one command-center call; the service does every check."""
    actor = context.actor()
    engine = context.engine()
    key = form_key if isinstance(form_key, str) and len(form_key) <= 64 else None
    if action == "user.cancel_schedule":
        schedule_id = _selected_id(schedules_selected, "scheduled action")
        return command_center.cancel_schedule(engine, actor, schedule_id, reason, idempotency_key=key)
    if action not in ACTIONS:
        raise ActionRefused("Choose an action.")
    target = _selected_id(users_selected, "user")
    params: dict = {}
    if action == "user.notify":
        params = {"subject": subject, "body": body}
    elif action == "user.schedule":
        params = {"action": scheduled_action, "run_at": _parse_utc(run_at),
                  "params": {"subject": subject, "body": body} if scheduled_action == "notify" else {}}
    return command_center.perform(engine, actor, action, target, reason, params=params, idempotency_key=key)


def _selected_id(selected, what: str) -> int:
    if not isinstance(selected, list) or len(selected) != 1 or not isinstance(selected[0], dict):
        raise ActionRefused(f"Select one {what} first.")
    value = selected[0].get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ActionRefused(f"Select one {what} first.")
    return value


def _parse_utc(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None
