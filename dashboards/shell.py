"""The shell around every page: navbar with the page launcher, sign-out, and the router.

The router callback renders the page for the URL after checking the policy again (the guard
already refused forbidden page loads), so a client-side URL change cannot reach a page either.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import flask
from dash import Dash, Input, Output, dcc, html
from flask_login import current_user

from auth import csrf
from auth.policy import may_open_page
from dashboards.paths import page_path, parse_path
from dashboards.routes import ROUTES


def layout():
    """The app layout, built per request for the signed-in user (the guard refuses anonymous)."""
    if not flask.has_request_context() or not current_user.is_authenticated:
        return html.Div([dcc.Location(id="url"), html.Div(id="page-content")])
    user = current_user
    # Client-side links: the router callback renders the page, nothing is downloaded again.
    links = [dbc.NavItem(dbc.NavLink(route.title, href=page_path(user.amo_code, route.slug), active="exact"))
             for route in ROUTES.values()
             if route.in_menu and may_open_page(user.role, user.department_code, route.slug)]
    sign_out = html.Form([
        html.Span(f"{user.full_name} · {user.role}", className="navbar-text me-3"),
        dcc.Input(type="hidden", name=csrf.FORM_FIELD, value=csrf.csrf_token()),
        html.Button("Sign out", type="submit", className="btn btn-outline-light btn-sm", id="sign-out"),
    ], method="POST", action="/logout", className="d-flex align-items-center")
    navbar = dbc.Navbar(dbc.Container([
        dbc.NavbarBrand(f"AMOscope · {user.amo_code}"),
        dbc.Nav(links, className="me-auto", navbar=True),
        sign_out,
    ], fluid=True), color="dark", dark=True, className="mb-3")
    return html.Div([dcc.Location(id="url"), navbar, dbc.Container(id="page-content", fluid=True)])


def register_callbacks(app: Dash) -> None:
    @app.callback(Output("page-content", "children"), Input("url", "pathname"))
    def render_page(pathname):
        user = current_user
        parsed = parse_path(pathname)
        if parsed is None or parsed[1] not in ROUTES:
            return html.P("There is no such page.", className="text-muted")
        amo_code, slug = parsed
        if amo_code != user.amo_code or not may_open_page(user.role, user.department_code, slug):
            return html.P("You do not have access to this page.", className="text-danger")
        return ROUTES[slug].module.layout(user, slug)
