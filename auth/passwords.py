"""Password hashing (argon2id) and the password policy.

Hashes are argon2id with one of two cost profiles that both meet OWASP / ASVS appendix C:
``rfc9106`` (argon2-cffi's RFC 9106 low-memory defaults, the production default) and
``owasp-minimum`` (m=19456 KiB, t=2, p=1). A hash made with other costs is rehashed at the
next successful login, so raising the cost needs no migration.
"""

from __future__ import annotations

import contextlib
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from auth.errors import PasswordRejected

DEFAULT_PROFILE = "rfc9106"
PROFILES = {
    "rfc9106": {"memory_cost": 65536, "time_cost": 3, "parallelism": 4},
    "owasp-minimum": {"memory_cost": 19456, "time_cost": 2, "parallelism": 1},
}
MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_CHECKED = 3000  # ASVS 6.2.4: the most common passwords are refused


@cache
def hasher(profile: str = DEFAULT_PROFILE) -> PasswordHasher:
    """The argon2id hasher of a cost profile (see :data:`PROFILES`)."""
    try:
        costs = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"AMOSCOPE_PASSWORD_HASH_PROFILE={profile!r} is unknown; use one of {', '.join(PROFILES)}"
        ) from None
    return PasswordHasher(type=Type.ID, **costs)


@cache
def _dummy_hash(profile: str) -> str:
    return hasher(profile).hash("not-a-real-password-used-for-equal-timing")


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_CHECKED])


def check_password_policy(password: str) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` has 8 to 128 characters and is not
    one of the 3000 most common passwords (zxcvbn's frequency list).

    No composition rules (ASVS 6.2.5); any Unicode is allowed; nothing is truncated.
    """
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise PasswordRejected(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"A password may have at most {MAX_LENGTH} characters.")
    if not password.strip():
        raise PasswordRejected("A password cannot be only spaces.")
    if password.lower() in _common_passwords():
        raise PasswordRejected("This password is one of the most common ones; choose another.")


def hash_password(password: str, profile: str = DEFAULT_PROFILE) -> str:
    """An argon2id hash of ``password`` after checking it against the password policy."""
    check_password_policy(password)
    return hasher(profile).hash(password)


def verify_password(stored_hash: str | None, password: str,
                    profile: str = DEFAULT_PROFILE) -> tuple[bool, str | None]:
    """Check ``password`` against ``stored_hash``; return (matches, new hash to store or None).

    A missing or malformed hash verifies against a dummy hash first, so the time taken does not
    tell whether the account exists or can log in. The new hash is set when the stored one was
    made with other costs than ``profile``.
    """
    if not stored_hash or not stored_hash.startswith("$argon2id$"):
        equal_time_dummy_check(password, profile)
        return False, None
    try:
        hasher(profile).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if hasher(profile).check_needs_rehash(stored_hash):
        return True, hasher(profile).hash(password)
    return True, None


def equal_time_dummy_check(password: str, profile: str = DEFAULT_PROFILE) -> None:
    """Spend the time of one verification for an account that does not exist."""
    with contextlib.suppress(VerificationError):
        hasher(profile).verify(_dummy_hash(profile), password)
