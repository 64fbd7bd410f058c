"""Page paths: ``/maintenance/<amo code>/<page path>``, split and built.

The grammar only: which page paths exist is the routing table's business
(:mod:`dashboards.routes`). Pages build their links with the functions here, so every user and
every record shown anywhere links to the one route that shows it.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

PREFIX = "/maintenance/"
AMO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
SEGMENT_PATTERN = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_SEGMENTS = 4


def split_path(pathname: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(AMO code, the segments after it) of a page path, or None when it is not one."""
    if not isinstance(pathname, str) or not pathname.startswith(PREFIX):
        return None
    amo_code, _, rest = pathname[len(PREFIX):].partition("/")
    segments = tuple(rest.removesuffix("/").split("/")) if rest.strip("/") else ()
    if not AMO_PATTERN.match(amo_code) or not segments or len(segments) > MAX_SEGMENTS:
        return None
    if not all(SEGMENT_PATTERN.match(segment) for segment in segments):
        return None
    return amo_code, segments


def slug_of(pathname: str | None) -> str | None:
    """The first segment after the AMO (a department page's slug), or None."""
    parsed = split_path(pathname)
    return parsed[1][0] if parsed else None


def page_path(amo_code: str, page: str, query: dict | None = None) -> str:
    """The path of a page without parameters (``admin``, ``history``, a department's slug)."""
    path = f"{PREFIX}{amo_code}/{page}"
    return f"{path}?{urlencode(query)}" if query else path


def user_path(amo_code: str, user_id: int) -> str:
    """The user page of ``user_id``."""
    return f"{PREFIX}{amo_code}/admin/users/{int(user_id)}"


def record_path(amo_code: str, entity_type: str, entity_id: int | str) -> str:
    """The page of one record."""
    return f"{PREFIX}{amo_code}/{entity_type}/{entity_id}"


def list_path(amo_code: str, entity_type: str, query: dict | None = None) -> str:
    """The list of records of one type (``query``: ``ids``, ``kpi``, ``bar``, …)."""
    return page_path(amo_code, entity_type, query)
