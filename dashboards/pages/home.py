"""The home page of members whose department's page is not theirs to open (QUAL, ADMIN): those
pages show every department's data, and a member reads their own department's.

It says where their things are: the live activity of their department and their notifications
are in the navbar's panel on every page, and the records they are sent links to open here.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html

NAMES = {"QUAL": "Quality", "PLAN": "Planning", "PROD": "Production", "REL": "Reliability", "SAFE": "Safety",
         "STOR": "Stores", "ENG": "Engineering", "WKSP": "Workshops", "ADMIN": "Administration"}


def layout(user, match):
    department = NAMES.get(user.department_code, user.department_code)
    return html.Div([
        html.H2(f"{department} department · {user.amo_code}", className="h4", id="home-title"),
        dbc.Card(dbc.CardBody([
            html.P(["What happens in your department, and your notifications, are in ",
                    html.Strong("Live activity"), " at the top of every page."]),
            html.P("A link to a record or a list of records that a colleague sends you opens here; you "
                   "see the records of your department.", className="mb-0"),
        ]), className="mt-2", style={"maxWidth": "48rem"}),
    ])


def register_callbacks(app: Dash) -> None:
    """The page draws everything in its layout; the feed's callbacks belong to the shell."""
