"""Where a ``next`` parameter may send the browser after login: only to a path of this site.

Browsers are lenient with URLs (``/\\evil.com``, ``//evil.com``, tabs inside schemes,
percent-encoded or full-width slashes all leave the origin), so the check is strict: after
Unicode normalisation and repeated percent-decoding, the value must be a plain absolute path
with no backslash, no control character, no scheme and no host.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit


def safe_next(value: str | None, fallback: str) -> str:
    """``value`` if it is a local path, otherwise ``fallback``."""
    if not value or len(value) > 2048:
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
