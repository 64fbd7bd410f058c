"""One user's page (``/maintenance/<amo>/admin/users/<id>``): profile, role and department,
authorisations, open sessions, failed sign-ins, what the user did, what was done to the account,
and the action panel.

The two histories are keyset pages of the warehouse (the archive and the hot tail), newest
first, with "Show older" for the next page. Every action goes through
:mod:`auth.command_center`, which checks the policy and the AMO again; the panel asks for a
reason, confirms in a dialog, shows the result with its audit entry, and clears the form.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from auth import command_center
from auth.command_center import AUDIT_ACTION
from auth.directory import authorisations, failed_logins, open_sessions, profile
from auth.errors import ActionRefused, AuthError
from auth.user_actions import SCHEDULABLE
from dashboards import context
from dashboards.names import Names, action_words, event_dicts, relative_time
from dashboards.paths import record_path
from dashboards.routes import match_path
from warehouse.archive import ArchiveError
from warehouse.errors import WarehouseError
from warehouse.schema import audit_events

HISTORY_PAGE = 20
ACTIONS = {"user.disable": "Disable the account", "user.enable": "Enable the account",
           "user.revoke_sessions": "Revoke all sessions", "user.reset_password": "Send a password reset link",
           "user.notify": "Send a message", "user.schedule": "Schedule an action"}
# Which events each history shows: what the user did, and what was done to the account.
HISTORIES = {"activity": lambda user_id: {"actor_user_id": user_id},
             "account": lambda user_id: {"entity_type": "users", "entity_id": str(user_id)}}


def layout(user, match):
    return html.Div([
        dcc.Store(id="user-refresh", data=0),
        dcc.Store(id="user-form-key", data=uuid.uuid4().hex),
        html.Div(id="user-facts"),
        dbc.Row([
            dbc.Col([html.H3("Recent activity", className="h5 mt-3"), *_history_block("activity")], lg=6),
            dbc.Col([html.H3("Account history", className="h5 mt-3"), *_history_block("account")], lg=6),
        ]),
        _action_panel(),
    ])


def _history_block(name: str) -> list:
    return [html.Ul(id=f"user-{name}-list", className="list-group list-group-flush small"),
            dcc.Store(id=f"user-{name}-cursor"),
            dbc.Button("Show older", id=f"user-{name}-more", size="sm", color="link", disabled=True)]


def _action_panel():
    return dbc.Card(dbc.CardBody([
        html.H3("Act on this account", className="h5"),
        dbc.Row([
            dbc.Col([dbc.Label("Action", html_for="user-action"),
                     dbc.Select(id="user-action", value="user.disable",
                                options=[{"label": text, "value": name} for name, text in ACTIONS.items()])],
                    md=4),
            dbc.Col([dbc.Label("Reason (required, kept in the audit trail)", html_for="user-reason"),
                     dbc.Textarea(id="user-reason", maxLength=command_center.MAX_REASON, rows=2)], md=8),
        ], className="g-2"),
        dbc.Row([
            dbc.Col([dbc.Label("Message subject and text (to send or schedule)", html_for="user-subject"),
                     dbc.Input(id="user-subject", maxLength=200),
                     dbc.Textarea(id="user-body", className="mt-1", rows=2)], md=8),
            dbc.Col([dbc.Label("Scheduled action, and when (UTC)", html_for="user-scheduled-action"),
                     dbc.Select(id="user-scheduled-action", options=[{"label": name, "value": name}
                                                                     for name in SCHEDULABLE]),
                     dbc.Input(id="user-run-at", type="datetime-local", className="mt-1")], md=4),
        ], className="g-2 mt-1"),
        dbc.Button("Apply…", id="user-apply", color="primary", className="mt-3"),
        html.Div(id="user-result", className="mt-3"),
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle("Please confirm")),
            dbc.ModalBody(id="user-confirm-text"),
            dbc.ModalFooter([dbc.Button("Cancel", id="user-cancel", color="secondary"),
                             dbc.Button("Confirm", id="user-confirm", color="danger")]),
        ], id="user-confirm-dialog", is_open=False),
    ]), className="mt-4 mb-4", id="user-actions")


def _user_id(pathname: str | None) -> int | None:
    match = match_path(pathname)
    return match.params.get("user_id") if match else None


def _idle() -> timedelta:
    return timedelta(minutes=context.app_context().settings.auth.session_idle_minutes)


def _when(moment) -> str:
    return f"{moment:%d %b %Y %H:%M} UTC" if moment else "—"


def _facts(amo_code: str, account: dict, auths: list[dict], sessions: list[dict], failures: list[dict]):
    if not account["is_active"]:
        status = dbc.Badge("Disabled", color="danger", id="user-status")
    else:
        status = dbc.Badge("Active", color="success", id="user-status")
    details = [("Email", account["email"]), ("Username", account["username"]),
               ("Employee number", account["employee_no"] or "—"), ("Job title", account["job_title"] or "—"),
               ("Role", account["role_name"]), ("Department", f"{account['department_name']} "
                                                             f"({account['department']})"),
               ("Two-factor sign-in", "on" if account["mfa_enabled"] else "off"),
               ("Last sign-in", relative_time(account["last_login_at"])),
               ("Password changed", _when(account["password_changed_at"])),
               ("Account created", _when(account["created_at"])), ("Left the AMO", _when(account["left_at"]))]
    if not account["is_active"]:
        details.append(("Disabled", f"{_when(account['disabled_at'])}: {account['disabled_reason'] or ''}"))
    profile_card = dbc.Card(dbc.CardBody(dbc.Table(html.Tbody([
        html.Tr([html.Th(label, className="fw-normal text-muted"), html.Td(text)]) for label, text in details
    ]), size="sm", borderless=True, className="mb-0")))
    today = datetime.now(UTC)
    auth_rows = [html.Tr([
        html.Td(html.A(row["auth_type"], href=record_path(amo_code, "staff_authorisations", row["id"]),
                       className="record-link")),
        html.Td(row["scope"] or ""), html.Td(_when(row["issued_at"])[:11]),
        html.Td(_when(row["expires_at"])[:11],
                className="text-danger" if row["expires_at"] < today else None),
        html.Td(row["status"].capitalize()),
    ]) for row in auths]
    return html.Div([
        html.H2([account["full_name"], " ", status], className="h4", id="user-name"),
        html.P(f"{account['role_name']} · {account['department_name']}", className="text-muted"),
        dbc.Row([
            dbc.Col(profile_card, lg=5),
            dbc.Col([
                html.H3("Authorisations", className="h6"),
                dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("Type", "Scope", "Issued", "Valid until",
                                                                    "Status")])),
                           html.Tbody(auth_rows)], size="sm", id="user-authorisations")
                if auth_rows else html.P("No authorisations.", className="text-muted small"),
                html.H3(f"Open sessions: {len(sessions)}", className="h6 mt-3", id="user-sessions"),
                html.Ul([html.Li(f"since {_when(row['created_at'])}, last seen "
                                 f"{relative_time(row['last_seen_at'])} from {row['ip'] or 'unknown'}")
                         for row in sessions],
                        className="small"),
                html.H3(f"Failed sign-ins (latest {len(failures)})" if failures else "No failed sign-ins",
                        className="h6 mt-3", id="user-failures"),
                html.Ul([html.Li(f"{_when(row['attempted_at'])} from {row['ip']} ({row['path']})")
                         for row in failures], className="small"),
            ], lg=7),
        ]),
    ])


def _history_item(names: Names, event: dict):
    reason = event.get("reason")
    record = None if names.about_actor(event) else names.record_link(event.get("entity_type"),
                                                                      event.get("entity_id"))
    return html.Li([
        html.Small(relative_time(event["occurred_at"]), className="text-muted me-2",
                   title=_when(event["occurred_at"])),
        names.user_link(event.get("actor_user_id")), f" {action_words(event['action'])} ",
        record,
        html.Span(f" — {reason}", className="text-muted") if reason else None,
    ], className="list-group-item px-0")


def _history_page(user, user_id: int, name: str, cursor: str | None):
    """(items, the next cursor) of one history, or an error line."""
    try:
        page = context.warehouse().history("audit", page=cursor, limit=HISTORY_PAGE,
                                           **HISTORIES[name](user_id))
    except (WarehouseError, ArchiveError) as error:
        failure = html.Li(f"The history could not be read: {error}", className="list-group-item text-danger")
        return [failure], None
    events = event_dicts(page.events)
    with context.engine().connect() as connection:
        names = Names.load(connection, user, events)
    items = [_history_item(names, event) for event in events]
    if not items and cursor is None:
        items = [html.Li("Nothing recorded yet.", className="list-group-item px-0 text-muted")]
    return items, page.next_page


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("user-facts", "children"), Input("user-refresh", "data"), State("url", "pathname"))
    def show_facts(_refresh, pathname):
        user = context.user()
        user_id = _user_id(pathname)
        with context.engine().connect() as connection:
            account = profile(connection, user.amo_id, user_id) if user_id else None
            if account is None:
                return dbc.Alert("There is no such user.", color="warning")
            return _facts(user.amo_code, account, authorisations(connection, user_id),
                          open_sessions(connection, user_id, idle=_idle()),
                          failed_logins(connection, account["username"]))

    for name in HISTORIES:
        _register_history(app, name)

    @app.callback(Output("user-confirm-dialog", "is_open"), Output("user-confirm-text", "children"),
                  Output("user-result", "children"), Output("user-reason", "value"),
                  Output("user-subject", "value"), Output("user-body", "value"),
                  Output("user-form-key", "data"), Output("user-refresh", "data"),
                  Input("user-apply", "n_clicks"), Input("user-cancel", "n_clicks"),
                  Input("user-confirm", "n_clicks"),
                  State("user-action", "value"), State("user-reason", "value"),
                  State("user-subject", "value"), State("user-body", "value"),
                  State("user-scheduled-action", "value"), State("user-run-at", "value"),
                  State("user-form-key", "data"), State("user-refresh", "data"),
                  State("url", "pathname"), prevent_initial_call=True)
    def act(_apply, _cancel, _confirm, action, reason, subject, body, scheduled, run_at, form_key, refresh,
            pathname):
        action, reason, subject, body, scheduled = (
            value if isinstance(value, str) else "" for value in (action, reason, subject, body, scheduled))
        refresh = refresh if isinstance(refresh, int) else 0
        keep = (no_update,) * 6
        if ctx.triggered_id == "user-cancel":
            return False, no_update, *keep
        if ctx.triggered_id == "user-apply":
            if not (reason or "").strip():
                return False, no_update, dbc.Alert("Give a reason first: it goes into the audit trail.",
                                                   color="warning"), *keep[1:]
            return True, _confirmation(action, reason, pathname), *keep
        try:
            outcome = _perform(action, _user_id(pathname), reason or "", subject or "", body or "",
                               scheduled, run_at, form_key)
        except AuthError as error:
            return False, no_update, dbc.Alert(str(error), color="danger", id="user-error"), *keep[1:]
        result = dbc.Alert([html.Div(outcome.message, id="user-outcome"), _audit_entry(action, form_key)],
                           color="success" if outcome.changed else "secondary")
        return False, no_update, result, "", "", "", uuid.uuid4().hex, (refresh or 0) + 1


def _register_history(app: Dash, name: str) -> None:
    @app.callback(Output(f"user-{name}-list", "children"), Output(f"user-{name}-cursor", "data"),
                  Output(f"user-{name}-more", "disabled"),
                  Input("user-refresh", "data"), Input(f"user-{name}-more", "n_clicks"),
                  State(f"user-{name}-cursor", "data"), State("url", "pathname"))
    def show_history(_refresh, _more, cursor, pathname):
        user = context.user()
        user_id = _user_id(pathname)
        if user_id is None:
            return [], None, True
        more = ctx.triggered_id == f"user-{name}-more" and isinstance(cursor, str)
        items, next_cursor = _history_page(user, user_id, name, cursor if more else None)
        if not more:
            return items, next_cursor, next_cursor is None
        children = Patch()
        children.extend(items)
        return children, next_cursor, next_cursor is None


def _confirmation(action: str, reason: str, pathname: str | None):
    user = context.user()
    user_id = _user_id(pathname)
    with context.engine().connect() as connection:
        account = profile(connection, user.amo_id, user_id) if user_id else None
    who = account["full_name"] if account else "this user"
    return [html.P([html.Strong(ACTIONS.get(action, "Act")), f" for {who}?"]),
            html.P(f"Reason: {reason.strip()}", className="text-muted mb-0")]


def _audit_entry(action: str, form_key) -> html.Div:
    """The audit row the action just wrote (found by its idempotency key)."""
    with context.engine().connect() as connection:
        row = connection.execute(
            sa.select(audit_events.c.id, audit_events.c.occurred_at, audit_events.c.action,
                      audit_events.c.reason)
            .where(audit_events.c.request_id == str(form_key),
                   audit_events.c.action == AUDIT_ACTION.get(action, ""))
            .order_by(audit_events.c.id.desc()).limit(1)).first()
    if row is None:
        return html.Div()
    return html.Small(f"Audit entry {row.id}: you {action_words(row.action)} this account at "
                      f"{_when(row.occurred_at)} — {row.reason}", id="user-audit-entry")


def _perform(action, user_id, reason, subject, body, scheduled, run_at, form_key):
    """The form as one command-center call; the service does every check."""
    if action not in ACTIONS:
        raise ActionRefused("Choose an action.")
    if user_id is None:
        raise ActionRefused("There is no such user.")
    params: dict = {}
    if action == "user.notify":
        params = {"subject": subject, "body": body}
    elif action == "user.schedule":
        params = {"action": scheduled, "run_at": _parse_utc(run_at),
                  "params": {"subject": subject, "body": body} if scheduled == "notify" else {}}
    key = form_key if isinstance(form_key, str) and len(form_key) <= 64 else None
    return command_center.perform(context.engine(), context.actor(), action, user_id, reason, params=params,
                                  idempotency_key=key)


def _parse_utc(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None
