"""The users list of the admin's AMO: search by name or email, filters for role, department,
status and last sign-in, paged on the server. The filters and the page live in the URL, so a
view can be shared and survives a reload; every name links to the user's page.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html

from auth.directory import LAST_LOGIN, PAGE_SIZE, STATUSES, UserFilter, department_codes, search_users
from auth.policy import ROLES
from dashboards import context
from dashboards.names import relative_time
from dashboards.paths import user_path

ANY = "any"  # the "every …" choice; the filter ignores it like any unknown value
FILTERS = ("users-search", "users-role", "users-department", "users-status", "users-login")


def _choices(options: dict[str, str], everyone: str) -> list[dict[str, str]]:
    return [{"label": everyone, "value": ANY}, *({"label": label, "value": value}
                                                for value, label in options.items())]


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def layout(user, match):
    with context.engine().connect() as connection:
        codes = department_codes(connection, user.amo_id)
    chosen = UserFilter.parse(dict(match.query), set(codes))
    return html.Div([
        dcc.Location(id="users-location", refresh=False),
        dcc.Store(id="users-page", data=_page_number(match.query.get("page"))),
        html.H2(f"Users · {user.amo_code}", className="h4"),
        dbc.Row([
            dbc.Col(dbc.Input(id="users-search", type="search", placeholder="Search name or email",
                              value=chosen.search, debounce=True, maxLength=100), md=4),
            dbc.Col(dbc.Select(id="users-role", value=chosen.role or ANY,
                               options=_choices({r: r.capitalize() for r in ROLES}, "Every role")), md=2),
            dbc.Col(dbc.Select(id="users-department", value=chosen.department or ANY,
                               options=_choices({code: code for code in codes}, "Every department")), md=2),
            dbc.Col(dbc.Select(id="users-status", value=chosen.status or ANY,
                               options=_choices(STATUSES, "Any status")), md=2),
            dbc.Col(dbc.Select(id="users-login", value=chosen.last_login or ANY,
                               options=_choices(LAST_LOGIN, "Any last sign-in")), md=2),
        ], className="g-2 mb-3"),
        html.Div(id="users-table"),
        dbc.Row([
            dbc.Col(html.Span(id="users-summary", className="text-muted"), md=8),
            dbc.Col([dbc.Button("Previous", id="users-previous", size="sm", color="secondary",
                                className="me-2"),
                     dbc.Button("Next", id="users-next", size="sm", color="secondary")],
                    md=4, className="text-end"),
        ], className="mt-2"),
    ])


def _status(row: dict) -> dbc.Badge:
    if not row["is_active"]:
        return dbc.Badge("Disabled", color="danger")
    if row["left_at"] is not None:
        return dbc.Badge("Left, still active", color="warning", text_color="dark")
    return dbc.Badge("Active", color="success")


def _table(amo_code: str, rows: list[dict]):
    if not rows:
        return html.P("No user matches these filters.", className="text-muted", id="users-empty")
    head = html.Thead(html.Tr([html.Th(name) for name in ("Name", "Email", "Role", "Department", "Status",
                                                          "Last sign-in")]))
    body = html.Tbody([html.Tr([
        html.Td(html.A(row["full_name"], href=user_path(amo_code, row["id"]), className="user-link")),
        html.Td(row["email"]), html.Td(row["role"].capitalize()), html.Td(row["department"]),
        html.Td(_status(row)), html.Td(relative_time(row["last_login_at"])),
    ]) for row in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, id="users-rows")


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("users-table", "children"), Output("users-summary", "children"),
                  Output("users-location", "search"), Output("users-page", "data"),
                  Output("users-previous", "disabled"), Output("users-next", "disabled"),
                  *(Input(name, "value") for name in FILTERS),
                  Input("users-previous", "n_clicks"), Input("users-next", "n_clicks"),
                  State("users-page", "data"))
    def show_users(search, role, department, status, last_login, _previous, _next, page):
        user = context.user()
        page = page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else 1
        if ctx.triggered_id == "users-previous":
            page = max(1, page - 1)
        elif ctx.triggered_id == "users-next":
            page += 1
        elif ctx.triggered_id in FILTERS:
            page = 1  # new filters start at the first page
        values = {"q": search, "role": role, "department": department, "status": status, "login": last_login}
        with context.engine().connect() as connection:
            codes = set(department_codes(connection, user.amo_id))
            chosen = UserFilter.parse({key: value if isinstance(value, str) else ""
                                       for key, value in values.items()}, codes)
            rows, total = search_users(connection, user.amo_id, chosen, page=page)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            page = pages
            with context.engine().connect() as connection:
                rows, total = search_users(connection, user.amo_id, chosen, page=page)
        query = {**chosen.as_query(), **({"page": str(page)} if page > 1 else {})}
        search_text = f"?{urlencode(query)}" if query else ""
        summary = f"{total} user{'s' if total != 1 else ''} · page {page} of {pages}"
        return _table(user.amo_code, rows), summary, search_text, page, page <= 1, page >= pages

