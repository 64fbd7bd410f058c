"""Page paths: ``/maintenance/<amo code>/<page slug>``."""

from __future__ import annotations

import re

PATH_PATTERN = re.compile(r"^/maintenance/(?P<amo>[A-Za-z0-9_-]{1,16})/(?P<slug>[a-z]{1,32})/?$")


def parse_path(pathname: str | None) -> tuple[str, str] | None:
    """(amo code, page slug) of a page path, or None when it is not one."""
    match = PATH_PATTERN.match(pathname or "")
    return (match["amo"], match["slug"]) if match else None


def slug_of(pathname: str | None) -> str | None:
    parsed = parse_path(pathname)
    return parsed[1] if parsed else None


def page_path(amo_code: str, slug: str) -> str:
    return f"/maintenance/{amo_code}/{slug}"
