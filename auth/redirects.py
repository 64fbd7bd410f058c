"""Where a ``next`` parameter may send the browser after login: only to a path of this site.

A shared link must survive the detour through the login page exactly, so the guard puts the
whole path with its query into ``next`` as one percent-encoded value (``&``, ``=``, ``%2C``,
``#`` and non-ASCII text included); Flask decodes it once, the login form carries it as it is,
and the redirect after login sends the browser back to that very path and query.

Browsers are lenient with URLs (``/\\evil.com``, ``//evil.com``, tabs inside schemes,
percent-encoded or full-width slashes all leave the origin), so the check is strict: after
Unicode normalisation and repeated percent-decoding, the value must be a plain absolute path
with no backslash, no control character, no scheme and no host.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

MAX_NEXT = 2048


def login_url(path: str, query_string: bytes) -> str:
    """The login page with ``next`` = this path and its raw query, encoded as a whole."""
    target = quote(path, safe="/").encode("ascii")
    if query_string:
        target += b"?" + query_string
    return f"/login?next={quote(target, safe='')}"


def safe_next(value: str | None, fallback: str) -> str:
    """``value`` if it is a local path, otherwise ``fallback``."""
    if not value or len(value) > MAX_NEXT:
        return fallback
    decoded = value
    for _ in range(4):  # undo double and triple encoding too
        decoded = unicodedata.normalize("NFKC", unquote(decoded))
    for candidate in (value, decoded):
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate) or "\\" in candidate:
            return fallback
        if not candidate.startswith("/") or candidate.startswith("//"):
            return fallback
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return fallback
        if any(segment == ".." for segment in parts.path.split("/")):
            return fallback
    return value
