"""The auth layer's settings section: the secret key, sessions, password cost and proxies."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.settings import setting


@dataclass(frozen=True)
class AuthSettings:
    """What login, sessions and emailed links need."""

    secret_key: str = setting(
        "", "Key that signs session cookies and CSRF tokens; required (32+ characters) outside the demo.")
    demo: bool = setting(False, "Run as the embedded demo: relaxes the secret-key requirement only.")
    base_url: str = setting(
        "http://127.0.0.1:8050",
        "Public address of the dashboards, used in emailed links (never taken from a request).")
    session_idle_minutes: int = setting(30, "A session unused this long is ended.", minimum=1)
    session_absolute_hours: int = setting(8, "A session this old is ended even if in use.", minimum=1)
    password_hash_profile: str = setting(
        "rfc9106",
        "Argon2id cost of new password hashes: rfc9106 (m=64 MiB, t=3, p=4) or owasp-minimum "
        "(m=19 MiB, t=2, p=1); hashes made with other costs are rehashed at the next login.")
    trusted_proxy_count: int = setting(
        0, "Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.", minimum=0)
