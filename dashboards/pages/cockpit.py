"""A department's cockpit: KPI cards and charts as of the URL's date (the live feed is in the
navbar's panel, :mod:`dashboards.live`).

Every render makes one ``cockpit_snapshot`` call on the app's one Warehouse. The cards and the
first row of charts come in one answer and are drawn first; the other charts follow in a second
callback (a kept snapshot by then), so the first chart does not wait for the last figure to be
built, sent and drawn. Which department
it shows comes from the session (members always get their own); a click on a bar opens the
records page with the bar's record ids in the URL, and that page checks scope again. The QMS
cockpit offers quality roles the AM half-yearly summary as an XLSX download (audited).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from auth.policy import DEPARTMENT_SLUGS, cockpit_in_scope, may_perform
from auth.web_sessions import request_context
from dashboards import as_of as as_of_module
from dashboards import charts, cockpit_config, cockpits, context, open_items, records
from dashboards.paths import list_path, slug_of
from dashboards.theme import current_theme
from warehouse.errors import WarehouseError
from warehouse.kpi.base import REGISTRY
from warehouse.reports import export_half_yearly

NAMES = {"QUAL": "QMS cockpit", "PLAN": "Planning", "PROD": "Production", "REL": "Reliability",
         "SAFE": "Safety", "STOR": "Stores", "ENG": "Engineering", "WKSP": "Workshops"}
REPORT_ACTION = "report.half_yearly"


def layout(user, match):
    """The cockpit of the department whose page this is. The as-of
    picker and the figures are drawn by :func:`render_cockpit` from the URL's ``as_of``."""
    slug = match.route.pattern
    return html.Div([
        dcc.Location(id="cockpit-nav", refresh=True),
        dcc.Location(id="cockpit-as-of-nav", refresh=True),
        *_report_control(user, slug),
        dcc.Loading(html.Div(id="cockpit-body")),
        dbc.Row(id="cockpit-more-charts"),  # outside the spinner: the first charts stay in view
    ])


def _heading(code: str, as_of: date | None):
    """The cockpit's name and its as-of picker, showing the URL's date."""
    today = as_of_module.today().isoformat()
    picker = dbc.InputGroup([dbc.InputGroupText("As of"),
                             dbc.Input(id="cockpit-as-of", type="date", max=today,
                                       value=(as_of.isoformat() if as_of else today))])
    return dbc.Row([dbc.Col(html.H2(NAMES.get(code, code), className="h4"), md=8), dbc.Col(picker, md=4)],
                   className="mb-2")


def _recent_halves(today: date) -> list[str]:
    """The half-year running today and the three before it, newest first (e.g. 2026H2, 2026H1, …)."""
    index = today.year * 2 + (today.month > 6)
    return [f"{i // 2}H{i % 2 + 1}" for i in range(index, index - 4, -1)]


def _report_control(user, slug: str) -> list:
    """The AM half-yearly summary download: on the QMS cockpit, for roles the policy allows."""
    if _code(slug) != "QUAL" or not may_perform(user.role, REPORT_ACTION):
        return []
    halves = _recent_halves(datetime.now(UTC).date())
    return [dbc.Row(dbc.Col(dbc.InputGroup([
        dbc.InputGroupText("AM half-yearly summary"),
        dbc.Select(id="cockpit-report-half", options=[{"label": half, "value": half} for half in halves],
                   value=halves[1]),  # the last complete half-year
        dbc.Button("Download XLSX", id="cockpit-report-button", color="secondary"),
    ], size="sm"), md=6), className="mb-2"), html.Div(id="cockpit-report-error"),
        dcc.Download(id="cockpit-report-download")]


def _code(slug: str | None) -> str | None:
    return {page: code for code, page in DEPARTMENT_SLUGS.items()}.get(slug or "")


FIRST_CHARTS = 2  # the first row, drawn with the cards; the others follow (render_more_charts)
# A headline's state → the card's Bootstrap colour (neutral and no data stay plain).
CARD_COLOURS = {"good": "success", "warning": "warning", "alarm": "danger"}


def _card(name: str, frame, config: cockpit_config.CockpitConfig) -> dbc.Col:
    """The KPI's card: exactly the headline figure its definition declares (with the department's
    thresholds), and how it is computed on hover. The colour is the worst state of the figure and
    its companions."""
    definition = REGISTRY[name]
    figure = config.headline(name).evaluate(frame)
    state = figure.worst_state
    details = [part for part in (figure.target_text, *(_companion(also) for also in figure.also
                                                       if also.value is not None)) if part]
    how = "; ".join([figure.how, *(f"{also.label}: {also.how}" for also in figure.also)])
    body = html.Div([
        html.Div(figure.label, className="small text-muted kpi-label"),
        html.Div(figure.text, className="fs-4 fw-bold kpi-value"
                 + (" text-muted" if figure.value is None else "")),
        html.Div(", ".join(details), className="small kpi-detail"),
    ], title=f"{how}. ({definition.title}, definition v{definition.version})", className="card-body")
    colour = CARD_COLOURS.get(state)
    return dbc.Col(dbc.Card(body, color=colour, outline=bool(colour), id=f"kpi-{name}",
                            className=f"h-100 kpi-state-{state.replace(' ', '-')}"
                                      + (" kpi-alarm" if state == "alarm" else "")),
                   md=3, className="mb-2")


def _companion(figure) -> str:
    """A companion figure in words: "p90 88 d", "level 1: 2" (a colon when the label ends in a number)."""
    return f"{figure.label}{':' if figure.label[-1:].isdigit() else ''} {figure.text}"


def _chart(panel: cockpits.Panel, frame, labels, as_of: date | None, theme: str,
           config: cockpit_config.CockpitConfig) -> dbc.Col:
    figure = charts.figure(panel, frame, labels, theme=theme, period_end=as_of or as_of_module.today(),
                           headline=config.headline(panel.kpi).evaluate(frame))
    graph = dcc.Graph(id={"type": "cockpit-chart", "kpi": panel.kpi}, figure=figure,
                      config={"displaylogo": False, "displayModeBar": False})
    return dbc.Col(dbc.Card([dbc.CardHeader(panel.title), dbc.CardBody(graph, className="p-1")],
                            className="h-100"), lg=6, className="mb-3")


def _shown_panels(code: str, snapshot, config: cockpit_config.CockpitConfig) -> list[cockpits.Panel]:
    return [panel for panel in cockpits.PANELS[code] if panel.kpi in snapshot and config.shows(panel.kpi)]


def register_callbacks(app: Dash) -> None:

    @app.callback(Output("cockpit-body", "children"), Input("url", "search"), State("url", "pathname"))
    def render_cockpit(search, pathname):
        """The cards and charts as of the URL's ``as_of`` (today without one)."""
        user = context.user()
        code = cockpit_in_scope(user.role, user.department_code, slug_of(pathname))
        if code not in cockpits.PANELS:
            return html.P("No department cockpit here.", className="text-muted")
        try:
            as_of = as_of_module.parse(search)
        except as_of_module.BadDate as error:
            return [_heading(code, None),
                    dbc.Alert(f"Pick a date up to today ({error}).", color="warning")]
        try:
            snapshot = context.warehouse().kpi.cockpit_snapshot(code, as_of=as_of)
        except WarehouseError as error:
            return dbc.Alert(f"The KPIs could not be computed: {error}", color="danger")
        config = cockpit_config.for_department(context.app_context().settings.cockpit_config, code)
        with context.engine().connect() as connection:
            labels = records.labels_of(connection, user.amo_id)
            mine = open_items.of_user(connection, user)
        cards = dbc.Row([_card(name, frame, config) for name, frame in snapshot.items()
                         if config.shows(name)], className="g-2 mb-3")
        first = dbc.Row([_chart(panel, snapshot[panel.kpi], labels, as_of, current_theme(), config)
                         for panel in _shown_panels(code, snapshot, config)[:FIRST_CHARTS]])
        return [_heading(code, as_of), as_of_module.banner(as_of, pathname, search),
                open_items.panel(user.amo_code, mine), cards, first,
                dcc.Store(id="cockpit-more", data=search or "")]  # asks for the other charts

    @app.callback(Output("cockpit-more-charts", "children"), Input("cockpit-more", "data"),
                  State("url", "pathname"))
    def render_more_charts(search, pathname):
        """The charts after the first row, as of the date the body was drawn for (its ``search``);
        nothing when the body could not draw any (it says why)."""
        user = context.user()
        code = cockpit_in_scope(user.role, user.department_code, slug_of(pathname))
        if code not in cockpits.PANELS:
            return []
        try:
            as_of = as_of_module.parse(search if isinstance(search, str) else "")  # a store holds any JSON
            snapshot = context.warehouse().kpi.cockpit_snapshot(code, as_of=as_of)
        except (as_of_module.BadDate, WarehouseError):
            return []
        config = cockpit_config.for_department(context.app_context().settings.cockpit_config, code)
        with context.engine().connect() as connection:
            labels = records.labels_of(connection, user.amo_id)
        return [_chart(panel, snapshot[panel.kpi], labels, as_of, current_theme(), config)
                for panel in _shown_panels(code, snapshot, config)[FIRST_CHARTS:]]

    @app.callback(Output("cockpit-as-of-nav", "href"), Input("cockpit-as-of", "value"),
                  State("url", "pathname"), State("url", "search"), prevent_initial_call=True)
    def pick_date(value, pathname, search):
        """A date picked: the same page with it in the URL, so the link reproduces the figures."""
        try:
            chosen = date.fromisoformat(str(value)) if value else None
            current = as_of_module.parse(search)
        except (ValueError, as_of_module.BadDate):
            chosen, current = None, False  # a half-typed date waits; a bad URL date is replaced
        if chosen is None or chosen > as_of_module.today():
            return no_update
        chosen = None if chosen == as_of_module.today() else chosen
        if chosen == current:
            return no_update
        return f"{pathname}{as_of_module.search_with(search, chosen)}"

    @app.callback(Output("cockpit-nav", "href"), Input({"type": "cockpit-chart", "kpi": ALL}, "clickData"),
                  State("url", "pathname"), State("url", "search"), prevent_initial_call=True)
    def drill(_clicks, pathname, search):
        user = context.user()
        code = cockpit_in_scope(user.role, user.department_code, slug_of(pathname))
        kpi = ctx.triggered_id.get("kpi") if isinstance(ctx.triggered_id, dict) else None
        panel = cockpits.panel(code, kpi) if code else None
        click = ctx.triggered[0].get("value") if ctx.triggered else None
        if panel is None or not isinstance(click, dict) or not click.get("points"):
            return no_update
        point = click["points"][0]
        ids_text, element = charts.drilled(point.get("customdata"))
        ids = records.parse_ids(ids_text)
        query = {"ids": ",".join(map(str, ids)), "kpi": panel.kpi, "bar": str(element or "")[:80]}
        try:
            as_of = as_of_module.parse(search)
        except as_of_module.BadDate:
            as_of = None
        if as_of is not None:
            query[as_of_module.PARAMETER] = as_of.isoformat()
        return list_path(user.amo_code, panel.entity, query)

    @app.callback(Output("cockpit-report-download", "data"), Output("cockpit-report-error", "children"),
                  Input("cockpit-report-button", "n_clicks"), State("cockpit-report-half", "value"),
                  prevent_initial_call=True)
    def download_report(n_clicks, half):
        """The AM half-yearly summary of the user's AMO as XLSX (the export is audited), or why not."""
        user = context.user()
        if not n_clicks or not may_perform(user.role, REPORT_ACTION):
            return no_update, no_update
        try:
            content, summary = export_half_yearly(context.warehouse(), amo_code=user.amo_code,
                                                  half=str(half or ""),
                                                  context=request_context(), department_id=user.department_id)
        except WarehouseError as error:
            # The picker offers valid half-years only, so this is a forged request or a failed read.
            return no_update, dbc.Alert(f"No summary was produced: {error}", color="warning")
        return dcc.send_bytes(content, f"am-half-yearly-{user.amo_code}-{summary.half.label}.xlsx"), None
