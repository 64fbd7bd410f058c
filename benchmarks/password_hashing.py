"""Cost of argon2id password checks per profile, against the cheapest allowed one in the same run.

The target (checklist A9) is 50–500 ms per hash on production hardware: slow enough to make
offline guessing expensive, fast enough for a login. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/password_hashing.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from auth.passwords import PROFILES, hash_password, hasher, verify_password

PASSWORD = "correct horse battery staple"


def _median_ms(action, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="measurements per row (median reported)")
    rounds = parser.parse_args().rounds
    rows = []
    for profile in PROFILES:
        stored = hash_password(PASSWORD, profile)
        rows.append((f"{profile} hash", _median_ms(lambda p=profile: hasher(p).hash(PASSWORD), rounds)))
        rows.append((f"{profile} verify",
                     _median_ms(lambda s=stored, p=profile: verify_password(s, PASSWORD, p), rounds)))
        rows.append((f"{profile} unknown user (dummy verify)",
                     _median_ms(lambda p=profile: verify_password(None, PASSWORD, p), rounds)))
    baseline = dict(rows)["owasp-minimum verify"]
    print(f"{'operation':40} {'median ms':>10} {'× owasp-minimum verify':>24}")
    for name, ms in rows:
        print(f"{name:40} {ms:10.1f} {ms / baseline:24.2f}")


if __name__ == "__main__":
    main()
