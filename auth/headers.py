"""Security headers on every response: CSP, HSTS, nosniff, framing, referrer, caching.

The CSP allows scripts from the app's own origin plus the hashes of the inline scripts Dash
needs (``app.csp_hashes()``), so no other inline script runs. Styles allow 'unsafe-inline'
because Dash components set style attributes (plotly/dash#2518).
"""

from __future__ import annotations

from collections.abc import Iterable

import flask


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The CSP header value for the given inline-script hashes."""
    script_src = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def apply_security_headers(response: flask.Response, csp: str, *, authenticated: bool) -> flask.Response:
    """Set the headers; ``authenticated`` responses (and auth pages) must never be cached."""
    headers = response.headers
    headers["Content-Security-Policy"] = csp
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if authenticated:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response
