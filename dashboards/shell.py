"""The shell around every page: navbar with the page launcher, sign-out, and the router.

The router callback draws the page for the URL with the same resolution the guard used for the
HTTP status (:func:`dashboards.routes.resolve`), so a client-side URL change cannot reach a page
the guard would refuse either; a refused or unknown page is drawn inside the shell, and so is
a page that failed (500, with the reference to quote).

The navbar also holds the theme switch and, when the ``focus_mode`` setting allows it, the focus
button; ``assets/shell.js`` does both in the browser, ``assets/shell.css`` hides the chrome.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
import flask
from dash import Dash, Input, Output, State, dcc, html
from flask_login import current_user

from auth import csrf
from auth.policy import may_open_page
from dashboards import context, live
from dashboards.paths import page_path
from dashboards.routes import ROUTES, resolve

log = logging.getLogger(__name__)
REFUSALS = {
    403: ("You do not have access to this page.", "It belongs to another AMO or department, or your role "
          "does not include it."),
    404: ("There is no such page.", "The address may be mistyped, or the record or user it names does not "
          "exist."),
    500: ("Something went wrong on our side.", "The page could not be drawn. Try again; if it keeps "
          "failing, send the reference below to your administrator."),
}


def layout():
    """The app layout, built per request for the signed-in user (the guard refuses anonymous)."""
    if not flask.has_request_context() or not current_user.is_authenticated:
        return html.Div([dcc.Location(id="url"), html.Div(id="page-content")])
    user = current_user
    # Client-side links: the router callback draws the page, nothing is downloaded again.
    links = [dbc.NavItem(dbc.NavLink(route.title, href=page_path(user.amo_code, route.pattern),
                                     active="exact"))
             for route in ROUTES.values()
             if route.in_menu and may_open_page(user.role, user.department_code, route.pattern)]
    focus = context.app_context().settings.focus_mode
    tools = [html.Button("Dark", id="theme-toggle", type="button", **{"aria-pressed": "false"},
                         className="btn btn-outline-light btn-sm me-2 text-nowrap",
                         title="Switch between the light and the dark theme")]
    if focus:
        tools.append(html.Button("Focus", id="focus-toggle", type="button", **{"aria-pressed": "false"},
                                 className="btn btn-outline-light btn-sm me-3 text-nowrap",
                                 title="Hide the navigation (F); Esc brings it back"))
    sign_out = html.Form([
        *tools,
        html.Span(f"{user.full_name} · {user.role}", className="navbar-text me-3 text-nowrap"),
        dcc.Input(type="hidden", name=csrf.FORM_FIELD, value=csrf.csrf_token()),
        html.Button("Sign out", type="submit", className="btn btn-outline-light btn-sm text-nowrap",
                    id="sign-out"),
    ], method="POST", action="/logout", className="d-flex align-items-center")
    navbar = dbc.Navbar(dbc.Container([
        dbc.NavbarBrand(f"AMOscope · {user.amo_code}"),
        dbc.Nav(links, className="me-auto", navbar=True),
        live.navbar_button(),
        sign_out,
    ], fluid=True), id="app-navbar", color="dark", dark=True, className="mb-3")
    launcher = [html.Button("☰ Pages", id="focus-launcher", type="button", className="btn btn-dark btn-sm",
                            title="Open the page launcher")] if focus else []
    return html.Div([dcc.Location(id="url"), navbar, *launcher, live.panel(user),
                     dbc.Container(id="page-content", fluid=True)])


def register_callbacks(app: Dash) -> None:
    live.register_callbacks(app)

    @app.callback(Output("page-content", "children"), Input("url", "pathname"), State("url", "search"))
    def render_page(pathname, search):
        user = current_user
        try:
            with context.engine().connect() as connection:
                resolution = resolve(connection, user, pathname)
            if resolution.status == 200:
                query = {key: values[0] for key, values in parse_qs((search or "").lstrip("?")).items()}
                return resolution.match.route.module.layout(user, replace(resolution.match, query=query))
        except Exception:  # a page that fails is a message inside the shell, never a blank page
            log.exception("page %s failed (request %s)", pathname, flask.g.get("request_id"))
            return refusal(500)
        return refusal(resolution.status)


def refusal(status: int):
    """The body of a 403, 404 or 500 answer, drawn inside the shell."""
    title, explanation = REFUSALS[status]
    reference = ([html.P(f"Reference: {flask.g.get('request_id', '')}", className="small")]
                 if status == 500 else [])
    return html.Div([html.H2(title, className="h4"), html.P(explanation, className="text-muted"), *reference,
                     html.A("Back to your start page", href="/")],
                    id=f"page-status-{status}", className="py-4")
