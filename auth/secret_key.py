"""The secret key that signs session cookies: required and strong outside the demo.

A key from a known default or a short one lets anyone forge a session cookie (Superset
CVE-2023-27524), so the app refuses to start with one. The demo alone may run without a key:
it gets a random one per start, so its sessions end when it restarts.
"""

from __future__ import annotations

import secrets

from auth.errors import InsecureConfiguration

MIN_LENGTH = 32
KNOWN_DEFAULTS = frozenset({
    "", "secret", "changeme", "change-me", "dev", "development", "default", "secret_key", "secretkey",
    "your-secret-key", "please-change-me", "thisismysecretkey",
    "\x02\x01thisismyscretkey\x01\x02\\e\\y\\y\\h",
    "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET", "SECRET_KEY", "TEST_NON_DEV_SECRET",
})


def resolve_secret_key(configured: str, *, demo: bool) -> str:
    """The key to sign with, or :class:`InsecureConfiguration` naming the setting to fix."""
    if demo and not configured:
        return secrets.token_urlsafe(48)
    if configured in KNOWN_DEFAULTS or configured.lower() in {k.lower() for k in KNOWN_DEFAULTS}:
        raise InsecureConfiguration(
            "AMOSCOPE_SECRET_KEY is missing or a well-known default; set it to a random value, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    if len(configured) < MIN_LENGTH or len(set(configured)) < 6:
        raise InsecureConfiguration(
            f"AMOSCOPE_SECRET_KEY is too weak: use at least {MIN_LENGTH} random characters"
        )
    return configured
