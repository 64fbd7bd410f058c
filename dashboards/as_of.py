"""The as-of date of a page, carried in its URL (``?as_of=2025-06-30``).

One parameter drives every card, chart and list of the page, so a link reproduces what its
sender saw: the cockpit computes its KPIs as of that day, a chart click passes the date on to
the list, and each page says in a banner that its figures are historic, with a link back to now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlencode

import dash_bootstrap_components as dbc
from dash import html

PARAMETER = "as_of"


class BadDate(ValueError):
    """The as-of date in the URL is not a date up to today."""


def today() -> date:
    return datetime.now(UTC).date()


def query(search: str | None) -> dict[str, str]:
    """The page's query string as a dict of first values."""
    return {key: values[0] for key, values in parse_qs((search or "").lstrip("?")).items()}


def parse(search: str | None) -> date | None:
    """The as-of date of a query string: None for now (no date, or today); :class:`BadDate` when
    it is malformed or in the future."""
    text = query(search).get(PARAMETER, "").strip()
    if not text:
        return None
    try:
        chosen = date.fromisoformat(text)
    except ValueError as error:
        raise BadDate(f"{text[:20]!r} is not a date (use YYYY-MM-DD)") from error
    if chosen > today():
        raise BadDate("the as-of date is in the future")
    return None if chosen == today() else chosen


def search_of(params: dict[str, str]) -> str:
    """A query string ("?a=1&b=2", or "" for none) of ``params``."""
    return f"?{urlencode(params)}" if params else ""


def search_with(search: str | None, as_of: date | None) -> str:
    """``search`` with its as-of date replaced (removed for now), other parameters kept."""
    params = {key: value for key, value in query(search).items() if key != PARAMETER}
    if as_of is not None:
        params[PARAMETER] = as_of.isoformat()
    return search_of(params)


def banner(as_of: date | None, pathname: str | None, search: str | None):
    """The historic-figures banner (None for now): the date, and a link to the same page today."""
    if as_of is None:
        return None
    return dbc.Alert([
        html.Strong(f"Figures as of {as_of.day} {as_of:%B %Y}. "),
        "Every card, chart and list on this page shows the records as they were at the end of that day. ",
        html.A("Back to now", href=f"{pathname or ''}{search_with(search, None)}", id="as-of-now",
               className="alert-link"),
    ], color="info", id="as-of-banner", className="py-2")
