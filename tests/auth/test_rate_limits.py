"""Rate limits, lockout, client-IP detection and username enumeration (checklist A1–A5)."""

from __future__ import annotations

import statistics
import time

from auth_test_support import PASSWORD, login, make_app, make_user, sql_count


def test_online_brute_force_one_account(app, pg_engine):
    """A1: from the 11th wrong password in 15 minutes: 429 + Retry-After; each failure and the
    lockout audited."""
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    statuses = [login(client, "alice@amo1.example", "wrong password!").status_code for _ in range(10)]
    assert statuses == [401] * 10
    locked = login(client, "alice@amo1.example", PASSWORD)  # even the right password now waits
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOGIN_FAILED'") == 11
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOCKOUT'") == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM user_sessions") == 0


def test_online_brute_force_in_parallel_cannot_overshoot(settings, pg_engine, amo_id):
    """A1 under concurrency: 25 wrong passwords sent at once still get exactly 10 checks."""
    from concurrent.futures import ThreadPoolExecutor

    from auth.errors import RateLimited
    from auth.login import LoginFailed, authenticate
    from warehouse.events import RequestContext

    make_user(pg_engine, "alice@amo1.example", "member", "PROD")

    def attempt(number: int) -> str:
        context = RequestContext(ip=f"192.0.2.{number}")  # distinct IPs: only the account limit applies
        try:
            authenticate(pg_engine, "alice@amo1.example", "wrong password!", context,
                         profile=settings.password_hash_profile)
        except LoginFailed:
            return "checked"
        except RateLimited:
            return "limited"
        return "logged in"

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(attempt, range(25)))
    assert outcomes.count("checked") == 10
    assert outcomes.count("limited") == 15
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'LOCKOUT'") == 1


def test_password_spraying_per_ip_limit(app, pg_engine):
    """A2: one IP trying many accounts is stopped after 30 attempts a minute."""
    client = app.test_client()
    statuses = [login(client, f"user{n}@amo1.example", "Spring2026!").status_code for n in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429
    other_ip = login(client, "user99@amo1.example", "Spring2026!", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_ip.status_code == 401


def test_spoofed_forwarded_for_does_not_reset_counters(settings, pg_engine, amo_id):
    """A4: X-Forwarded-For from the client is ignored without a trusted proxy, and with one
    proxy only the address that proxy saw counts."""
    direct = make_app(settings, pg_engine).test_client()
    for n in range(30):
        login(direct, f"u{n}@amo1.example", "Spring2026!", headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert login(direct, "x@amo1.example", "Spring2026!",
                 headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    proxied = make_app(settings.replace(trusted_proxy_count=1), pg_engine).test_client()
    spoofed = {"X-Forwarded-For": "203.0.113.50, 192.0.2.1"}  # client-supplied first hop is not trusted
    proxy_env = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(30):
        login(proxied, f"v{n}@amo1.example", "Spring2026!", headers=spoofed, environ_base=proxy_env)
    again = login(proxied, "w@amo1.example", "Spring2026!",
                  headers={"X-Forwarded-For": "203.0.113.99, 192.0.2.1"}, environ_base=proxy_env)
    assert again.status_code == 429
    assert sql_count(pg_engine, "SELECT count(*) FROM login_attempts WHERE ip = '192.0.2.1'") >= 30


def test_locked_account_can_still_finish_a_valid_reset(app, pg_engine):
    """A3: lockout is soft; a completed reset lifts it."""
    from auth.reset_tokens import complete_reset, issue_token
    from warehouse.events import SYSTEM
    user_id = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    client = app.test_client()
    for _ in range(11):
        login(client, "alice@amo1.example", "wrong password!")
    assert login(client, "alice@amo1.example", PASSWORD).status_code == 429
    with pg_engine.begin() as connection:
        token = issue_token(connection, user_id, requested_by=None, ip=None, base_url="https://amoscope.example")
    complete_reset(pg_engine, token, "a brand new passphrase", SYSTEM, profile="owasp-minimum")
    assert login(app.test_client(), "alice@amo1.example", "a brand new passphrase").status_code == 303


def test_username_enumeration_on_login(app, pg_engine):
    """A5: existing vs unknown user with a wrong password: same status, same body, and the median
    time differs by under 10 ms over 200 attempts each."""
    for n in range(20):
        make_user(pg_engine, f"staff{n}@amo1.example", "member", "PROD")
    client = app.test_client()
    timings = {"existing": [], "unknown": []}
    bodies = {"existing": set(), "unknown": set()}
    for attempt in range(200):
        for kind in ("existing", "unknown"):
            username = (f"staff{attempt % 20}@amo1.example" if kind == "existing"
                        else f"ghost{attempt}@amo1.example")
            environ = {"REMOTE_ADDR": f"10.{attempt // 250}.{attempt % 250}.{1 if kind == 'existing' else 2}"}
            started = time.perf_counter()
            response = login(client, username, "definitely wrong", environ_base=environ)
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 401
            text = response.get_data(as_text=True)
            start = text.index('name="csrf_token" value="')
            bodies[kind].add(text[:start] + text[text.index('"', start + 25):])
    assert bodies["existing"] == bodies["unknown"] and len(bodies["existing"]) == 1
    gap = abs(statistics.median(timings["existing"]) - statistics.median(timings["unknown"]))
    assert gap < 0.010, f"median timing gap {gap * 1000:.1f} ms"
